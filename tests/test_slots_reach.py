"""Bookings of one type block another type's times as far as either's buffers reach (up to 12
hours each side), and no further: the slot service reads only that far around a range."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bwm.extensions import db
from bwm.models import MeetingType
from bwm.services import meeting_types
from bwm.services.organizers import create_organizer
from tests.conftest import Clock

ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NOW = datetime(2027, 5, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app):
    return make_app(CLOCK=Clock(NOW))


@pytest.fixture
def reach(app):
    with app.app_context():
        user = create_organizer("reach@example.com", "Reach", "long-password", slug="reach")
        for slug, before, after in (("long", 720, 720), ("short", 0, 0), ("tail", 0, 90)):
            meeting_types.create(
                user.page,
                {
                    "title": slug,
                    "slug": slug,
                    "duration_minutes": 30,
                    "buffer_before_minutes": before,
                    "buffer_after_minutes": after,
                    "hours": ALL_DAY,
                    "slot_step_minutes": 30,
                    "max_days_ahead": 60,
                },
            )
        db.session.commit()


def free(client, type_slug: str, first: str, last: str) -> set[datetime]:
    response = client.get(
        f"/api/v1/pages/reach/types/{type_slug}/slots?start={first}&end={last}&tz=UTC"
    )
    assert response.status_code == 200, response.data
    return {datetime.fromisoformat(s) for s in response.get_json()["slots"]}


def book(client, type_slug: str, start: datetime) -> None:
    response = client.post(
        f"/api/v1/pages/reach/types/{type_slug}/bookings",
        json={"start": start.isoformat(), "name": "Ann", "email": "ann@example.com"},
    )
    assert response.status_code == 201, response.data


def test_a_long_buffer_of_one_type_blocks_the_other_types_twelve_hours_each_side(client, reach):
    booked = datetime(2027, 5, 10, 12, 0, tzinfo=UTC)
    book(client, "long", booked)
    shorts = free(client, "short", "2027-05-09", "2027-05-11")
    blocked = {t for t in (booked + timedelta(minutes=30 * k) for k in range(-30, 31))}
    # Padded, the long booking covers 00:00 on the 10th to 00:30 on the 11th.
    assert (
        not {
            t
            for t in blocked
            if booked - timedelta(hours=12) <= t < booked + timedelta(hours=12, minutes=30)
        }
        & shorts
    )
    assert booked - timedelta(hours=12, minutes=30) in shorts  # ends just as the padding starts
    assert booked + timedelta(hours=12, minutes=30) in shorts
    # Asked for the next day alone, the booking the day before still blocks its first half hour.
    next_day = free(client, "short", "2027-05-11", "2027-05-11")
    assert datetime(2027, 5, 11, 0, 0, tzinfo=UTC) not in next_day
    assert datetime(2027, 5, 11, 0, 30, tzinfo=UTC) in next_day


def test_a_short_booking_is_kept_clear_of_the_long_types_padding(client, reach):
    booked = datetime(2027, 5, 20, 12, 0, tzinfo=UTC)
    book(client, "short", booked)
    longs = free(client, "long", "2027-05-19", "2027-05-21")
    # A long slot at s needs [s - 12 h, s + 12 h 30) clear of 12:00-12:30 on the 20th.
    assert datetime(2027, 5, 19, 23, 30, tzinfo=UTC) in longs
    assert datetime(2027, 5, 20, 0, 0, tzinfo=UTC) not in longs
    assert datetime(2027, 5, 21, 0, 0, tzinfo=UTC) not in longs
    assert datetime(2027, 5, 21, 0, 30, tzinfo=UTC) in longs
    # Asked for the 21st alone: the long type's own 12 hours before reach back to the 20th.
    next_day = free(client, "long", "2027-05-21", "2027-05-21")
    assert datetime(2027, 5, 21, 0, 0, tzinfo=UTC) not in next_day
    assert datetime(2027, 5, 21, 0, 30, tzinfo=UTC) in next_day


def test_an_after_buffer_blocks_the_next_type_and_a_move_back_frees_it(client, reach):
    booked = datetime(2027, 5, 25, 9, 0, tzinfo=UTC)
    book(client, "tail", booked)
    shorts = free(client, "short", "2027-05-25", "2027-05-25")
    assert datetime(2027, 5, 25, 10, 30, tzinfo=UTC) not in shorts  # 9:30 + 90 min
    assert datetime(2027, 5, 25, 11, 0, tzinfo=UTC) in shorts
    assert datetime(2027, 5, 25, 8, 30, tzinfo=UTC) in shorts


def test_a_booking_late_in_the_evening_blocks_the_morning_through_its_buffer(app, client, reach):
    with app.app_context():  # the longest buffer left is the 90 minutes after "tail"
        meeting_types.delete(db.session.scalars(select(MeetingType).filter_by(slug="long")).one())
        db.session.commit()
    book(client, "tail", datetime(2027, 5, 26, 23, 30, tzinfo=UTC))  # padded until 01:30
    next_day = free(client, "short", "2027-05-27", "2027-05-27")
    assert datetime(2027, 5, 27, 1, 0, tzinfo=UTC) not in next_day
    assert datetime(2027, 5, 27, 1, 30, tzinfo=UTC) in next_day
