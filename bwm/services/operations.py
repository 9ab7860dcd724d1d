"""What an operator needs to know: is the worker running, is mail going out, what is stuck.

`health` answers /healthz, so it stays at three small indexed queries. `overview` is the admin's
operations page and its API: the outbox's backlog and failed emails, calendars in error,
write-backs waiting or failed, webhooks failing, and each lane's last pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import func, select

from ..core.locks import queue_for_write
from ..extensions import db
from ..jobs import heartbeat
from ..jobs.lanes import names as lane_names
from ..models import (
    Booking,
    CalendarWriteBack,
    ConnectedCalendar,
    OutboxMessage,
    User,
    Webhook,
    WebhookDelivery,
)
from ..outbox import QUEUE
from . import audit

LIST_MAX = 50  # rows of each list shown; the counts are always complete


@dataclass(frozen=True)
class LaneState:
    """One lane's last recorded pass; `state` is "ok", "error", "late" or "never"."""

    name: str
    state: str
    worker: str = ""
    last_pass_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_count: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class Backlog:
    due: int
    pending: int
    failed: int
    oldest_due_at: datetime | None  # when the longest-waiting due message was queued


@dataclass(frozen=True)
class FailedMessage:
    id: int
    to: str
    subject: str
    template: str | None  # a booking's email: built by the worker, so its subject is not stored
    attempts: int
    last_error: str
    created_at: datetime
    failing_since: datetime | None


@dataclass(frozen=True)
class CalendarInError:
    id: int
    organizer: str
    kind: str
    url: str
    error: str
    last_synced_at: datetime | None
    last_attempt_at: datetime | None


@dataclass(frozen=True)
class WriteBackProblem:
    id: int
    status: str
    organizer: str
    calendar_url: str
    booking_start: datetime
    attempts: int
    last_error: str
    next_attempt_at: datetime
    failing_since: datetime | None


@dataclass(frozen=True)
class WebhookFailing:
    """A webhook whose deliveries fail (or that was turned off after a day of failures)."""

    id: int
    owner: str
    scope: str
    url: str
    failing_since: datetime | None
    disabled_at: datetime | None
    last_error: str
    last_status_code: int | None


@dataclass(frozen=True)
class Overview:
    worker: str
    lanes: list[LaneState]
    outbox: Backlog
    failed_messages: list[FailedMessage]
    calendars_in_error: list[CalendarInError]
    write_backs_pending: int
    write_backs_failed: int
    write_back_problems: list[WriteBackProblem]
    webhooks_failing: list[WebhookFailing]


def health(now: datetime) -> dict:
    """Return the worker's state and the outbox's due and failed counts, for /healthz."""
    return {
        "worker": heartbeat.worker_state(now),
        "outbox": {"due": _due_count(now), "failed": _status_count("failed")},
    }


def worker_state(now: datetime) -> str:
    """Say "ok", "late" or "never" for the worker as a whole (see jobs.heartbeat)."""
    return heartbeat.worker_state(now)


def overview(now: datetime) -> Overview:
    """Gather everything the operations page shows."""
    seen = heartbeat.lanes()
    pending, failed = _status_count("pending"), _status_count("failed")
    due, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(*_due(now))
    ).one()
    return Overview(
        worker=heartbeat.worker_state(now, seen),
        lanes=_lane_states(seen, now),
        outbox=Backlog(due=due, pending=pending, failed=failed, oldest_due_at=oldest),
        failed_messages=failed_messages(),
        calendars_in_error=calendars_in_error(),
        write_backs_pending=_write_back_count("pending"),
        write_backs_failed=_write_back_count("failed"),
        write_back_problems=write_back_problems(),
        webhooks_failing=webhooks_failing(),
    )


