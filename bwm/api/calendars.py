"""Connected calendars (SPEC §5): list, connect, change, remove, sync now."""

from flask import abort, g

from ..extensions import db
from ..models import ConnectedCalendar
from ..schemas.calendars import CalendarChange, CalendarIn, CalendarList, CalendarOut
from ..services import calendars
from ..web import now
from .auth import token_required
from .blueprint import bp, finding


def _own(id: int) -> ConnectedCalendar:
    """Return the token user's calendar, 404 for anyone else's."""
    cal = calendars.own_calendar(id, g.api_user.id)
    if cal is None:
        abort(404, description="no such calendar")
    return cal


@bp.get("/me/calendars")
@token_required
@bp.response(200, CalendarList)
def calendar_list():
    """List the organizer's connected calendars with their sync status."""
    return {"calendars": calendars.list_calendars(g.api_user.id)}


@bp.post("/me/calendars")
@token_required
@bp.arguments(CalendarIn)
@bp.response(201, CalendarOut)
def calendar_create(values: dict):
    """Connect an ICS feed or a CalDAV calendar; the worker reads it at once."""
    cal = calendars.create_calendar(g.api_user, values, now=now())
    db.session.commit()
    return cal


@bp.get("/me/calendars/<int:id>")
@token_required
@bp.response(200, CalendarOut)
def calendar_show(id: int):
    """Show one connected calendar."""
    return _own(id)


@bp.patch("/me/calendars/<int:id>")
@token_required
@finding("cal", _own)
@bp.arguments(CalendarChange)
@bp.response(200, CalendarOut)
def calendar_update(values: dict, cal: ConnectedCalendar):
    """Change a calendar's address, user name, password or "write_bookings"."""
    calendars.update_calendar(cal, values, now=now())
    db.session.commit()
    return cal


@bp.delete("/me/calendars/<int:id>")
@token_required
@bp.response(204)
def calendar_delete(id: int):
    """Disconnect a calendar; its busy time stops blocking at once."""
    calendars.delete_calendar(_own(id))
    db.session.commit()


@bp.post("/me/calendars/<int:id>/sync")
@token_required
@bp.response(200, CalendarOut)
def calendar_sync(id: int):
    """Read the calendar now and answer it with the outcome (status, error)."""
    id = _own(id).id
    calendars.sync_now(id, now())
    cal = db.session.get(ConnectedCalendar, id)
    if cal is None:
        abort(404, description="no such calendar")
    db.session.refresh(cal)
    return cal
