"""What a shared calendar shows at each level, its week view and its feed: plain values only."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bwm.domain.policy import DETAILS, OrgPolicy, colleague_level
from bwm.domain.shared_calendar import (
    CalendarEvent,
    build_feed,
    merge_busy,
    shown_at,
    visible_events,
    week_bounds,
    week_days,
    week_start,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: str, hh: int, mm: int = 0, tz=STOCKHOLM) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tz).replace(
        hour=hh, minute=mm
    )


MEETING = CalendarEvent(
    key="booking-1",
    start=at("2026-12-01", 9),
    end=at("2026-12-01", 10),
    summary="Intro call",
    location="Storgatan 1",
    description="Bring the plans",
)


@pytest.mark.parametrize(
    ("level", "summary", "location", "description"),
    [
        ("free_busy", "Busy", "", ""),
        ("limited", "Intro call", "Storgatan 1", ""),
        ("full", "Intro call", "Storgatan 1", "Bring the plans"),
    ],
)
def test_each_level_shows_what_it_should(level, summary, location, description):
    shown = shown_at(MEETING, level)
    assert (shown.summary, shown.location, shown.description) == (summary, location, description)
    assert (shown.start, shown.end) == (MEETING.start, MEETING.end)


@pytest.mark.parametrize("level", ["limited", "full"])
def test_an_event_without_a_title_is_busy(level):
    untitled = CalendarEvent("block-1", MEETING.start, MEETING.end)
    assert shown_at(untitled, level).summary == "Busy"


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError):
        shown_at(MEETING, "everything")


def test_free_busy_merges_overlapping_and_touching_times():
    events = [
        CalendarEvent("a", at("2026-12-01", 9), at("2026-12-01", 10), "A"),
        CalendarEvent("b", at("2026-12-01", 9, 30), at("2026-12-01", 11), "B"),
        CalendarEvent("c", at("2026-12-01", 11), at("2026-12-01", 11, 30), "C"),
        CalendarEvent("d", at("2026-12-01", 13), at("2026-12-01", 14), "D"),
        CalendarEvent("e", at("2026-12-01", 13, 15), at("2026-12-01", 13, 45), "E"),
    ]
    merged = merge_busy(events)
    assert [(e.start, e.end) for e in merged] == [
        (at("2026-12-01", 9), at("2026-12-01", 11, 30)),
        (at("2026-12-01", 13), at("2026-12-01", 14)),
    ]
    assert {e.summary for e in merged} == {"Busy"}
    assert visible_events(events, "free_busy") == merged
    assert len(visible_events(events, "limited")) == 5


@pytest.mark.parametrize(
    ("day", "monday"),
    [("2026-11-30", "2026-11-30"), ("2026-12-03", "2026-11-30"), ("2026-12-06", "2026-11-30")],
)
def test_week_start_is_the_monday(day, monday):
    assert week_start(date.fromisoformat(day)) == date.fromisoformat(monday)


def test_a_week_over_the_autumn_clock_change_lasts_169_hours():
    start, end = week_bounds(date(2026, 10, 19), STOCKHOLM)  # holds Sunday 25 October 2026
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=169)


def test_an_event_over_midnight_shows_on_both_days_in_the_zone():
    late = CalendarEvent("x", at("2026-12-01", 23), at("2026-12-02", 1), "Night shift")
    days = week_days([late], date(2026, 11, 30), STOCKHOLM)
    assert [len(d.events) for d in days] == [0, 1, 1, 0, 0, 0, 0]
    first, second = days[1].events[0], days[2].events[0]
    assert (first[0].hour, first[1].hour) == (23, 0)
    assert (second[0].hour, second[1].hour) == (0, 1)


def test_week_days_use_the_given_zone():
    utc_evening = CalendarEvent("x", at("2026-12-01", 23, tz=UTC), at("2026-12-01", 23, 30, tz=UTC))
    days = week_days([utc_evening], date(2026, 11, 30), STOCKHOLM)
    assert days[2].day == date(2026, 12, 2) and len(days[2].events) == 1  # 00:00 in Stockholm


def _feed(level: str) -> list:
    block = CalendarEvent("block-2", at("2026-12-01", 9, 30), at("2026-12-01", 11), "Dentist")
    body = build_feed(
        [MEETING, block],
        level,
        name="Calendar of Olga",
        uid_salt="s",
        stamp=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return [c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT"]


def test_the_free_busy_feed_has_only_busy_times():
    (event,) = _feed("free_busy")
    assert str(event["SUMMARY"]) == "Busy"
    assert "LOCATION" not in event and "DESCRIPTION" not in event
    assert event.decoded("DTSTART") == at("2026-12-01", 9).astimezone(UTC)
    assert event.decoded("DTEND") == at("2026-12-01", 11).astimezone(UTC)


def test_the_limited_feed_adds_subject_and_location():
    events = _feed("limited")
    assert [str(e["SUMMARY"]) for e in events] == ["Intro call", "Dentist"]
    assert str(events[0]["LOCATION"]) == "Storgatan 1"
    assert all("DESCRIPTION" not in e for e in events)


def test_the_full_feed_adds_the_description_and_keeps_uids_stable():
    events = _feed("full")
    assert str(events[0]["DESCRIPTION"]) == "Bring the plans"
    assert [str(e["UID"]) for e in events] == [str(e["UID"]) for e in _feed("full")]
    assert str(events[0]["UID"]) == "booking-1-s@bwm"


@pytest.mark.parametrize(
    ("level", "absent"),
    [
        ("free_busy", ["Intro call", "Storgatan 1", "Bring the plans", "second line"]),
        ("limited", ["Bring the plans", "second line"]),
        ("full", []),
    ],
)
def test_a_higher_levels_text_is_nowhere_in_the_feed(level, absent):
    synced = CalendarEvent(
        "synced-7",
        MEETING.start,
        MEETING.end,
        summary=MEETING.summary,
        location=MEETING.location,
        description="Bring the plans\nsecond line",
    )
    body = build_feed(
        [synced],
        level,
        name="Calendar of Olga",
        uid_salt="s",
        stamp=datetime(2026, 11, 1, tzinfo=UTC),
    )
    text = body.decode().replace("\r\n ", "")  # unfolded
    assert [piece for piece in absent if piece in text] == []
    assert level != "full" or "Bring the plans\\nsecond line" in text


@pytest.mark.parametrize("maximum", DETAILS)
@pytest.mark.parametrize("requested", DETAILS)
@pytest.mark.parametrize("external", [True, False])
@pytest.mark.parametrize("anonymous", [True, False])
def test_colleagues_see_up_to_the_maximum_whatever_the_outside_switches(
    maximum, requested, external, anonymous
):
    org = OrgPolicy(external_sharing=external, anonymous_sharing=anonymous, max_detail=maximum)
    expected = DETAILS[min(DETAILS.index(maximum), DETAILS.index(requested))]
    assert colleague_level(org, requested) == expected


def test_colleague_level_refuses_an_unknown_level():
    with pytest.raises(ValueError):
        colleague_level(OrgPolicy(), "all")
