"""The organizer's week (bwm/domain/week.py): days in the organizer's zone, DST included."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bwm.domain.week import Meeting, week, window

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: str, hhmm: str, tz=STOCKHOLM) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=tz)


def meeting(day: str, hhmm: str, name: str, request: bool = False, tz=STOCKHOLM) -> Meeting:
    start = at(day, hhmm, tz)
    return Meeting(start, start + timedelta(minutes=30), name, request)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], {}),
        ([meeting("2027-03-01", "10:00", "a")], {"2027-03-01": ["a"]}),
        (  # by time within a day; a request first at the same time
            [
                meeting("2027-03-02", "14:00", "late"),
                meeting("2027-03-02", "09:00", "early"),
                meeting("2027-03-02", "14:00", "ask", request=True),
            ],
            {"2027-03-02": ["early", "ask", "late"]},
        ),
        (  # the seventh day is in, the eighth and yesterday are not
            [
                meeting("2027-03-07", "23:30", "last"),
                meeting("2027-03-08", "00:00", "next week"),
                meeting("2027-02-28", "23:59", "yesterday"),
            ],
            {"2027-03-07": ["last"]},
        ),
        (  # a UTC time falls on the organizer's day: 23:30 UTC is 00:30 the next day
            [meeting("2027-03-02", "23:30", "utc", tz=UTC)],
            {"2027-03-03": ["utc"]},
        ),
    ],
)
def test_meetings_fall_on_the_organizers_days(given, expected):
    days = week(given, date(2027, 3, 1), STOCKHOLM)
    assert [d.date for d in days] == [date(2027, 3, 1) + timedelta(days=n) for n in range(7)]
    found = {d.date.isoformat(): [m.item for m in d.meetings] for d in days if d.meetings}
    assert found == expected


def test_a_week_across_the_spring_dst_change():
    # Sunday 28 March 2027 has 23 hours in Stockholm.
    given = [
        meeting("2027-03-28", "03:30", "after the jump"),
        meeting("2027-03-29", "00:15", "monday"),
    ]
    days = week(given, date(2027, 3, 27), STOCKHOLM)
    found = {d.date.isoformat(): [m.item for m in d.meetings] for d in days if d.meetings}
    assert found == {"2027-03-28": ["after the jump"], "2027-03-29": ["monday"]}
    first, last = window(date(2027, 3, 27), STOCKHOLM)
    assert last.astimezone(UTC) - first.astimezone(UTC) == timedelta(days=7, hours=-1)
    assert days[1].meetings[0].start.utcoffset() == timedelta(hours=2)


def test_requests_are_counted_per_day():
    given = [meeting("2027-03-01", "10:00", "a", True), meeting("2027-03-01", "11:00", "b")]
    (monday, *_) = week(given, date(2027, 3, 1), STOCKHOLM)
    assert monday.requests == 1
