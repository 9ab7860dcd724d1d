"""A calendar shared with someone outside: /c/<token> (a week at a time) and /c/<token>.ics."""

from __future__ import annotations

from flask import make_response, request, url_for
from flask_babel import gettext as _

from ..errors import render_error
from ..htmx import render_htmx
from ..services import calendar_shares, policy
from ..web import now
from .blueprint import bp


def _closed():
    """Answer 403: the organization turned sharing with people outside off."""
    return render_error(
        403,
        _(
            "The organization no longer shares calendars with people outside it, so this "
            "calendar can't be shown."
        ),
    )


@bp.get("/c/<token>")
def shared_calendar(token: str):
    """Show one week of a shared calendar (the week alone for htmx), at the share's level."""
    try:
        share, level = calendar_shares.open_share(token)  # TokenError -> 404/410 (errors.py)
    except calendar_shares.SharingClosed:
        return _closed()
    owner = share.user
    tz = calendar_shares.zone_of(owner)
    week = calendar_shares.week_of(
        owner, level, calendar_shares.parse_week(request.args.get("week"), tz, now=now())
    )

    def week_url(monday):
        return url_for("attendee.shared_calendar", token=token, week=monday.isoformat())

    response = render_htmx(
        "attendee/shared_calendar.html",
        "attendee/_shared_week.html",
        owner=owner,
        week=week,
        week_url=week_url,
        level_label=policy.DETAIL_LABELS[level],
        ics_url=url_for("attendee.shared_calendar_ics", token=token),
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/c/<token>.ics")
def shared_calendar_ics(token: str):
    """Serve the shared calendar as an iCalendar feed at the share's level."""
    try:
        share, level = calendar_shares.open_share(token)
    except calendar_shares.SharingClosed:
        return _closed()
    response = make_response(calendar_shares.feed(share, level, now=now()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
