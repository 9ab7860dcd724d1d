"""Writing bookings back: every booking change is queued for the organizer's CalDAV calendars
that receive bookings, and the worker's lane writes them, with retries.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select

from ...calendars import CalendarError
from ...core.signals import booking_changed
from ...domain.calendar_events import booking_resource
from ...extensions import db
from ...jobs.lanes import lane
from ...jobs.queue import PASS_BUDGET, JobQueue
from ...models import Booking, CalendarWriteBack, ConnectedCalendar
from .. import bookings
from . import settings
from .passwords import decrypt_password

WRITE_BATCH = 100

WRITE_QUEUE = JobQueue(CalendarWriteBack)


def write_back_backlog(calendar_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Return, per calendar, how many bookings wait to be written and the last error seen."""
    if not calendar_ids:
        return {}
    rows = db.session.execute(
        select(
            CalendarWriteBack.calendar_id, CalendarWriteBack.attempts, CalendarWriteBack.last_error
        )
        .where(
            CalendarWriteBack.calendar_id.in_(calendar_ids),
            CalendarWriteBack.status.in_(("pending", "failed")),
        )
        .order_by(CalendarWriteBack.id)
    )
    backlog: dict[int, tuple[int, str]] = {}
    for calendar_id, attempts, last_error in rows:
        count, error = backlog.get(calendar_id, (0, ""))
        backlog[calendar_id] = (count + 1, last_error if attempts else error)
    return backlog


def subscribe() -> None:
    """Queue the write-back of every booking change (create_app calls it; once is enough)."""
    booking_changed.connect(_on_booking_changed)


def _on_booking_changed(booking: Booking, *, kind: str, now: datetime, **_) -> None:
    queue_write_back(booking, kind, now=now)


def queue_write_back(booking: Booking, kind: str, *, now: datetime) -> None:
    """Queue the booking for every CalDAV calendar of its organizer that receives bookings.

    Called in the booking's own transaction (flushed, not committed), so the booking and its
    write-back stand or fall together; the worker does the writing, with retries.
    """
    # A request is in no calendar until confirmed; one declined or cancelled unanswered never was.
    if kind == "reminder" or not bookings.was_invited(booking):
        return
    calendar_ids = db.session.scalars(_WRITING_CALENDARS, {"user_id": booking.user_id}).all()
    for calendar_id in calendar_ids:
        db.session.add(
            CalendarWriteBack(
                calendar_id=calendar_id,
                booking_id=booking.id,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                last_error="",
                created_at=now,
            )
        )
    db.session.flush()


# Built once: every booking, move and cancellation asks it.
_WRITING_CALENDARS = select(ConnectedCalendar.id).where(
    ConnectedCalendar.user_id == bindparam("user_id"),
    ConnectedCalendar.kind == "caldav",
    ConnectedCalendar.write_bookings.is_(True),
)


@lane("calendar_write_back", interval=1.0, order=30)
def write_back_due(clock, stop=None) -> int:
    """Write every due booking to its calendar (the worker's lane); return how many were done."""
    candidates = db.session.execute(
        select(CalendarWriteBack.id, CalendarWriteBack.calendar_id)
        .where(CalendarWriteBack.id.in_(WRITE_QUEUE.due_ids(clock(), WRITE_BATCH)))
        .order_by(CalendarWriteBack.id)
    ).all()
    db.session.commit()
    done = 0
    down: set[int] = set()  # calendars that failed in this pass: leave their rows for later
    started = clock()
    for row_id, calendar_id in candidates:
        if (stop is not None and stop.is_set()) or clock() - started > PASS_BUDGET:
            break
        now = clock()
        if calendar_id in down or not WRITE_QUEUE.claim([row_id], now, settings.claim_for()):
            continue
        if _write_claimed(row_id, now):
            done += 1
        else:
            down.add(calendar_id)
    return done


def _write_claimed(row_id: int, now: datetime) -> bool:
    """Put or delete one booking's event; record the outcome. True when it worked."""
    row = db.session.get(CalendarWriteBack, row_id)
    db.session.refresh(row)
    cal, booking = row.calendar, row.booking
    if cal.kind != "caldav" or not cal.write_bookings:
        db.session.commit()
        WRITE_QUEUE.succeeded([row_id], now, done_at=now)
        return True
    error = None
    try:
        from ...calendars import caldav_  # the worker's: see the package's docstring

        url, username, uid = cal.url, cal.username, booking.uid
        cancelled = booking.status in ("cancelled", "declined")
        facts = bookings.facts(booking, for_attendee=False)
        resource = booking_resource(facts, stamp=now, note=booking.note)
        password = decrypt_password(cal.password_encrypted)
        db.session.commit()  # hold no transaction while waiting on the network
        options = {"timeout": settings.timeout(), "deny_private": settings.deny_private()}
        if cancelled:
            caldav_.delete_event(url, username, password, uid, **options)
        else:
            caldav_.put_event(url, username, password, uid, resource, **options)
    except CalendarError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a failed write must not stop the pass
        current_app.logger.exception("write-back %s failed", row_id)
        error = f"Unexpected error: {type(exc).__name__}: {exc}"
    db.session.rollback()  # whatever the failure left half-done; the claim is committed
    if error is None:
        WRITE_QUEUE.succeeded([row_id], now, done_at=now, last_error="")
        return True
    row = WRITE_QUEUE.failed(row_id, error, now)
    if row is not None:
        current_app.logger.warning(
            "write-back %s (booking %s): attempt %s failed: %s",
            row_id,
            row.booking_id,
            row.attempts,
            row.last_error,
        )
    return False
