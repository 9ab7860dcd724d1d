"""Connected calendars: connect one, sync its busy time into the database, write bookings back,
and the organizer's bookings as a feed.

Syncing and writing back talk to other servers, so they run outside any unit of work and commit
themselves: the worker's lanes call `sync_due_calendars` and `write_back_due`; the organizer's
"sync now" calls `sync_now` after its request's own work (the one request that talks to another
server, bounded by CALENDAR_TIMEOUT). Everything else flushes, as services do.

Several workers may run at once: calendars and write-backs are claimed through jobs.queue, and
only the worker whose claim changed the row does the work. The modules that talk to calendar
servers (and the caldav client) are imported only when a sync or a write runs, so the web
processes don't carry them.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...calendars import CalendarError, check_public_url
from ...core import signing
from ...core.signals import booking_changed
from ...domain.calendar_events import BusyEvent, booking_resource, bookings_feed
from ...domain.errors import Conflict, ValidationFailed
from ...extensions import db
from ...jobs.lanes import lane
from ...jobs.queue import PASS_BUDGET, JobQueue
from ...models import (
    Booking,
    BookingFeed,
    BookingPage,
    CalendarBusy,
    CalendarWriteBack,
    ConnectedCalendar,
    MeetingType,
    User,
)
from ...schemas import load
from ...schemas.calendars import CalendarChange, CalendarIn
from .. import bookings
from ..versions import bump_user

DEFAULT_DAYS_AHEAD = 60
MAX_ERROR = 2000
SYNC_BATCH = 50
WRITE_BATCH = 100
# The bookings feed: confirmed bookings from this far back, cancelled ones for this long.
FEED_PAST = timedelta(days=90)
FEED_CANCELLED = timedelta(days=30)


# --- settings and secrets ---------------------------------------------------------------------


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def deny_private() -> bool:
    """Tell whether loopback and private-network calendar addresses are refused."""
    return _flag(current_app.config.get("CALENDAR_DENY_PRIVATE_ADDRESSES", False))


def _timeout() -> float:
    return float(current_app.config.get("CALENDAR_TIMEOUT", 20))


def _max_bytes() -> int:
    return int(current_app.config.get("CALENDAR_MAX_BYTES", 10 * 1024 * 1024))


def sync_every() -> timedelta:
    """Return how often the worker reads each calendar."""
    return timedelta(minutes=float(current_app.config.get("CALENDAR_SYNC_MINUTES", 10)))


def _claim_for() -> timedelta:
    """How long a claim keeps other workers away: well past one fetch's time limit."""
    return max(timedelta(minutes=1), timedelta(seconds=3 * _timeout()))


SYNC_QUEUE = JobQueue(ConnectedCalendar, pending=None, due_column="next_sync_at")
WRITE_QUEUE = JobQueue(CalendarWriteBack)


def encrypt_password(password: str) -> str:
    """Encrypt a calendar password with a key derived from the secret key."""
    return signing.fernet().encrypt(password.encode("utf-8")).decode("ascii")


def rotate_passwords() -> int:
    """Encrypt every stored calendar password again with the current key; return how many."""
    cipher = signing.fernet()
    rows = db.session.scalars(
        select(ConnectedCalendar).where(ConnectedCalendar.password_encrypted.is_not(None))
    ).all()
    for cal in rows:
        cal.password_encrypted = cipher.rotate(cal.password_encrypted.encode("ascii")).decode()
    db.session.flush()
    return len(rows)


def decrypt_password(token: str | None) -> str:
    """Return the stored password; CalendarError when no key it was stored with is left."""
    if not token:
        return ""
    from cryptography.fernet import InvalidToken

    try:
        return signing.fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise CalendarError(
            "The stored password can't be read any more (the server's secret key changed): "
            "remove the calendar and connect it again."
        ) from exc


# --- connecting -------------------------------------------------------------------------------


def check_address(url: str, field: str = "url") -> str:
    """Refuse an address at a private network when the deployment says so (DNS is asked)."""
    if deny_private():
        try:
            check_public_url(url)
        except CalendarError as exc:
            raise ValidationFailed({field: str(exc)}) from None
    return url


