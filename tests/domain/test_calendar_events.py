"""iCalendar text -> busy intervals, bookings -> iCalendar: plain text in, no network, no app."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar, Event
from icalendar.error import IncompleteComponent

from bwm.domain.calendar_events import (
    MAX_DESCRIPTION,
    BusyEvent,
    NotICalendar,
    booking_resource,
    bookings_feed,
    busy_intervals,
    calendar_name,
    clean_text,
    is_busy,
    parse_calendars,
)
from bwm.domain.invitations import BookingFacts

STOCKHOLM = ZoneInfo("Europe/Stockholm")
WINDOW = (datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def calendar(*events: str, header: str = "") -> str:
    """Wrap VEVENT bodies (property lines) into one VCALENDAR."""
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN"]
    if header:
        parts.append(header.strip())
    for i, body in enumerate(events):
        lines = body.strip().splitlines()
        if not any(line.startswith("UID:") for line in lines):
            lines.insert(0, f"UID:event-{i}@tests")
        parts += ["BEGIN:VEVENT", "DTSTAMP:20270101T000000Z", *lines, "END:VEVENT"]
    parts.append("END:VCALENDAR")
    return "\r\n".join(parts) + "\r\n"


def events(text: str, *, tz: ZoneInfo = STOCKHOLM, window=WINDOW, skip=()) -> list[BusyEvent]:
    return busy_intervals(parse_calendars(text), *window, tz=tz, skip_uids=skip)


def busy(text: str, **options) -> list[tuple[datetime, datetime]]:
    """Only the times of the busy events."""
    return [(e.start, e.end) for e in events(text, **options)]


# --- recurrence -------------------------------------------------------------------------------


RECURRING = """
UID:weekly@tests
SUMMARY:Team meeting
DTSTART;TZID=Europe/Stockholm:20270301T090000
DTEND;TZID=Europe/Stockholm:20270301T100000
RRULE:FREQ=WEEKLY;COUNT=5
EXDATE;TZID=Europe/Stockholm:20270315T090000
"""
MOVED = """
UID:weekly@tests
RECURRENCE-ID;TZID=Europe/Stockholm:20270322T090000
SUMMARY:Team meeting, moved
DTSTART;TZID=Europe/Stockholm:20270323T140000
DTEND;TZID=Europe/Stockholm:20270323T153000
"""


def test_a_weekly_series_with_an_excluded_and_a_moved_occurrence():
    # 2027-03-28 is when Stockholm moves to summer time: 09:00 is 08:00 UTC before, 07:00 after.
    assert busy(calendar(RECURRING, MOVED)) == [
        (utc(2027, 3, 1, 8), utc(2027, 3, 1, 9)),
        (utc(2027, 3, 8, 8), utc(2027, 3, 8, 9)),
        # 15 March excluded; 22 March moved to the 23rd, 14:00-15:30
        (utc(2027, 3, 23, 13), utc(2027, 3, 23, 14, 30)),
        (utc(2027, 3, 29, 7), utc(2027, 3, 29, 8)),
    ]


def test_a_cancelled_occurrence_of_a_series_does_not_block():
    cancelled = """
UID:weekly@tests
RECURRENCE-ID;TZID=Europe/Stockholm:20270308T090000
DTSTART;TZID=Europe/Stockholm:20270308T090000
DTEND;TZID=Europe/Stockholm:20270308T100000
STATUS:CANCELLED
"""
    starts = [s for s, _ in busy(calendar(RECURRING, cancelled))]
    assert utc(2027, 3, 8, 8) not in starts
    assert utc(2027, 3, 1, 8) in starts


def test_rdate_adds_occurrences():
    text = calendar(
        """
