"""Syncing: read each calendar's busy time into the database, on the worker's lane or at once.

A sync talks to another server, so it runs outside any unit of work and commits itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...calendars import CalendarError
from ...domain.calendar_events import BusyEvent
from ...extensions import db
from ...jobs.lanes import lane
from ...jobs.queue import PASS_BUDGET, JobQueue
from ...models import Booking, BookingPage, CalendarBusy, ConnectedCalendar, MeetingType
from ..versions import bump_user
from . import settings
from .passwords import decrypt_password

DEFAULT_DAYS_AHEAD = 60
MAX_ERROR = 2000
SYNC_BATCH = 50

SYNC_QUEUE = JobQueue(ConnectedCalendar, pending=None, due_column="next_sync_at")


def horizon(user_id: int, now: datetime) -> tuple[datetime, datetime]:
    """Return the window busy time is kept for: a day back to the longest "how far ahead"."""
    days = db.session.scalar(
        select(func.max(MeetingType.max_days_ahead))
        .join(BookingPage, MeetingType.page_id == BookingPage.id)
        .where(BookingPage.user_id == user_id)
    )
    return now - timedelta(days=1), now + timedelta(days=(days or DEFAULT_DAYS_AHEAD) + 1)


@lane("calendar_sync", interval=5.0, order=20)
def sync_due_calendars(clock, stop=None) -> int:
    """Sync every calendar that is due (the worker's lane); return how many were tried."""
    done = 0
    started = clock()
    for calendar_id in SYNC_QUEUE.due_ids(started, SYNC_BATCH):
        if (stop is not None and stop.is_set()) or clock() - started > PASS_BUDGET:
            break
        now = clock()
        if SYNC_QUEUE.claim([calendar_id], now, settings.claim_for()):
            _sync_claimed(calendar_id, now)
            done += 1
    return done


def sync_now(calendar_id: int, now: datetime) -> bool:
    """Sync one calendar at once, due or not; False when another worker is syncing it.

    It commits db.session, so call it after the request's own commit.
    """
    db.session.commit()
    claimed = db.session.execute(
        update(ConnectedCalendar)
        .where(
            ConnectedCalendar.id == calendar_id,
            or_(ConnectedCalendar.locked_until.is_(None), ConnectedCalendar.locked_until < now),
        )
        .values(locked_until=now + settings.claim_for())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()  # others see the claim before we fetch
    if claimed != 1:
        return False
    _sync_claimed(calendar_id, now)
    return True


def _sync_claimed(calendar_id: int, now: datetime) -> None:
    """Read a claimed calendar and store what it says; on failure keep the last good busy time."""
    cal = db.session.get(ConnectedCalendar, calendar_id)
    if cal is None:
        return
    db.session.refresh(cal)
    user_id = cal.user_id
    page_zone = db.session.scalar(
        select(BookingPage.timezone).where(BookingPage.user_id == user_id)
    )
    start, end = horizon(user_id, now)
    # The organizer's own bookings, copied into their calendar (by the invitation or by us), are
    # bookings already: counting them again would block their own reschedule.
    skip_uids = frozenset(db.session.scalars(select(Booking.uid).where(Booking.user_id == user_id)))
    kind, url, username, encrypted = cal.kind, cal.url, cal.username, cal.password_encrypted
    cal.last_attempt_at = now
    db.session.commit()  # hold no transaction while waiting on the network
    from ...calendars import caldav_, ics  # the worker's: see the package's docstring

    fetched, error = None, None
    try:
        options = {
            "tz": ZoneInfo(page_zone or "UTC"),
            "skip_uids": skip_uids,
            "timeout": settings.timeout(),
            "deny_private": settings.deny_private(),
        }
        if kind == "caldav":
            fetched = caldav_.busy_from_caldav(
                url, username, decrypt_password(encrypted), start, end, **options
            )
        else:
            fetched = ics.busy_from_feed(
                url,
                start,
                end,
                username=username,
                password=decrypt_password(encrypted),
                max_bytes=settings.max_bytes(),
                **options,
            )
    except CalendarError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one calendar must never stop the others
        current_app.logger.exception("calendar %s: sync failed", calendar_id)
        error = f"Unexpected error: {type(exc).__name__}: {exc}"

    try:
        cal = db.session.get(ConnectedCalendar, calendar_id)
        if cal is None:
            return  # removed while we were fetching
        if fetched is not None:
            _store_busy(calendar_id, user_id, fetched.intervals)
            cal.status, cal.error, cal.last_synced_at = "ok", None, now
            if fetched.name:
                cal.name = fetched.name
        else:
            cal.status, cal.error = "error", (error or "Unknown error")[:MAX_ERROR]
            current_app.logger.warning("calendar %s: %s", calendar_id, cal.error)
        cal.last_attempt_at = now
        cal.next_sync_at = now + settings.sync_every()
        cal.locked_until = None
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the calendar was removed between our read and our write


def _store_busy(calendar_id: int, user_id: int, events: list[BusyEvent]) -> None:
    """Replace a calendar's busy time by what it says now, in the caller's transaction.

    Slots and shares see the old set or the new one. When nothing changed nothing is written,
    so the organizer's data version (and every answer cached under it) stays as it was.
    """
    rows = db.session.execute(
        select(
            CalendarBusy.start,
            CalendarBusy.end,
            CalendarBusy.summary,
            CalendarBusy.location,
            CalendarBusy.description,
        ).where(CalendarBusy.calendar_id == calendar_id)
    )
    if sorted(BusyEvent(*row) for row in rows) == sorted(events):
        return
    db.session.execute(delete(CalendarBusy).where(CalendarBusy.calendar_id == calendar_id))
    if events:
        db.session.execute(
            insert(CalendarBusy),
            [
                {
                    "calendar_id": calendar_id,
                    "user_id": user_id,
                    "start": e.start,
                    "end": e.end,
                    "summary": e.summary,
                    "location": e.location,
                    "description": e.description,
                }
                for e in events
            ],
        )
    bump_user(user_id)
