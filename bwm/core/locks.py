"""Serialise the writes that must see each other: one organizer's bookings."""

from __future__ import annotations

import fcntl
import os

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import User

_GATE = "bwm_sqlite_gate"


def lock_organizer(user_id: int) -> None:
    """Take the write lock for this organizer's calendar until the transaction ends.

    PostgreSQL: a row lock on the organizer (SELECT ... FOR UPDATE), so two bookings of one
    organizer run one after the other while other organizers' run in parallel.
    SQLite: BEGIN IMMEDIATE, the database's write lock, taken before the check reads anything,
    so the check and the insert are atomic (Python's sqlite3 would otherwise begin lazily, at the
    first write, after the check). Bookings first queue on a file lock beside the database:
    the kernel hands it over the moment it is released, where SQLite's own wait for its lock
    sleeps in steps of up to 100 ms and leaves the lock idle meanwhile.
    """
    session = db.session()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if _queue(session, connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def queue_for_write() -> None:
    """On a SQLite file, wait for the booking gate before this transaction's first write.

    For short writes that run beside bookings (the outbox's outcomes): in the
    queue they take their turn, where SQLite's sleeping wait could starve them behind a stream
    of bookings. Held until the transaction ends; a no-op elsewhere.
    """
    session = db.session()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        _queue(session, connection)


def _queue(session: Session, connection) -> bool:
    """Wait for the gate, unless this connection's transaction is open already; True if not.

    An open transaction may hold SQLite's write lock: waiting for the gate then could deadlock
    with a booking that holds the gate and waits for that lock.
    """
    if connection.connection.driver_connection.in_transaction:
        return False
    _enter_gate(session, connection.engine.url.database)
    return True


def _enter_gate(session: Session, database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    if _GATE in session.info:
        return
    fd = os.open(database + ".booking-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    session.info[_GATE] = fd


@event.listens_for(Session, "after_transaction_end")
def _leave_gate(session: Session, transaction) -> None:
    if transaction.parent is None and _GATE in session.info:
        os.close(session.info.pop(_GATE))  # closing the file releases its lock