DTSTART:20270301T120000Z
DTEND:20270301T130000Z
RDATE:20270310T120000Z,20270320T120000Z
"""
    )
    assert [s for s, _ in busy(text)] == [
        utc(2027, 3, 1, 12),
        utc(2027, 3, 10, 12),
        utc(2027, 3, 20, 12),
    ]


def test_an_endless_series_is_expanded_only_over_the_window():
    text = calendar("DTSTART:20200106T100000Z\nDURATION:PT30M\nRRULE:FREQ=WEEKLY;BYDAY=MO")
    window = (utc(2027, 3, 1), utc(2027, 3, 15))
    assert busy(text, window=window) == [
        (utc(2027, 3, 1, 10), utc(2027, 3, 1, 10, 30)),
        (utc(2027, 3, 8, 10), utc(2027, 3, 8, 10, 30)),
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MINUTELY",
        "FREQ=SECONDLY",
        "FREQ=SECONDLY;INTERVAL=30",
        "FREQ=DAILY;BYHOUR="
        + ",".join(map(str, range(24)))
        + ";BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55",
    ],
)
def test_a_series_that_repeats_too_often_is_refused_before_it_is_expanded(rule):
    text = calendar(f"SUMMARY:Spam\nDTSTART:20270301T000000Z\nDURATION:PT1S\nRRULE:{rule}")
    with pytest.raises(NotICalendar, match="repeats too often"):
        busy(text)


@pytest.mark.parametrize(
    ("rule", "count"),
    [
        ("FREQ=HOURLY;COUNT=48", 48),
        ("FREQ=HOURLY", 24 * 61),
        ("FREQ=MINUTELY;INTERVAL=20;COUNT=6", 6),
    ],
)
def test_series_that_repeat_within_the_day_are_fine(rule, count):
    text = calendar(f"DTSTART:20270301T000000Z\nDURATION:PT5M\nRRULE:{rule}")
    assert len(busy(text, window=(utc(2027, 3, 1), utc(2027, 5, 1)))) == count


# --- times and zones --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "header", "expected"),
    [
        pytest.param(
            "DTSTART:20270302T090000Z\nDTEND:20270302T100000Z",
            "",
            (utc(2027, 3, 2, 9), utc(2027, 3, 2, 10)),
            id="utc",
        ),
        pytest.param(
            "DTSTART;TZID=America/New_York:20270315T090000\nDTEND;TZID=America/New_York:20270315T100000",
            "",
            (utc(2027, 3, 15, 13), utc(2027, 3, 15, 14)),  # New York is on summer time already
            id="tzid",
        ),
        pytest.param(
            "DTSTART:20270302T090000\nDTEND:20270302T100000",
            "",
            (utc(2027, 3, 2, 8), utc(2027, 3, 2, 9)),  # the organizer's (Stockholm) wall clock
            id="floating-in-page-zone",
        ),
        pytest.param(
            "DTSTART:20270302T090000\nDTEND:20270302T100000",
            "X-WR-TIMEZONE:America/New_York",
            (utc(2027, 3, 2, 14), utc(2027, 3, 2, 15)),  # the feed names its zone
            id="floating-with-x-wr-timezone",
        ),
        pytest.param(
            "DTSTART:20270302T090000Z\nDURATION:PT45M",
            "",
            (utc(2027, 3, 2, 9), utc(2027, 3, 2, 9, 45)),
            id="duration",
        ),
        pytest.param(
            "DTSTART;VALUE=DATE:20270302\nDTEND;VALUE=DATE:20270303",
            "",
            (utc(2027, 3, 1, 23), utc(2027, 3, 2, 23)),  # the whole local day in Stockholm
            id="all-day",
        ),
        pytest.param(
            "DTSTART;VALUE=DATE:20270302",
            "",
            (utc(2027, 3, 1, 23), utc(2027, 3, 2, 23)),  # no end: one day
            id="all-day-without-end",
        ),
        pytest.param(
            "DTSTART;VALUE=DATE:20270327\nDTEND;VALUE=DATE:20270330",
            "",
            (utc(2027, 3, 26, 23), utc(2027, 3, 29, 22)),  # three days, one of them 23 hours
            id="all-day-over-dst",
        ),
    ],
)
def test_times_become_utc_intervals(lines, header, expected):
    assert busy(calendar(lines, header=header)) == [expected]


def test_all_day_events_follow_the_organizers_zone():
    text = calendar("DTSTART;VALUE=DATE:20270302\nDTEND;VALUE=DATE:20270303")
    assert busy(text, tz=ZoneInfo("America/New_York")) == [(utc(2027, 3, 2, 5), utc(2027, 3, 3, 5))]


def test_a_moment_blocks_nothing():
    assert busy(calendar("DTSTART:20270302T090000Z")) == []
    assert busy(calendar("DTSTART:20270302T090000Z\nDTEND:20270302T090000Z")) == []


GOOD = "DTSTART:20270302T090000Z\nDTEND:20270302T100000Z"


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param("SUMMARY:When?\nDTEND:20270303T100000Z", id="no-dtstart"),
        pytest.param("SUMMARY:When?", id="no-times-at-all"),
        pytest.param(
            "DTSTART:20270303T090000Z\nDTSTART:20270304T090000Z\nDTEND:20270304T100000Z",
            id="two-dtstarts",
        ),
    ],
)
def test_an_event_without_a_readable_start_is_skipped(lines):
    # recurring-ical-events alone fails on the whole calendar for it (KeyError: 'DTSTART').
    assert busy(calendar(GOOD, lines)) == [(utc(2027, 3, 2, 9), utc(2027, 3, 2, 10))]


def test_an_event_icalendar_finds_incomplete_is_skipped(monkeypatch):
    def incomplete(self):
        raise IncompleteComponent("No DTEND or DURATION+DTSTART given.")

    monkeypatch.setattr(Event, "end", property(incomplete))
    assert busy(calendar(GOOD)) == []


def test_a_programming_error_reading_an_event_is_not_swallowed(monkeypatch):
    # As icalendar < 6.1 had it (no Event.end): every event was silently ignored.
    def missing(self):
        raise AttributeError("'Event' object has no attribute 'end'")

    monkeypatch.setattr(Event, "end", property(missing))
    with pytest.raises(AttributeError, match="no attribute 'end'"):
        busy(calendar(GOOD))


def test_a_programming_error_while_expanding_is_not_swallowed(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not a broken feed")

    monkeypatch.setattr(recurring_ical_events, "of", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        busy(calendar(GOOD))


def test_a_rule_that_cant_be_read_is_no_unexpected_error():
    # icalendar 7 keeps the RRULE as a broken value that fails when touched (the series is
    # skipped); icalendar 6 reads past it (one occurrence). Either way the rest still counts.
    text = calendar(GOOD, "DTSTART:20270303T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;UNTIL=2027")
    assert (utc(2027, 3, 2, 9), utc(2027, 3, 2, 10)) in busy(text)


# --- what blocks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "blocks"),
    [
        ("", True),
        ("TRANSP:OPAQUE", True),
        ("TRANSP:TRANSPARENT", False),
        ("STATUS:CONFIRMED", True),
        ("STATUS:TENTATIVE", True),
        ("STATUS:CANCELLED", False),
        ("X-MICROSOFT-CDO-BUSYSTATUS:BUSY", True),
        ("X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", True),
        ("X-MICROSOFT-CDO-BUSYSTATUS:OOF", True),
        ("X-MICROSOFT-CDO-BUSYSTATUS:FREE", False),
        ("X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE", False),
        ("X-MICROSOFT-CDO-INTENDEDSTATUS:FREE", False),
        ("X-MICROSOFT-CDO-BUSYSTATUS:OOF\nTRANSP:OPAQUE", True),
        ("X-MICROSOFT-CDO-BUSYSTATUS:FREE\nTRANSP:TRANSPARENT", False),
    ],
)
def test_what_blocks_time(lines, blocks):
    text = calendar("DTSTART:20270302T090000Z\nDTEND:20270302T100000Z\n" + lines)
    assert bool(busy(text)) is blocks
    event = next(c for c in parse_calendars(text)[0].walk("VEVENT"))
    assert is_busy(event) is blocks


def test_the_organizers_own_bookings_are_left_out():
    text = calendar(
        "UID:booking-1@bwm\nDTSTART:20270302T090000Z\nDTEND:20270302T100000Z",
        "UID:other@tests\nDTSTART:20270302T120000Z\nDTEND:20270302T130000Z",
    )
    assert busy(text, skip={"booking-1@bwm"}) == [(utc(2027, 3, 2, 12), utc(2027, 3, 2, 13))]


def test_freebusy_periods_block_unless_free():
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//tests//EN",
            "BEGIN:VFREEBUSY",
            "UID:fb@tests",
            "DTSTAMP:20270101T000000Z",
            "FREEBUSY;FBTYPE=BUSY:20270301T090000Z/20270301T100000Z,20270302T090000Z/PT30M",
            "FREEBUSY;FBTYPE=FREE:20270303T090000Z/20270303T100000Z",
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20270304T090000Z/20270304T100000Z",
            "END:VFREEBUSY",
            "END:VCALENDAR",
        ]
    )
    assert busy(text) == [
        (utc(2027, 3, 1, 9), utc(2027, 3, 1, 10)),
        (utc(2027, 3, 2, 9), utc(2027, 3, 2, 9, 30)),
        (utc(2027, 3, 4, 9), utc(2027, 3, 4, 10)),
    ]


# --- the window, merging, several calendars ---------------------------------------------------


def test_only_what_overlaps_the_window_is_kept_and_overlaps_are_not_merged():
    text = calendar(
        "DTSTART:20270228T230000Z\nDTEND:20270301T010000Z",  # overlaps the start
        "DTSTART:20270301T090000Z\nDTEND:20270301T100000Z",
        "DTSTART:20270301T093000Z\nDTEND:20270301T110000Z",  # overlaps the one before
        "DTSTART:20270301T110000Z\nDTEND:20270301T113000Z",  # touches it
        "DTSTART:20270305T090000Z\nDTEND:20270305T100000Z",  # after the window
        "DTSTART:20270201T090000Z\nDTEND:20270201T100000Z",  # before the window
    )
    # each event keeps its own texts, so none is joined to another (the slot engine and the
    # free/busy share view merge times themselves)
    assert busy(text, window=(utc(2027, 3, 1), utc(2027, 3, 4))) == [
        (utc(2027, 2, 28, 23), utc(2027, 3, 1, 1)),
        (utc(2027, 3, 1, 9), utc(2027, 3, 1, 10)),
        (utc(2027, 3, 1, 9, 30), utc(2027, 3, 1, 11)),
        (utc(2027, 3, 1, 11), utc(2027, 3, 1, 11, 30)),
    ]


def test_the_same_event_twice_is_kept_once():
    twice = "UID:same@tests\nSUMMARY:Standup\nDTSTART:20270301T090000Z\nDTEND:20270301T091500Z"
    text = calendar(twice) + calendar(twice)
    assert events(text) == [BusyEvent(utc(2027, 3, 1, 9), utc(2027, 3, 1, 9, 15), "Standup")]


# --- what an event says -----------------------------------------------------------------------


def test_each_event_keeps_its_summary_location_and_description():
    text = calendar(
        "SUMMARY:Dentist\nLOCATION:Storgatan 1\\, Stockholm\n"
        "DESCRIPTION:Bring the card.\\nAsk about the crown.\n"
        "DTSTART:20270301T090000Z\nDTEND:20270301T100000Z",
        "DTSTART:20270302T090000Z\nDTEND:20270302T100000Z",  # says nothing
    )
    assert events(text) == [
        BusyEvent(
            utc(2027, 3, 1, 9),
            utc(2027, 3, 1, 10),
            summary="Dentist",
            location="Storgatan 1, Stockholm",
            description="Bring the card.\nAsk about the crown.",
        ),
        BusyEvent(utc(2027, 3, 2, 9), utc(2027, 3, 2, 10)),
    ]


def test_a_moved_occurrence_says_what_its_override_says():
    found = events(calendar(RECURRING, MOVED))
    assert {e.start: e.summary for e in found}[utc(2027, 3, 23, 13)] == "Team meeting, moved"
    assert {e.summary for e in found} == {"Team meeting", "Team meeting, moved"}


def test_freebusy_periods_say_nothing():
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//tests//EN",
            "BEGIN:VFREEBUSY",
            "UID:fb@tests",
            "DTSTAMP:20270101T000000Z",
            "FREEBUSY:20270301T090000Z/20270301T100000Z",
            "END:VFREEBUSY",
            "END:VCALENDAR",
        ]
    )
    assert events(text) == [BusyEvent(utc(2027, 3, 1, 9), utc(2027, 3, 1, 10))]


def test_long_texts_are_cut_and_control_characters_dropped():
    text = calendar(
        "SUMMARY:" + "S" * 600 + "\nLOCATION:" + "L" * 600 + "\n"
        "DESCRIPTION:" + "D" * (MAX_DESCRIPTION + 50) + "\n"
        "DTSTART:20270301T090000Z\nDTEND:20270301T100000Z"
    )
    (found,) = events(text)
    assert (len(found.summary), len(found.location)) == (500, 500)
    assert found.description == "D" * MAX_DESCRIPTION


@pytest.mark.parametrize(
    ("value", "lines", "expected"),
    [
        ("Plain", False, "Plain"),
        ("  padded  ", False, "padded"),
        ("two\nlines\r\nhere", False, "two lines here"),
        ("two\nlines\r\nand\rmore", True, "two\nlines\nand\nmore"),
        ("tab\tbed", False, "tab bed"),
        ("tab\tbed", True, "tab bed"),
        ("nul\x00bell\x07esc\x1bdel\x7fc1\x85", True, "nulbellescdelc1"),
        ("nul\x00 and\x0b vt", False, "nul and vt"),
        ("åäö — ✓ 日本", False, "åäö — ✓ 日本"),
        ("\n\nkept\n\nparagraphs\n\n", True, "kept\n\nparagraphs"),
        ("abcdef", False, "abcdef"),
    ],
)
def test_clean_text(value, lines, expected):
    assert clean_text(value, 100, lines=lines) == expected


def test_clean_text_cuts_to_the_limit_without_trailing_space():
    assert clean_text("abc def", 4, lines=False) == "abc"
    assert clean_text("abcdef", 3, lines=True) == "abc"


def test_several_calendars_in_one_file_and_their_name():
    one = calendar("DTSTART:20270301T090000Z\nDTEND:20270301T100000Z", header="X-WR-CALNAME:Work")
    two = calendar("DTSTART:20270302T090000Z\nDTEND:20270302T100000Z")
    calendars = parse_calendars(one + two)
    assert len(calendars) == 2
    assert calendar_name(calendars) == "Work"
    assert len(busy_intervals(calendars, *WINDOW, tz=STOCKHOLM)) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<!doctype html><html><body>Sign in</body></html>",
        b'{"events": []}',
        b"BEGIN:VCARD\r\nFN:Anna\r\nEND:VCARD\r\n",
        b"BEGIN:VCALENDAR\r\nthis is not a content line\r\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_what_is_not_icalendar_is_refused(data):
    with pytest.raises(NotICalendar):
        parse_calendars(data)


def test_a_byte_order_mark_and_bytes_are_fine():
    data = ("\ufeff" + calendar("DTSTART:20270301T090000Z\nDTEND:20270301T100000Z")).encode()
    assert len(busy_intervals(parse_calendars(data), *WINDOW, tz=STOCKHOLM)) == 1


# --- bookings as calendar objects -------------------------------------------------------------


def facts(**changes) -> BookingFacts:
    values = {
        "uid": "b-1@bwm",
        "sequence": 2,
        "start": datetime(2027, 3, 1, 9, tzinfo=STOCKHOLM),
        "end": datetime(2027, 3, 1, 9, 30, tzinfo=STOCKHOLM),
        "title": "30 minute meeting: Olga and Anna",
        "description": "",
        "location": "",
        "online_meeting_url": "https://meet.example.com/room",
        "organizer_name": "Olga",
        "organizer_email": "olga@example.com",
        "attendee_name": "Anna",
        "attendee_email": "anna@example.org",
        "created": datetime(2027, 2, 1, tzinfo=UTC),
    }
    return BookingFacts(**{**values, **changes})


def test_a_booking_as_a_caldav_object():
    cal = Calendar.from_ical(booking_resource(facts(), stamp=utc(2027, 2, 2), note="Slides"))
    assert "METHOD" not in cal  # RFC 4791: stored objects carry no METHOD
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == "b-1@bwm"
    assert event["SEQUENCE"] == 2
    assert event.start == utc(2027, 3, 1, 8)
    assert "ATTENDEE" not in event and "ORGANIZER" not in event  # no server-side scheduling
    assert "anna@example.org" in str(event["DESCRIPTION"]) and "Slides" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    # and it blocks time when read back
    assert busy(booking_resource(facts(), stamp=utc(2027, 2, 2)).decode()) == [
        (utc(2027, 3, 1, 8), utc(2027, 3, 1, 8, 30))
    ]


def test_the_bookings_feed():
    body = bookings_feed(
        [(facts(), ""), (facts(uid="b-2@bwm", cancelled=True), "")],
        stamp=utc(2027, 2, 2),
        name="Olga: bookings",
    )
    cal = Calendar.from_ical(body)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Olga: bookings"
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert str(events["b-1@bwm"]["STATUS"]) == "CONFIRMED"
    assert str(events["b-2@bwm"]["STATUS"]) == "CANCELLED"
    assert busy(body.decode()) == [(utc(2027, 3, 1, 8), utc(2027, 3, 1, 8, 30))]


def test_the_module_does_not_load_flask_or_sqlalchemy():
    code = (
        "import bwm.domain.calendar_events, sys\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
