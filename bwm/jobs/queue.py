"""One job-queue mechanism over a table: claim due rows, renew the claims, record outcomes.

A row is a job when it has `attempts`, `next_attempt_at`, `locked_until`, `last_error` and
`failing_since` (and usually `status`). A worker claims rows with one conditional UPDATE
(`locked_until` in the past or empty), commits the claim so others see it, does the work, and
records the outcome. Only the worker whose UPDATE changed a row works on it, so several workers
may run at once on SQLite and PostgreSQL.

Claims are short (`claim_for`, a minute by default) and renewed while the lane works, so a worker
killed in the middle leaves its rows to another worker within about a minute; each piece of work
is bounded by a timeout well under the claim. A failure waits `retry_delay(attempts)` (15 s,
30 s, 60 s, then every 2 minutes), so work resumes within two minutes of a neighbour's recovery;
a job still failing `give_up_after` (a day) after its first failure is marked failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, or_, select, update

from ..core.locks import queue_for_write
from ..extensions import db

FIRST_DELAY = timedelta(seconds=15)
MAX_DELAY = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(days=1)
CLAIM_FOR = timedelta(minutes=1)
# A lane's pass ends after about this long, so its heartbeat stays fresh; the next goes on.
PASS_BUDGET = timedelta(seconds=30)
ERROR_MAX = 2000


def retry_delay(attempts: int) -> timedelta:
    """Wait 15 s, 30 s, 60 s after the first failures, then 2 minutes after each one."""
    return min(FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 8), MAX_DELAY)


@dataclass
class JobQueue:
    """The jobs of one table: which rows are due, and claiming and recording them.

    `pending`: the status of a row still to do (None for a table whose rows recur, like
    calendars to sync); `done`: the status a finished row takes; `due_column`: when a row is due;
    `backoff`: the wait after the n-th failure instead of `retry_delay`, the last try falling on
    the moment the row is given up.
    """

    model: type
    pending: str | None = "pending"
    done: str = "done"
    due_column: str = "next_attempt_at"
    claim_for: timedelta = CLAIM_FOR
    give_up_after: timedelta = GIVE_UP_AFTER
    extra: Sequence[ColumnElement] = field(default_factory=tuple)
    backoff: Callable[[int], timedelta] | None = None

    def __post_init__(self) -> None:
        m = self.model
        self._due = getattr(m, self.due_column)
        # Built once, with bound parameters: the mail lane asks it every half second.
        self._due_query = (
            select(m.id)
            .where(*self._conditions(bindparam("now")))
            .order_by(self._due, m.id)
            .limit(bindparam("limit"))
        )
        self._claim = (
            update(m)
            .where(m.id.in_(bindparam("ids", expanding=True)), *self._conditions(bindparam("now")))
            .values(locked_until=bindparam("until"))
            .returning(m.id)
            .execution_options(synchronize_session=False)
        )
        self._renew = (
            update(m)
            .where(m.id.in_(bindparam("ids", expanding=True)))
            .values(locked_until=bindparam("until"))
            .execution_options(synchronize_session=False)
        )
        self._release = (
            update(m)
            .where(m.id.in_(bindparam("ids", expanding=True)))
            .values(locked_until=None)
            .execution_options(synchronize_session=False)
        )

    def _conditions(self, now) -> list[ColumnElement]:
        m = self.model
        conditions = [self._due <= now, or_(m.locked_until.is_(None), m.locked_until < now)]
        if self.pending is not None:
            conditions.insert(0, m.status == self.pending)
        return [*conditions, *self.extra]

    def due_ids(self, now: datetime, limit: int = 100) -> list[int]:
        """Return the ids of rows due at `now`, soonest first (and end the read)."""
        ids = list(db.session.scalars(self._due_query, {"now": now, "limit": limit}))
        db.session.commit()
        return ids

    def claim(
        self, ids: Sequence[int], now: datetime, claim_for: timedelta | None = None
    ) -> list[int]:
        """Take those of `ids` still due and unclaimed; commit, so other workers see it.

        `claim_for`: longer than the queue's own, for work whose timeout is longer.
        """
        if not ids:
            return []
        until = now + (claim_for or self.claim_for)
        queue_for_write()
        claimed = set(
            db.session.scalars(self._claim, {"ids": list(ids), "now": now, "until": until})
        )
        db.session.commit()
        return [i for i in ids if i in claimed]

    def renew(self, ids: Sequence[int], now: datetime, claim_for: timedelta | None = None) -> None:
        """Keep holding claimed rows for another `claim_for` from `now`."""
        if ids:
            until = now + (claim_for or self.claim_for)
            queue_for_write()
            db.session.execute(self._renew, {"ids": list(ids), "until": until})
            db.session.commit()

    def release(self, ids: Sequence[int]) -> None:
        """Give back claims this worker won't use, so the next pass needn't wait for them."""
        if ids:
            queue_for_write()
            db.session.execute(self._release, {"ids": list(ids)})
            db.session.commit()

    def succeeded(self, ids: Sequence[int], now: datetime, **values) -> None:
        """Mark rows done, in one statement, and commit."""
        if not ids:
            return
        m = self.model
        queue_for_write()
        db.session.execute(
            update(m)
            .where(m.id.in_(list(ids)))
            .values(status=self.done, locked_until=None, failing_since=None, **values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    def failed(self, row_id: int, error: str, now: datetime, *, permanent: bool = False):
        """Record a failed attempt: try again after a delay, or give up; commit. Return the row."""
        row = db.session.get(self.model, row_id)
        if row is None:
            db.session.commit()
            return None
        db.session.refresh(row)
        row.attempts += 1
        row.last_error = error[:ERROR_MAX]
        row.locked_until = None
        if row.failing_since is None:
            row.failing_since = now
        if permanent or now - row.failing_since >= self.give_up_after:
            row.status = "failed"
        elif self.backoff is not None:
            last_try = row.failing_since + self.give_up_after
            row.next_attempt_at = min(now + self.backoff(row.attempts), last_try)
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
        queue_for_write()
        db.session.commit()
        return row

    def retry(self, row_id: int, now: datetime) -> bool:
        """Put a failed row back in the queue, due at once, as if new; False when not failed."""
        m = self.model
        changed = db.session.execute(
            update(m)
            .where(m.id == row_id, m.status == "failed")
            .values(
                status=self.pending,
                attempts=0,
                failing_since=None,
                locked_until=None,
                next_attempt_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        return changed == 1


class Claims:
    """The rows a lane holds: renewed once a quarter of the claim has gone by."""

    def __init__(
        self,
        queue: JobQueue,
        ids: Sequence[int],
        now: datetime,
        claim_for: timedelta | None = None,
    ) -> None:
        self.queue = queue
        self.ids = list(ids)
        self.since = now
        self.claim_for = claim_for or queue.claim_for

    def keep(self, now: datetime) -> None:
        """Renew the claims still held when they are getting old."""
        if self.ids and now - self.since >= self.claim_for / 4:
            self.queue.renew(self.ids, now, self.claim_for)
            self.since = now

    def drop(self, row_id: int) -> None:
        if row_id in self.ids:
            self.ids.remove(row_id)