def _check_not_connected(user_id: int, url: str, *, other_than: int | None = None) -> None:
    query = select(ConnectedCalendar.id).where(
        ConnectedCalendar.user_id == user_id, ConnectedCalendar.url == url
    )
    if other_than is not None:
        query = query.where(ConnectedCalendar.id != other_than)
    if db.session.scalar(query) is not None:
        raise Conflict("url", "this calendar is already connected")


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
            {"kind": "can't be changed; remove the calendar and connect it again"}
        )
    if cal.kind == "ics" and cleaned.get("write_bookings"):
        raise ValidationFailed({"write_bookings": "only a CalDAV calendar can receive bookings"})
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


# --- syncing ----------------------------------------------------------------------------------


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
        if SYNC_QUEUE.claim([calendar_id], now, _claim_for()):
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
        .values(locked_until=now + _claim_for())
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
    from ...calendars import caldav_, ics  # the worker's: see the module's docstring

    fetched, error = None, None
    try:
        options = {
            "tz": ZoneInfo(page_zone or "UTC"),
            "skip_uids": skip_uids,
            "timeout": _timeout(),
            "deny_private": deny_private(),
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
                max_bytes=_max_bytes(),
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
        cal.next_sync_at = now + sync_every()
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


# --- writing bookings back --------------------------------------------------------------------


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
    if kind == "reminder":
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
        if calendar_id in down or not WRITE_QUEUE.claim([row_id], now, _claim_for()):
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
        from ...calendars import caldav_  # the worker's: see the module's docstring

        url, username, uid = cal.url, cal.username, booking.uid
        cancelled = booking.status == "cancelled"
        facts = bookings.facts(booking, for_attendee=False)
        resource = booking_resource(facts, stamp=now, note=booking.note)
        password = decrypt_password(cal.password_encrypted)
        db.session.commit()  # hold no transaction while waiting on the network
        options = {"timeout": _timeout(), "deny_private": deny_private()}
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


# --- the bookings feed ------------------------------------------------------------------------


def feed_of(user_id: int) -> BookingFeed | None:
    """Return the organizer's bookings feed, or None when they have not made one."""
    return db.session.scalar(select(BookingFeed).where(BookingFeed.user_id == user_id))


def new_feed_secret(user_id: int, *, now: datetime) -> BookingFeed:
    """Make the organizer's feed address, or a new one: the old address stops working."""
    feed = feed_of(user_id)
    if feed is None:
        feed = BookingFeed(user_id=user_id, created_at=now)
        db.session.add(feed)
    feed.secret = secrets.token_urlsafe(24)
    feed.created_at = now
    db.session.flush()
    return feed


def feed_for_secret(secret: str) -> BookingFeed | None:
    """Return the feed of a secret from a feed address; None for an unknown one."""
    if not secret or len(secret) > 64:
        return None
    return db.session.scalar(select(BookingFeed).where(BookingFeed.secret == secret))


def feed_ics(feed: BookingFeed, *, now: datetime) -> bytes:
    """Return the organizer's bookings as a calendar: confirmed ones, and recent cancellations."""
    rows = db.session.scalars(
        select(Booking)
        .where(
            Booking.user_id == feed.user_id,
            or_(
                (Booking.status == "confirmed") & (Booking.end >= now - FEED_PAST),
                (Booking.status == "cancelled") & (Booking.cancelled_at >= now - FEED_CANCELLED),
            ),
        )
        .options(
            selectinload(Booking.meeting_type)
            .selectinload(MeetingType.page)
            .selectinload(BookingPage.user)
        )
        .order_by(Booking.start)
    )
    events = [(bookings.facts(b, for_attendee=False), b.note) for b in rows]
    page = db.session.scalar(select(BookingPage).where(BookingPage.user_id == feed.user_id))
    name = f"{page.display_name}: bookings" if page else "Bookings"
    return bookings_feed(events, stamp=now, name=name)
