"""JSON API v1 for connected calendars (SPEC §5): list, connect, change, remove, sync now."""

from flask import abort, g, jsonify

from ..extensions import db
from ..models import ConnectedCalendar
from ..services import calendars
from ..web import now
from . import bp
from .auth import token_required
from .views import json_body


def _own(calendar_id: int) -> ConnectedCalendar:
    """Return the token user's calendar, 404 for anyone else's."""
    cal = calendars.own_calendar(calendar_id, g.api_user.id)
    if cal is None:
        abort(404, description="no such calendar")
    return cal


@bp.get("/me/calendars")
@token_required
def calendar_list():
    """List the organizer's connected calendars with their sync status."""
    return jsonify(
        {
            "calendars": [
                calendars.calendar_to_dict(c) for c in calendars.list_calendars(g.api_user.id)
            ]
        }
    )


@bp.post("/me/calendars")
@token_required
def calendar_create():
    """Connect an ICS feed or a CalDAV calendar; the worker reads it at once."""
    cal = calendars.create_calendar(g.api_user, json_body(), now=now())
    db.session.commit()
    return jsonify(calendars.calendar_to_dict(cal)), 201


@bp.get("/me/calendars/<int:calendar_id>")
@token_required
def calendar_show(calendar_id: int):
    """Show one connected calendar."""
    return jsonify(calendars.calendar_to_dict(_own(calendar_id)))


@bp.patch("/me/calendars/<int:calendar_id>")
@token_required
def calendar_update(calendar_id: int):
    """Change a calendar's address, user name, password or "write_bookings"."""
    cal = calendars.update_calendar(_own(calendar_id), json_body(), now=now())
    db.session.commit()
    return jsonify(calendars.calendar_to_dict(cal))


@bp.delete("/me/calendars/<int:calendar_id>")
@token_required
def calendar_delete(calendar_id: int):
    """Disconnect a calendar; its busy time stops blocking at once."""
    calendars.delete_calendar(_own(calendar_id))
    db.session.commit()
    return "", 204


@bp.post("/me/calendars/<int:calendar_id>/sync")
@token_required
def calendar_sync(calendar_id: int):
    """Read the calendar now and answer it with the outcome (status, error)."""
    calendar_id = _own(calendar_id).id
    calendars.sync_now(calendar_id, now())
    cal = db.session.get(ConnectedCalendar, calendar_id)
    if cal is None:
        abort(404, description="no such calendar")
    db.session.refresh(cal)
    return jsonify(calendars.calendar_to_dict(cal))
