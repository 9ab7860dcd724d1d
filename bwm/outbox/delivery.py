"""The mail lane: claim due outbox rows a few at a time, send them, record each outcome.

Each message is marked sent as soon as the server took it, so a worker killed mid-chunk sends
at most the one message in hand again (with the same Message-ID) when its claims lapse. A server
that can't be reached ends the pass and pauses the lane (5 s, doubling to a minute); a message
the server refuses for good (5xx for its recipient) is marked failed at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update

from ..core.locks import queue_for_write
from ..extensions import db
from ..jobs.lanes import lane_factory
from ..jobs.queue import CLAIM_FOR, PASS_BUDGET, Claims
from ..models import OutboxMessage
from . import QUEUE
from .message import Outgoing, build_message
from .transports import Refused, TransportUnavailable, open_transport

CHUNK = 10  # messages claimed at a time
BATCH = 100  # candidates read at a time
PAUSE_FIRST = timedelta(seconds=5)
PAUSE_MAX = timedelta(minutes=1)

Clock = Callable[[], datetime]


@dataclass
class Pass:
    sent: int = 0
    tried: int = 0  # candidates looked at, claimed or not
    stopped: bool = False  # the transport could not be opened


class MailLane:
    """Deliver what is due, pausing while the mail server can't be reached."""

    def __init__(self) -> None:
        self.paused_until: datetime | None = None
        self.pause = PAUSE_FIRST

    def __call__(self, clock: Clock, stop: threading.Event | None = None) -> int:
        now = clock()
        if self.paused_until is not None and now < self.paused_until:
            return 0
        result = deliver_due(clock, stop)
        if result.stopped:
            self.paused_until = now + self.pause
            self.pause = min(self.pause * 2, PAUSE_MAX)
        else:
            self.paused_until, self.pause = None, PAUSE_FIRST
        return result.sent


def deliver_due(clock: Clock, stop: threading.Event | None = None) -> Pass:
    """Send every message due now, in batches, until none is left, the server is down or
    `stop` is set; return what was done."""
    total = Pass()
    started = clock()
    while not (stop and stop.is_set()) and clock() - started <= PASS_BUDGET:
        result = deliver_batch(clock, stop)
        total.sent += result.sent
        total.tried += result.tried
        total.stopped = result.stopped
        if result.tried < BATCH or result.stopped:
            break
    return total


def deliver_batch(clock: Clock, stop: threading.Event | None = None, ids=None) -> Pass:
    """Claim up to BATCH due messages (of `ids` when given), CHUNK at a time, and send them."""
    result = Pass()
    candidates = list(ids)[:BATCH] if ids is not None else QUEUE.due_ids(clock(), BATCH)
    result.tried = len(candidates)
    if not candidates:
        return result
    transport = open_transport()
    claim_for = _claim_for()
    try:
        for first in range(0, len(candidates), CHUNK):
            if stop and stop.is_set():
                break
            ours = QUEUE.claim(candidates[first : first + CHUNK], clock(), claim_for)
            if ours and not _send_claimed(ours, transport, clock, stop, result, claim_for):
                break
    finally:
        transport.close()
    return result


def _claim_for() -> timedelta:
    """A claim outlives a few SMTP timeouts: one message in hand can take up to that."""
    return max(CLAIM_FOR, timedelta(seconds=3 * float(current_app.config["MAIL_TIMEOUT"])))


def _send_claimed(
    ours: list[int], transport, clock: Clock, stop, result: Pass, claim_for: timedelta
) -> bool:
    """Send claimed messages and record each outcome; False when the transport is down."""
    claims = Claims(QUEUE, ours, clock(), claim_for)
    rows = {
        row.id: row
        for row in db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(ours), OutboxMessage.status == "pending"
            )
        )
    }
    messages: list[Outgoing] = []
    broken: list[tuple[int, Exception]] = []
    for row_id in ours:
        if row_id not in rows:
            claims.drop(row_id)
            continue
        try:
            messages.append(Outgoing.of(rows[row_id]))
        except Exception as exc:  # noqa: BLE001 - a message that can't be built waits for a fix
            broken.append((row_id, exc))
    db.session.commit()  # end the read
    for row_id, exc in broken:
        claims.drop(row_id)
        _failed(row_id, exc, clock())
    for n, message in enumerate(messages):
        if stop is not None and stop.is_set():
            QUEUE.release([m.id for m in messages[n:]])
            return True
        now = clock()
        claims.keep(now)
        try:
            transport.send(message, build_message(message), now)
        except TransportUnavailable as exc:
            QUEUE.release([m.id for m in messages[n + 1 :]])
            _failed(message.id, exc.__cause__ or exc, now)
            result.stopped = True
            return False
        except Refused as exc:
            _failed(message.id, exc, now, permanent=True)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the pass
            _failed(message.id, exc, now)
        else:
            _mark_sent(message.id, clock())
            result.sent += 1
        claims.drop(message.id)
    return True


# Built once: it runs for every message.
_MARK_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id == bindparam("row_id"))
    .values(status="sent", sent_at=bindparam("now"), locked_until=None, failing_since=None)
    .execution_options(synchronize_session=False)
)


def _mark_sent(row_id: int, now: datetime) -> None:
    queue_for_write()
    db.session.execute(_MARK_SENT, {"row_id": row_id, "now": now})
    db.session.commit()


def _failed(row_id: int, exc: BaseException, now: datetime, *, permanent: bool = False) -> None:
    row = QUEUE.failed(row_id, f"{type(exc).__name__}: {exc}", now, permanent=permanent)
    if row is not None:
        current_app.logger.warning(
            "mail %s to %s: attempt %s failed: %s", row.id, row.to, row.attempts, row.last_error
        )


def retry_failed(message_id: int, now: datetime) -> bool:
    """Queue a failed message again, due at once (the admin's "try again"); flushes."""
    return QUEUE.retry(message_id, now)


lane_factory("mail", MailLane, interval=0.5, order=40)  # last: it sends what the others queued
