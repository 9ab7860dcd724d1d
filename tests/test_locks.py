"""The booking gate on SQLite: a file lock in front of the database's write lock.

Bookings queue on it and get it the moment it is released (SQLite's own wait sleeps); it must
be held for exactly the booking's transaction, and given back however that transaction ends.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime

import pytest

from bwm.extensions import db


@pytest.fixture
def gate(app):
    """Try the gate from outside: True when another holder could take it right now."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the gate is SQLite's; PostgreSQL locks the organizer's row")
        path = db.engine.url.database + ".booking-lock"

    def free() -> bool:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)  # closing gives back what we took
        return True

    return free


@pytest.fixture
def organizer(make_user):
    return make_user(email="gate@example.com", name="Gate", slug="gate")["id"]


def test_held_from_the_lock_until_commit(app, gate, organizer):
    from bwm.core.locks import lock_organizer

    with app.app_context():
        assert gate()
        lock_organizer(organizer)
        assert not gate()
        lock_organizer(organizer)  # taken again in the same transaction: no wait on itself
        assert not gate()
        db.session.commit()
        assert gate()


def test_given_back_on_rollback_and_on_a_session_dropped_after_an_error(app, gate, organizer):
    from bwm.core.locks import lock_organizer

    with app.app_context():
        lock_organizer(organizer)
        db.session.rollback()
        assert gate()
        lock_organizer(organizer)
        assert not gate()
    # The app context ended without a commit, as a request that raised would end.
    assert gate()


def test_a_failed_booking_leaves_it_free_for_the_next(app, gate, organizer, client):
    from bwm.models import User
    from bwm.services import meeting_types

    with app.app_context():
        meeting_types.create(
            db.session.get(User, organizer).page,
            {"title": "Talk", "slug": "talk", "duration_minutes": 30},
        )
        db.session.commit()
    slots = client.get("/api/v1/pages/gate/types/talk/slots").get_json()["slots"]
    body = {"start": slots[0], "name": "Ann", "email": "ann@example.org"}
    url = "/api/v1/pages/gate/types/talk/bookings"
    assert client.post(url, json=body).status_code == 201
    assert gate()
    assert client.post(url, json={**body, "name": "Bo"}).status_code == 409
    assert gate()
    body = {"start": slots[1], "name": "Bo", "email": "bo@example.org"}
    assert client.post(url, json=body).status_code == 201
    assert gate()


def test_the_outbox_writes_queue_on_it_and_give_it_back(app, gate):
    from bwm.outbox import enqueue, outbox_counts
    from bwm.outbox.delivery import deliver_batch

    now = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    with app.app_context():
        enqueue("ann@example.org", "Hello", "Hi", now=now)
        db.session.commit()
        assert deliver_batch(lambda: now).sent == 1
        assert gate()
        assert outbox_counts()["sent"] == 1


def test_a_transaction_that_has_written_already_does_not_wait_for_it(app, gate, organizer):
    """It may hold SQLite's write lock: waiting for the gate then could deadlock with a booking
    that holds the gate and waits for that lock. The booking lock and the outbox both skip."""
    from sqlalchemy import update

    from bwm.core.locks import lock_organizer, queue_for_write
    from bwm.models import User

    with app.app_context():
        db.session.execute(update(User).where(User.id == organizer).values(name="Gate Keeper"))
        queue_for_write()
        lock_organizer(organizer)
        assert gate()
        db.session.commit()
        assert gate()
