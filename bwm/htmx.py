"""Small helpers for pages that htmx enhances and that work without it."""

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """Tell whether htmx asked for a fragment (not a boosted or history-restore request)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_htmx(
    page_template: str, partial_template: str, status: int = 200, **context
) -> Response:
    """Render the fragment for htmx and the whole page otherwise, from the same context."""
    template = partial_template if is_htmx() else page_template
    response = make_response(render_template(template, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


def hx_redirect(location: str) -> Response:
    """Redirect a plain request with 303 and an htmx request with HX-Redirect."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    response = make_response("", 303)
    response.headers["Location"] = location
    return response
