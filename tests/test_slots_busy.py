"""The busy time the slot service reads (services/slots.py busy_intervals) is what the rows say,
read the plain way through the ORM: busy blocks, connected calendars' busy time and confirmed
bookings padded by their types' buffers, to the microsecond, as aware UTC times."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bwm.extensions import db
from bwm.models import Booking, BusyBlock, CalendarBusy, ConnectedCalendar, MeetingType
from bwm.services import meeting_types
from bwm.services.organizers import create_organizer
from bwm.services.slots import buffer_reach, busy_intervals

START = datetime(2027, 6, 7, 0, 0, tzinfo=UTC)
END = datetime(2027, 6, 14, 0, 0, tzinfo=UTC)


def t(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2027, 6, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.fixture
def organizer(app):
    """An organizer with busy time of every kind in and around the week of START."""
    with app.app_context():
        user = create_organizer("busy@example.com", "Busy", "long-password", slug="busy")
        padded = meeting_types.create(
            user.page,
            {
                "title": "Padded",
                "slug": "padded",
                "duration_minutes": 30,
                "buffer_before_minutes": 15,
                "buffer_after_minutes": 45,
            },
        )
        plain = meeting_types.create(
            user.page, {"title": "Plain", "slug": "plain", "duration_minutes": 30}
        )
        for start, end in (
            (t(8, 9), t(8, 10)),
            (t(8, 9, 30, 0, 1), t(8, 11, 0, 59, 999999)),  # overlaps the one before
            (t(9, 12), t(9, 12)),  # empty
            (t(6, 23, 30), t(7, 0, 0, 0, 1)),  # a microsecond into the range
            (t(13, 23, 59, 59, 999999), t(14, 1)),  # starts a microsecond before its end
            (t(1, 9), t(1, 10)),  # a week before: not read
            (t(20, 9), t(20, 10)),  # a week after: not read
        ):
            db.session.add(BusyBlock(user_id=user.id, start=start, end=end, title="busy"))
        calendar = ConnectedCalendar(user_id=user.id, kind="ics", url="https://example.com/c")
        db.session.add(calendar)
        db.session.flush()
        for start, end in ((t(10, 8, 15, 30), t(10, 9, 45)), (t(2, 8), t(2, 9))):
            db.session.add(
                CalendarBusy(calendar_id=calendar.id, user_id=user.id, start=start, end=end)
            )
        for n, (mt, start, status) in enumerate(
            (
                (padded, t(11, 10), "confirmed"),
                (plain, t(11, 14), "confirmed"),
                (padded, t(12, 10), "cancelled"),
                (padded, t(6, 23, 50), "confirmed"),  # before the range, its buffer reaches in
            )
        ):
            db.session.add(
                Booking(
                    user_id=user.id,
                    meeting_type_id=mt.id,
                    start=start,
                    end=start + timedelta(minutes=30),
                    attendee_name="Ann",
                    attendee_email="ann@example.com",
                    status=status,
                    uid=f"busy-{n}@example.com",
                    manage_token_id=f"busy-{n}",
                )
            )
        db.session.commit()
        return user.id


def read_plainly(user_id: int, start: datetime, end: datetime, exclude: int | None = None):
    """What blocks the organizer, from ORM objects, the way the service once read it."""
    pad = buffer_reach(user_id)
    lo, hi = start - pad, end + pad
    found = [
        (row.start, row.end)
        for model in (BusyBlock, CalendarBusy)
        for row in db.session.scalars(select(model).where(model.user_id == user_id))
        if row.start < hi and row.end > lo
    ]
    for booking in db.session.scalars(select(Booking).where(Booking.user_id == user_id)):
        if booking.status != "confirmed" or booking.id == exclude:
            continue
        if booking.start < hi and booking.end > lo:
            mt = db.session.get(MeetingType, booking.meeting_type_id)
            found.append(
                (
                    booking.start - timedelta(minutes=mt.buffer_before_minutes),
                    booking.end + timedelta(minutes=mt.buffer_after_minutes),
                )
            )
    return sorted(found)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (START, END),
        (t(8, 10), t(8, 10, 0, 0, 1)),  # one microsecond
        (t(11, 10, 30), t(11, 11)),  # inside a booking's after-buffer
        (t(25, 0), t(26, 0)),  # nothing there
    ],
)
def test_busy_time_is_what_the_rows_say(app, organizer, start, end):
    with app.app_context():
        found = busy_intervals(organizer, start, end)
        assert sorted(found) == read_plainly(organizer, start, end)
        assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in found)


def test_bookings_are_padded_and_one_can_be_left_out(app, organizer):
    with app.app_context():
        found = busy_intervals(organizer, START, END)
        # The padded type's booking at 10:00, 15 minutes before and 45 after; the plain one bare.
        assert (t(11, 9, 45), t(11, 11, 15)) in found
        assert (t(11, 14), t(11, 14, 30)) in found
        assert (t(8, 9, 30, 0, 1), t(8, 11, 0, 59, 999999)) in found
        assert (t(12, 9, 45), t(12, 11, 15)) not in found  # cancelled
        booking = db.session.scalar(select(Booking).where(Booking.start == t(11, 10)))
        left_out = busy_intervals(organizer, START, END, exclude_booking=booking.id)
        assert sorted(left_out) == read_plainly(organizer, START, END, exclude=booking.id)
        assert (t(11, 9, 45), t(11, 11, 15)) not in left_out


def test_no_busy_time_at_all(app):
    with app.app_context():
        user = create_organizer("free@example.com", "Free", "long-password", slug="free")
        db.session.commit()
        assert busy_intervals(user.id, START, END) == []
