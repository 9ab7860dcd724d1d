"""Serialise the writes that must see each other: one organizer's bookings."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User


def lock_organizer(user_id: int) -> None:
    """Take the write lock for this organizer's calendar until the transaction ends.

    PostgreSQL: a row lock on the organizer (SELECT ... FOR UPDATE), so two bookings of one
    organizer run one after the other while other organizers' run in parallel.
    SQLite: BEGIN IMMEDIATE, the database's write lock, taken before the check reads anything,
    so the check and the insert are atomic (Python's sqlite3 would otherwise begin lazily, at the
    first write, after the check).
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