def failed_messages(limit: int = LIST_MAX) -> list[FailedMessage]:
    """List the emails the worker gave up on, newest first."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        FailedMessage(
            id=row.id,
            to=row.to,
            subject=row.subject,
            template=row.template,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            failing_since=row.failing_since,
        )
        for row in rows
    ]


def retry_message(message_id: int, now: datetime) -> bool:
    """Put a failed email back in the outbox, due at once; False when it is not a failed one."""
    queue_for_write()
    if not QUEUE.retry(message_id, now):
        return False
    audit.record("mail.retry", now=now, target_type="email", target=f"#{message_id}")
    return True


def calendars_in_error(limit: int = LIST_MAX) -> list[CalendarInError]:
    """List the connected calendars whose last sync failed, newest first."""
    rows = db.session.execute(
        select(ConnectedCalendar, User.email)
        .join(User, User.id == ConnectedCalendar.user_id)
        .where(ConnectedCalendar.status == "error")
        .order_by(ConnectedCalendar.id.desc())
        .limit(limit)
    )
    return [
        CalendarInError(
            id=cal.id,
            organizer=email,
            kind=cal.kind,
            url=shown_url(cal.url),
            error=cal.error or "",
            last_synced_at=cal.last_synced_at,
            last_attempt_at=cal.last_attempt_at,
        )
        for cal, email in rows
    ]


def webhooks_failing(limit: int = LIST_MAX) -> list[WebhookFailing]:
    """List the webhooks turned off after failing, then those failing now, newest first, each
    with its latest delivery's error."""
    rows = db.session.execute(
        select(Webhook, User.email)
        .join(User, User.id == Webhook.user_id)
        .where(Webhook.failing_since.is_not(None) | Webhook.disabled_at.is_not(None))
        .order_by(Webhook.disabled_at.is_(None), Webhook.id.desc())
        .limit(limit)
    ).all()
    latest: dict[int, WebhookDelivery] = {}
    if rows:
        ids = [hook.id for hook, _email in rows]
        for delivery in db.session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.webhook_id.in_(ids), WebhookDelivery.last_attempt_at.is_not(None)
            )
            .order_by(WebhookDelivery.last_attempt_at)
        ):
            latest[delivery.webhook_id] = delivery
    out = []
    for hook, email in rows:
        delivery = latest.get(hook.id)
        out.append(
            WebhookFailing(
                id=hook.id,
                owner=email,
                scope=hook.scope,
                url=shown_url(hook.url),
                failing_since=hook.failing_since,
                disabled_at=hook.disabled_at,
                last_error=delivery.last_error if delivery else "",
                last_status_code=delivery.last_status_code if delivery else None,
            )
        )
    return out


def write_back_problems(limit: int = LIST_MAX) -> list[WriteBackProblem]:
    """List write-backs that failed for good, then those still retrying after an error."""
    failing = (CalendarWriteBack.status == "failed") | (
        (CalendarWriteBack.status == "pending") & (CalendarWriteBack.attempts > 0)
    )
    rows = db.session.execute(
        select(CalendarWriteBack, ConnectedCalendar.url, User.email, Booking.start)
        .join(ConnectedCalendar, ConnectedCalendar.id == CalendarWriteBack.calendar_id)
        .join(User, User.id == ConnectedCalendar.user_id)
        .join(Booking, Booking.id == CalendarWriteBack.booking_id)
        .where(failing)
        .order_by(CalendarWriteBack.status, CalendarWriteBack.id.desc())
        .limit(limit)
    )
    return [
        WriteBackProblem(
            id=row.id,
            status=row.status,
            organizer=email,
            calendar_url=shown_url(url),
            booking_start=start,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            failing_since=row.failing_since,
        )
        for row, url, email, start in rows
    ]


def shown_url(url: str) -> str:
    """Return a calendar's address without what may be secret: a user name, password or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    query = "…" if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def _lane_states(seen: list, now: datetime) -> list[LaneState]:
    """Each lane the worker has, with those never recorded (a worker run with --lanes)."""
    by_name = {lane.name: lane for lane in seen}
    known = lane_names()
    names = [*known, *sorted(set(by_name) - set(known))]
    states = []
    for name in names:
        lane = by_name.get(name)
        if lane is None:
            states.append(LaneState(name=name, state="never"))
            continue
        if now - lane.last_pass_at > heartbeat.LATE_AFTER:
            state = "late"
        else:
            state = "error" if lane.last_error else "ok"
        states.append(
            LaneState(
                name=name,
                state=state,
                worker=lane.worker,
                last_pass_at=lane.last_pass_at,
                last_ok_at=lane.last_ok_at,
                last_count=lane.last_count,
                last_error=lane.last_error,
            )
        )
    return states


def _due(now: datetime) -> tuple:
    return (OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)


def _due_count(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*_due(now)))


def _status_count(status: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
    )


def _write_back_count(status: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CalendarWriteBack)
        .where(CalendarWriteBack.status == status)
    )


def _plain(row) -> dict:
    return {key: _iso(value) for key, value in asdict(row).items()}


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value
