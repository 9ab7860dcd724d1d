"""A page's look (SPEC §12): its brand colour and its types' colours as a small stylesheet of
custom properties (/b/<slug>/brand.css; the Content-Security-Policy allows no inline style),
under a URL that changes with them, so browsers keep it for a year."""

import hashlib

from flask import Response, abort, request, url_for

from ..assets import cache_versioned
from ..domain.colors import palette
from ..models import BookingPage
from ..services import images, pages
from .blueprint import bp


def _css(page: BookingPage) -> str:
    lines = []
    if page.brand_color:
        colours = palette(page.brand_color)
        lines.append(
            f":root {{ --accent: {colours['accent']}; --accent-fg: {colours['accent-fg']}; }}"
        )
        lines.append(
            "@media (prefers-color-scheme: dark) { :root { "
            f"--accent: {colours['dark-accent']}; --accent-fg: {colours['dark-accent-fg']}; }} }}"
        )
    for mt in page.meeting_types:
        if mt.color:
            lines.append(f".type-{mt.id} {{ --type-color: {mt.color}; }}")
    return "\n".join(lines) + "\n"


def _version(css: str) -> str:
    return hashlib.sha256(css.encode()).hexdigest()[:12]


@bp.app_template_global()
def brand_version(page: BookingPage) -> str:
    """The stylesheet's version: it changes with the colours."""
    return _version(_css(page))


@bp.app_template_global()
def page_images(page: BookingPage) -> dict[str, str]:
    """The URLs of the page's photo and uploaded banner it has, by kind."""
    return {
        kind: url_for("attendee.page_image", slug=page.slug, kind=kind, v=version)
        for kind, version in images.versions(page).items()
    }


@bp.get("/b/<slug>/<any(photo, banner):kind>.webp")
def page_image(slug: str, kind: str):
    """The page's photo or banner as re-encoded here (image/webp, never sniffed as anything)."""
    page = pages.public_page(slug)
    found = images.image_of(page, kind) if page is not None else None
    if found is None:
        abort(404)
    response = Response(found.data, mimetype=found.mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{kind}.webp"'
    cache_versioned(response, found.version)
    response.set_etag(found.version)
    return response.make_conditional(request)


@bp.get("/b/<slug>/brand.css")
def brand_css(slug: str):
    """The page's colours as custom properties (an empty stylesheet when it has none)."""
    page = pages.public_page(slug)
    if page is None:
        abort(404)
    css = _css(page)
    response = Response(css, mimetype="text/css")
    cache_versioned(response, _version(css))
    response.add_etag()
    return response.make_conditional(request)
