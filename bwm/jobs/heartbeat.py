"""The worker's heartbeat: each lane records its last pass, so the app can tell it is alive."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..core.locks import queue_for_write
from ..extensions import db
from ..models import WorkerLane

LATE_AFTER = timedelta(minutes=2)
WRITE_EVERY = timedelta(seconds=10)  # a pass every half second needn't write every time
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Beat:
    """What one lane did since its heartbeat was last written."""

    written_at: datetime | None = None
    count: int = 0
    error: str = ""


def beat(lane: str, state: Beat, *, now: datetime, count: int, error: str) -> None:
    """Record a pass of `lane`: written at once when its error changes, else every 10 s."""
    state.count += count
    if (
        state.written_at is not None
        and now - state.written_at < WRITE_EVERY
        and error == state.error
    ):
        return
    values = {
        "worker": WORKER_NAME,
        "last_pass_at": now,
        "last_count": state.count,
        "last_error": error[:2000],
    }
    if not error:
        values["last_ok_at"] = now
    queue_for_write()
    changed = db.session.execute(
        update(WorkerLane).where(WorkerLane.name == lane).values(**values)
    ).rowcount
    if not changed:
        db.session.add(WorkerLane(name=lane, **values))
    try:
        db.session.commit()
    except IntegrityError:  # another worker wrote the lane's first row meanwhile
        db.session.rollback()
    state.written_at, state.count, state.error = now, 0, error


def lanes() -> list[WorkerLane]:
    """Return every lane's last recorded pass, by name."""
    return list(db.session.scalars(select(WorkerLane).order_by(WorkerLane.name)))


def worker_state(now: datetime, seen: list[WorkerLane] | None = None) -> str:
    """Say "never" (no pass recorded), "late" (a lane silent for 2 minutes) or "ok"."""
    seen = lanes() if seen is None else seen
    if not seen:
        return "never"
    if any(now - lane.last_pass_at > LATE_AFTER for lane in seen):
        return "late"
    return "ok"
