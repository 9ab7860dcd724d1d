"""Connecting a calendar: check its address, add, change, list and remove it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ...domain.errors import Conflict, Message, ValidationFailed, _l
from ...extensions import db
from ...models import CalendarBusy, CalendarWriteBack, ConnectedCalendar, User
from ...schemas import load
from ...schemas.calendars import ICS_READS_ONLY, CalendarChange, CalendarIn
from ..addresses import check_address as _check_address
from ..versions import bump_user
from . import settings
from .passwords import encrypt_password


def check_address(url: str, field: str = "url") -> str:
    """Refuse an address at a private network when the deployment says so (DNS is asked)."""
    return _check_address(url, deny_private=settings.deny_private(), field=field)


def _check_not_connected(user_id: int, url: str, *, other_than: int | None = None) -> None:
    query = select(ConnectedCalendar.id).where(
        ConnectedCalendar.user_id == user_id, ConnectedCalendar.url == url
    )
    if other_than is not None:
        query = query.where(ConnectedCalendar.id != other_than)
    if db.session.scalar(query) is not None:
        raise Conflict("url", Message(_l("this calendar is already connected")))


def create_calendar(user: User, data: object, *, now: datetime) -> ConnectedCalendar:
    """Connect a calendar (CalendarIn's values); it is due for its first sync at once."""
    cleaned = load(CalendarIn(), data)
    check_address(cleaned["url"])
    _check_not_connected(user.id, cleaned["url"])
    password = cleaned.get("password") or ""
    cal = ConnectedCalendar(
        user_id=user.id,
        kind=cleaned["kind"],
        url=cleaned["url"],
        name="",
        username=cleaned.get("username") or "",
        password_encrypted=encrypt_password(password) if password else None,
        write_bookings=bool(cleaned.get("write_bookings")),
        status="pending",
        error=None,
        next_sync_at=now,
        created_at=now,
    )
    db.session.add(cal)
    db.session.flush()
    return cal


def update_calendar(cal: ConnectedCalendar, data: object, *, now: datetime) -> ConnectedCalendar:
    """Change a calendar's address, user name, password or "write bookings"; sync it soon."""
    cleaned = load(CalendarChange(), data, partial=True)
    if cleaned.get("kind", cal.kind) != cal.kind:
        raise ValidationFailed(
            {"kind": Message(_l("can't be changed; remove the calendar and connect it again"))}
        )
    if cal.kind == "ics" and cleaned.get("write_bookings"):
        raise ValidationFailed({"write_bookings": Message(ICS_READS_ONLY)})
    if "url" in cleaned:
        check_address(cleaned["url"])
        _check_not_connected(cal.user_id, cleaned["url"], other_than=cal.id)
        cal.url = cleaned["url"]
    if "username" in cleaned:
        cal.username = cleaned["username"]
    if "password" in cleaned:
        password = cleaned["password"]
        cal.password_encrypted = encrypt_password(password) if password else None
    if "write_bookings" in cleaned:
        cal.write_bookings = cleaned["write_bookings"]
    if {"url", "username", "password"} & cleaned.keys():
        cal.next_sync_at = now  # read it again with what changed, at once
    db.session.flush()
    return cal


def own_calendar(calendar_id: int, user_id: int) -> ConnectedCalendar | None:
    """Return the organizer's calendar of that id; None for anyone else's."""
    return db.session.scalar(
        select(ConnectedCalendar).where(
            ConnectedCalendar.id == calendar_id, ConnectedCalendar.user_id == user_id
        )
    )


def list_calendars(user_id: int) -> list[ConnectedCalendar]:
    """Return the organizer's calendars, oldest first."""
    return list(
        db.session.scalars(
            select(ConnectedCalendar)
            .where(ConnectedCalendar.user_id == user_id)
            .order_by(ConnectedCalendar.created_at, ConnectedCalendar.id)
        )
    )


def delete_calendar(cal: ConnectedCalendar) -> None:
    """Disconnect a calendar: its busy time stops blocking and nothing more is written to it."""
    db.session.execute(delete(CalendarBusy).where(CalendarBusy.calendar_id == cal.id))
    db.session.execute(delete(CalendarWriteBack).where(CalendarWriteBack.calendar_id == cal.id))
    bump_user(cal.user_id)  # the bulk delete bypasses the session: its slots change
    db.session.delete(cal)
    db.session.flush()
