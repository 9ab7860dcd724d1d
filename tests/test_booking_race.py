"""No double booking, ever: many attendees race a real threaded server for one time."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.helpers import next_weekday
from tests.servers import serve

RACERS = 12


@pytest.fixture
def racing_app(make_app):
    from bwm.extensions import db
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    app = make_app(MAIL_DELIVER_AFTER_COMMIT=False)
    with app.app_context():
        user = create_organizer(
            "race@example.com", "Racer", "long-password", slug="race", timezone="Europe/Stockholm"
        )
        meeting_types.create(
            user.page,
            {"title": "Hour", "slug": "hour", "duration_minutes": 60, "slot_step_minutes": 15},
        )
        db.session.commit()
    return app


def _post(url: str, body: dict, barrier: threading.Barrier, outcomes: list) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    barrier.wait()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            outcomes.append(response.status)
    except urllib.error.HTTPError as exc:
        outcomes.append(exc.code)
        exc.close()


def _race(base: str, bodies: list[tuple[str, dict]]) -> Counter:
    barrier = threading.Barrier(len(bodies))
    outcomes: list[int] = []
    threads = [
        threading.Thread(target=_post, args=(base + path, body, barrier, outcomes))
        for path, body in bodies
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)


def _count_bookings(app) -> int:
    from bwm.extensions import db
    from bwm.models import Booking

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def _start(hour: int, minute: int = 0) -> str:
    day = next_weekday(1)
    return datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Stockholm")
    ).isoformat()


def test_many_attendees_racing_for_one_slot_get_one_booking(racing_app):
    with serve(racing_app) as base:
        bodies = [
            (
                "/api/v1/pages/race/types/hour/bookings",
                {"start": _start(10), "name": f"Racer {i}", "email": f"r{i}@example.org"},
            )
            for i in range(RACERS)
        ]
        outcomes = _race(base, bodies)
    assert outcomes == Counter({201: 1, 409: RACERS - 1})
    assert _count_bookings(racing_app) == 1


def test_racing_for_overlapping_slots_gives_one_booking(racing_app):
    starts = [_start(10, 0), _start(10, 15), _start(10, 30), _start(10, 45)]
    with serve(racing_app) as base:
        bodies = [
            (
                "/api/v1/pages/race/types/hour/bookings",
                {"start": starts[i % 4], "name": f"Racer {i}", "email": f"r{i}@example.org"},
            )
            for i in range(RACERS)
        ]
        outcomes = _race(base, bodies)
    assert outcomes == Counter({201: 1, 409: RACERS - 1})
    assert _count_bookings(racing_app) == 1


def test_racing_for_separate_slots_books_them_all(racing_app):
    starts = [_start(9), _start(11), _start(13), _start(15)]
    with serve(racing_app) as base:
        bodies = [
            (
                "/api/v1/pages/race/types/hour/bookings",
                {"start": s, "name": "R", "email": "r@example.org"},
            )
            for s in starts
        ]
        outcomes = _race(base, bodies)
    assert outcomes == Counter({201: 4})
    assert _count_bookings(racing_app) == 4
