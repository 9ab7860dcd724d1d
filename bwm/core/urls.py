"""Absolute URLs, for links in emails and answers that leave the site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """Build an absolute URL on BASE_URL (links in emails), else on the request's host.

    Works outside a request too (the worker writes reminders): then BASE_URL, or localhost.
    """
    values.setdefault("embed", None)  # a link that leaves the site is never the frame's
    base = current_app.config.get("BASE_URL")
    if base is None and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or "http://localhost:5000")
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
