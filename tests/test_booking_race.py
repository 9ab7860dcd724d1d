"""No double booking, ever: many attendees race a real threaded server for one time."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.helpers import next_weekday
from tests.servers import race, serve

RACERS = 12


@pytest.fixture
def racing_app(make_app):
    from bwm.extensions import db
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    app = make_app()
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
        outcomes = race([(base + path, body) for path, body in bodies])
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
        outcomes = race([(base + path, body) for path, body in bodies])
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
        outcomes = race([(base + path, body) for path, body in bodies])
    assert outcomes == Counter({201: 4})
    assert _count_bookings(racing_app) == 4


def _local(day, hour: int) -> str:
    return datetime(
        day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Stockholm")
    ).isoformat()


@pytest.mark.parametrize(
    ("caps", "cap"),
    [
        ({"max_per_week": 3}, 3),
        ({"max_per_month": 2}, 2),
        ({"max_per_day": 2, "max_per_week": 5}, 5),  # three days could take six
    ],
)
def test_racing_at_a_weekly_or_monthly_cap_books_exactly_up_to_it(racing_app, caps, cap):
    from bwm.extensions import db
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    with racing_app.app_context():
        user = create_organizer(
            "capped@example.com",
            "Capped",
            "long-password",
            slug="capped",
            timezone="Europe/Stockholm",
        )
        capped = {"title": "Capped", "slug": "capped", "duration_minutes": 30}
        meeting_types.create(user.page, {**capped, "max_days_ahead": 400, **caps})
        db.session.commit()
    # Twelve different free times, four on each of a Monday, Tuesday and Wednesday: one ISO
    # week, one month.
    monday = next_weekday(0)
    while monday.day > 26:
        monday = next_weekday(0, today=monday)
    starts = [
        _local(monday + timedelta(days=n), hour) for n in range(3) for hour in (9, 11, 13, 15)
    ]
    with serve(racing_app) as base:
        outcomes = race(
            [
                (
                    base + "/api/v1/pages/capped/types/capped/bookings",
                    {"start": start, "name": f"Racer {i}", "email": f"r{i}@example.org"},
                )
                for i, start in enumerate(starts)
            ]
        )
    assert outcomes == Counter({201: cap, 409: len(starts) - cap})
    assert _count_bookings(racing_app) == cap
