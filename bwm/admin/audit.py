"""The audit trail's page (/admin/audit): who changed what, when, from what to what."""

from __future__ import annotations

from flask import request, url_for

from ..domain.errors import ValidationFailed
from ..htmx import render_htmx
from ..schemas import load
from ..schemas.audit import AuditQuery, search_args
from ..services import audit as trail
from ..web import translated
from .blueprint import bp


def _filters() -> tuple[dict, dict, dict[str, str]]:
    """Return the filters as typed (the form's values), as loaded, and the problems with them."""
    typed = {k: v.strip() for k, v in request.args.items() if v.strip()}
    try:
        return typed, load(AuditQuery, {**typed, "limit": trail.PAGE}), {}
    except ValidationFailed as exc:
        return (
            typed,
            load(AuditQuery, {"limit": trail.PAGE}),
            {k: translated(v) for k, v in exc.errors.items()},
        )


@bp.get("/audit")
def audit():
    """Show the audit trail, newest first, filtered, 50 a page."""
    typed, query, problems = _filters()
    events, cursor = trail.search(**search_args(query)) if not problems else ([], None)
    older = None
    if cursor is not None:
        args = {k: v for k, v in typed.items() if k != "after"}
        older = url_for(".audit", **args, after=cursor)
    return render_htmx(
        "admin/audit.html",
        "admin/_audit.html",
        status=422 if problems else 200,
        events=events,
        older=older,
        typed=typed,
        problems=problems,
        actions=trail.actions_seen(),
    )
