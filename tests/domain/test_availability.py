"""The availability engine (SPEC §4): plain values in, UTC slot starts out; no app, no mocking."""

import random
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bwm.domain.availability import (
    Availability,
    Rules,
    compute_slots,
    format_minutes,
    is_slot_free,
    parse_window,
    validate_windows,
)

ROOT = Path(__file__).resolve().parents[2]

STO = ZoneInfo("Europe/Stockholm")
NYC = ZoneInfo("America/New_York")
ADL = ZoneInfo("Australia/Adelaide")
LHI = ZoneInfo("Australia/Lord_Howe")  # DST moves the clock by 30 minutes
KOL = ZoneInfo("Asia/Kolkata")
SCL = ZoneInfo("America/Santiago")  # changes at local midnight
APIA = ZoneInfo("Pacific/Apia")  # skipped 2011-12-30 altogether

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
WEEKDAYS_9_TO_12 = {weekday: [(540, 720)] for weekday in range(5)}
EVERY_DAY_9_TO_12 = {weekday: [(540, 720)] for weekday in range(7)}


def local(tz: ZoneInfo, text: str, fold: int = 0) -> datetime:
    """Return the aware local datetime for "YYYY-MM-DD HH:MM" in tz."""
    return datetime.fromisoformat(text).replace(tzinfo=tz, fold=fold)


def hours(*pairs: tuple[str, str]) -> list[tuple[int, int]]:
    return [parse_window(start, end) for start, end in pairs]


def show(tz: ZoneInfo, slots: list[datetime]) -> list[str]:
    """Show slots as the organizer's wall clock with its offset, e.g. "03:00+0200"."""
    return [slot.astimezone(tz).strftime("%H:%M%z") for slot in slots]


def show_days(tz: ZoneInfo, slots: list[datetime]) -> list[str]:
    return [slot.astimezone(tz).strftime("%Y-%m-%d %H:%M") for slot in slots]


def one_day(tz, day, windows, rules, busy=(), now=LONG_AGO, **kwargs):
    """Return the slots of one local date whose hours are given as an override."""
    day = date.fromisoformat(day)
    availability = Availability(tz=tz, weekly={}, overrides={day: windows})
    return compute_slots(
        availability,
        busy,
        rules,
        start=datetime.combine(day, time(), tz),
        end=datetime.combine(day + timedelta(days=1), time(), tz),
        now=now,
        **kwargs,
    )


def far(duration: int, step: int | None = None, **kwargs) -> Rules:
    return Rules(duration_minutes=duration, step_minutes=step, max_days_ahead=100_000, **kwargs)


# -- plain weekdays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "duration", "step", "expected"),
    [
        ({0: hours(("09:00", "12:00"))}, 60, None, ["09:00", "10:00", "11:00"]),
        ({0: hours(("09:00", "12:00"))}, 60, 30, ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        ({0: hours(("09:00", "10:00"))}, 90, None, []),
        ({0: hours(("09:00", "10:30"))}, 90, None, ["09:00"]),
        (
            {0: hours(("09:00", "11:00"), ("13:00", "14:30"))},
            30,
            None,
            ["09:00", "09:30", "10:00", "10:30", "13:00", "13:30", "14:00"],
        ),
        ({0: hours(("13:00", "14:00"), ("09:00", "10:00"))}, 60, None, ["09:00", "13:00"]),
        ({0: hours(("22:00", "24:00"))}, 60, None, ["22:00", "23:00"]),
        ({0: hours(("23:00", "24:00"))}, 30, 20, ["23:00", "23:20"]),
        ({1: hours(("09:00", "12:00"))}, 60, None, []),  # Tuesday hours, and it is a Monday
        ({}, 60, None, []),
        ({0: []}, 60, None, []),
    ],
)
def test_weekly_hours_on_a_plain_monday(weekly, duration, step, expected):
    availability = Availability(tz=STO, weekly=weekly)
    slots = compute_slots(
        availability,
        [],
        far(duration, step),
        start=local(STO, "2027-03-01 00:00"),
        end=local(STO, "2027-03-02 00:00"),
        now=LONG_AGO,
    )
    assert [slot.astimezone(STO).strftime("%H:%M") for slot in slots] == expected


def test_slots_are_sorted_unique_utc_datetimes():
    availability = Availability(tz=STO, weekly={0: hours(("09:00", "12:00"), ("10:00", "11:00"))})
    slots = compute_slots(
        availability,
        [],
        far(30),
        start=local(STO, "2027-03-01 00:00"),
        end=local(STO, "2027-03-09 00:00"),
        now=LONG_AGO,
    )
    assert slots == sorted(set(slots))
    assert all(slot.tzinfo is UTC for slot in slots)
    assert slots[0] == datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert len(slots) == 2 * 6  # two Mondays, overlapping windows counted once


# -- DST and odd offsets --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "windows", "duration", "step", "expected"),
    [
        pytest.param(
            STO, "2027-03-28", hours(("01:00", "04:00")), 30, 30,
            ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"],
            id="stockholm-spring-gap-times-skipped",
        ),
        pytest.param(
            STO, "2027-03-28", hours(("01:00", "04:00")), 150, 30, [],
            id="stockholm-spring-window-shrinks-to-two-real-hours",
        ),
        pytest.param(
            STO, "2027-03-28", hours(("01:00", "04:00")), 120, 60, ["01:00+0100"],
            id="stockholm-spring-two-hours-fit-exactly",
        ),
        pytest.param(
            STO, "2027-03-28", hours(("02:15", "04:00")), 30, 30, ["03:15+0200"],
            id="stockholm-spring-window-starts-in-gap",
        ),
        pytest.param(
            STO, "2027-03-28", hours(("00:00", "02:30")), 60, 60, ["00:00+0100", "01:00+0100"],
            id="stockholm-spring-window-ends-in-gap",
        ),
        pytest.param(
            STO, "2027-10-31", hours(("01:00", "04:00")), 30, 30,
            ["01:00+0200", "01:30+0200", "02:00+0200", "02:30+0200", "03:00+0100", "03:30+0100"],
            id="stockholm-fall-repeated-hour-offered-once",
        ),
        pytest.param(
            STO, "2027-10-31", hours(("01:00", "04:00")), 240, 60, ["01:00+0200"],
            id="stockholm-fall-window-grows-to-four-real-hours",
        ),
        pytest.param(
            STO, "2027-10-31", hours(("00:00", "02:30")), 30, 30,
            ["00:00+0200", "00:30+0200", "01:00+0200", "01:30+0200", "02:00+0200"],
            id="stockholm-fall-window-ends-at-first-0230",
        ),
        pytest.param(
            NYC, "2027-03-14", hours(("01:00", "04:00")), 60, 60, ["01:00-0500", "03:00-0400"],
            id="new-york-spring",
        ),
        pytest.param(
            NYC, "2027-11-07", hours(("00:00", "03:00")), 60, 60,
            ["00:00-0400", "01:00-0400", "02:00-0500"],
            id="new-york-fall",
        ),
        pytest.param(
            NYC, "2027-11-07", hours(("00:30", "02:00")), 30, 30,
            ["00:30-0400", "01:00-0400", "01:30-0400"],
            id="new-york-fall-half-hours-once",
        ),
        pytest.param(
            KOL, "2027-03-01", hours(("09:00", "11:00")), 60, 30,
            ["09:00+0530", "09:30+0530", "10:00+0530"],
            id="kolkata-half-hour-offset",
        ),
        pytest.param(
            ADL, "2027-04-04", hours(("01:00", "04:00")), 60, 60,
            ["01:00+1030", "02:00+1030", "03:00+0930"],
            id="adelaide-fall",
        ),
        pytest.param(
            ADL, "2027-10-03", hours(("01:00", "04:00")), 60, 60, ["01:00+0930", "03:00+1030"],
            id="adelaide-spring",
        ),
        pytest.param(
            LHI, "2027-04-04", hours(("01:00", "03:00")), 30, 30,
            ["01:00+1100", "01:30+1100", "02:00+1030", "02:30+1030"],
            id="lord-howe-fall-back-half-an-hour",
        ),
        pytest.param(
            LHI, "2027-10-03", hours(("01:00", "04:00")), 60, 30,
            ["01:00+1030", "01:30+1030", "02:30+1100", "03:00+1100"],
            id="lord-howe-spring-half-hour-gap",
        ),
        pytest.param(
            SCL, "2027-09-05", hours(("00:00", "03:00")), 60, 60, ["01:00-0300", "02:00-0300"],
            id="santiago-midnight-does-not-exist",
        ),
        pytest.param(
            SCL, "2027-09-04", hours(("22:00", "24:00")), 60, 60, ["22:00-0400", "23:00-0400"],
            id="santiago-window-ends-at-missing-midnight",
        ),
        pytest.param(
            SCL, "2027-04-03", hours(("22:00", "24:00")), 90, 60, ["22:00-0300", "23:00-0300"],
            id="santiago-last-hour-repeats-so-90-minutes-fit-at-23",
        ),
        pytest.param(
            APIA, "2011-12-30", hours(("09:00", "17:00")), 60, 60, [],
            id="apia-day-that-never-happened",
        ),
        pytest.param(
            APIA, "2011-12-29", hours(("22:00", "24:00")), 60, 60, ["22:00-1000", "23:00-1000"],
            id="apia-day-before-the-jump",
        ),
    ],
)  # fmt: skip
def test_dst_and_offsets(tz, day, windows, duration, step, expected):
    assert show(tz, one_day(tz, day, windows, far(duration, step))) == expected


@pytest.mark.parametrize(
    ("tz", "day", "step", "count"),
    [
        (STO, "2027-03-27", 60, 24),
        (STO, "2027-03-28", 60, 23),
        (STO, "2027-10-31", 60, 24),  # 25 real hours, 24 wall-clock starts
        (NYC, "2027-03-14", 60, 23),
        (NYC, "2027-11-07", 60, 24),
        (LHI, "2027-10-03", 30, 47),
        (LHI, "2027-04-04", 30, 48),
        (SCL, "2027-09-05", 60, 23),
        (APIA, "2011-12-30", 60, 0),
    ],
)
def test_whole_day_window_on_dst_days(tz, day, step, count):
    slots = one_day(tz, day, hours(("00:00", "24:00")), far(step, step))
    assert len(slots) == count
    assert len({slot.astimezone(tz).strftime("%H:%M") for slot in slots}) == count


# -- buffers --------------------------------------------------------------------------------------

MONDAY_BUSY_11_TO_12 = [(local(STO, "2027-03-01 11:00"), local(STO, "2027-03-01 12:00"))]


@pytest.mark.parametrize(
    ("windows", "busy", "before", "after", "expected"),
    [
        (
            hours(("09:00", "13:00")),
            MONDAY_BUSY_11_TO_12,
            0,
            0,
            ["09:00", "09:30", "10:00", "12:00"],  # touching the busy time is fine
        ),
        (hours(("09:00", "13:00")), MONDAY_BUSY_11_TO_12, 0, 15, ["09:00", "09:30", "12:00"]),
        (hours(("09:00", "13:00")), MONDAY_BUSY_11_TO_12, 30, 0, ["09:00", "09:30", "10:00"]),
        (hours(("09:00", "13:00")), MONDAY_BUSY_11_TO_12, 30, 30, ["09:00", "09:30"]),
        (hours(("09:00", "13:00")), MONDAY_BUSY_11_TO_12, 180, 0, ["09:00", "09:30", "10:00"]),
        (hours(("09:00", "13:00")), MONDAY_BUSY_11_TO_12, 0, 180, ["12:00"]),
        (hours(("09:00", "10:00")), [], 60, 60, ["09:00"]),  # buffers need not fit the window
        (
            hours(("09:00", "11:00")),
            [(local(STO, "2027-03-01 08:00"), local(STO, "2027-03-01 09:00"))],
            15,
            0,
            ["09:30", "10:00"],  # busy time before the window still counts
        ),
        (
            hours(("09:00", "11:00")),
            [(local(STO, "2027-03-01 11:00"), local(STO, "2027-03-01 11:10"))],
            0,
            10,
            ["09:00", "09:30"],  # and so does busy time after it
        ),
    ],
)
def test_buffers_keep_meetings_away_from_busy_time(windows, busy, before, after, expected):
    rules = far(60, 30, buffer_before_minutes=before, buffer_after_minutes=after)
    slots = one_day(STO, "2027-03-01", windows, rules, busy)
    assert [slot.astimezone(STO).strftime("%H:%M") for slot in slots] == expected


# -- busy intervals -------------------------------------------------------------------------------


def _monday(hhmm: str) -> datetime:
    return local(STO, f"2027-03-01 {hhmm}")


@pytest.mark.parametrize(
    ("busy", "expected"),
    [
        ([], ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        (
            [
                (_monday("11:20"), _monday("11:40")),
                (_monday("09:10"), _monday("09:20")),
                (_monday("09:15"), _monday("09:40")),  # overlaps the one before
                (_monday("11:25"), _monday("11:30")),  # inside the first one
            ],
            ["10:00"],
        ),
        ([(_monday("09:30"), _monday("09:30"))], ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        ([(_monday("10:00"), _monday("09:00"))], ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        ([(_monday("08:00"), _monday("13:00"))], []),
        ([(_monday("11:59"), _monday("12:30"))], ["09:00", "09:30", "10:00", "10:30"]),
        (
            [(_monday("09:00").astimezone(UTC), _monday("10:00").astimezone(KOL))],
            ["10:00", "10:30", "11:00"],  # any zone, mixed
        ),
        (
            [
                (
                    _monday("09:00").astimezone(timezone(timedelta(hours=-7))),
                    _monday("10:00").astimezone(timezone(timedelta(hours=9))),
                )
            ],
            ["10:00", "10:30", "11:00"],
        ),
    ],
    ids=[
        "none",
        "unsorted-overlapping",
        "empty-interval-blocks-nothing",
        "backwards-interval-blocks-nothing",
        "whole-morning",
        "one-minute-overlap",
        "zones-mixed",
        "fixed-offsets",
    ],
)
def test_busy_intervals(busy, expected):
    slots = one_day(STO, "2027-03-01", hours(("09:00", "12:00")), far(60, 30), busy)
    assert [slot.astimezone(STO).strftime("%H:%M") for slot in slots] == expected


def test_busy_interval_spanning_several_days():
    availability = Availability(tz=STO, weekly=EVERY_DAY_9_TO_12)
    busy = [(local(STO, "2027-03-02 12:00"), local(STO, "2027-03-04 09:30"))]
    slots = compute_slots(
        availability,
        iter(busy),  # any iterable will do
        far(60, 30),
        start=local(STO, "2027-03-02 00:00"),
        end=local(STO, "2027-03-05 00:00"),
        now=LONG_AGO,
    )
    assert show_days(STO, slots) == [
        "2027-03-02 09:00",
        "2027-03-02 09:30",
        "2027-03-02 10:00",
        "2027-03-02 10:30",
        "2027-03-02 11:00",
        "2027-03-04 09:30",
        "2027-03-04 10:00",
        "2027-03-04 10:30",
        "2027-03-04 11:00",
    ]


def test_busy_in_the_organizers_zone_across_the_repeated_hour():
    # 02:30 the second time round (fold=1) is 01:30 UTC, after 02:45 the first time (00:45 UTC):
    # compared by wall clock these two would be in the wrong order.
    busy_local = [
        (local(STO, "2027-10-31 02:30", fold=1), local(STO, "2027-10-31 03:00")),
        (local(STO, "2027-10-31 02:45"), local(STO, "2027-10-31 02:50")),
    ]
    busy_utc = [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in busy_local]
    rules = far(30, 30)
    expected = one_day(STO, "2027-10-31", hours(("00:00", "05:00")), rules, busy_utc)
    got = one_day(STO, "2027-10-31", hours(("00:00", "05:00")), rules, busy_local)
    assert got == expected
    assert show(STO, got) == [
        "00:00+0200",
        "00:30+0200",
        "01:00+0200",
        "01:30+0200",
        "02:00+0200",
        "03:00+0100",
        "03:30+0100",
        "04:00+0100",
        "04:30+0100",
    ]


@pytest.mark.parametrize(
    "busy",
    [
        [(datetime(2027, 3, 1, 9), datetime(2027, 3, 1, 10))],
        [(datetime(2027, 3, 1, 9, tzinfo=UTC), datetime(2027, 3, 1, 10))],
    ],
)
def test_naive_busy_times_are_refused(busy):
    with pytest.raises(ValueError, match="aware"):
        one_day(STO, "2027-03-01", hours(("09:00", "12:00")), far(60), busy)


def test_naive_range_is_refused():
    availability = Availability(tz=STO, weekly=WEEKDAYS_9_TO_12)
    with pytest.raises(ValueError, match="start must be an aware datetime"):
        compute_slots(
            availability,
            [],
            far(60),
            start=datetime(2027, 3, 1),
            end=local(STO, "2027-03-02 00:00"),
            now=LONG_AGO,
        )


# -- overrides ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {},
            ["2027-03-01 09:00", "2027-03-01 10:00", "2027-03-01 11:00", "2027-03-02 09:00"],
        ),
        ({date(2027, 3, 1): []}, ["2027-03-02 09:00"]),
        (
            {date(2027, 3, 1): hours(("14:00", "16:00"))},
            ["2027-03-01 14:00", "2027-03-01 15:00", "2027-03-02 09:00"],
        ),
        (
            {date(2027, 3, 6): hours(("10:00", "11:00"))},  # a Saturday with no weekly hours
            [
                "2027-03-01 09:00",
                "2027-03-01 10:00",
                "2027-03-01 11:00",
                "2027-03-02 09:00",
                "2027-03-06 10:00",
            ],
        ),
    ],
    ids=["weekly", "day-off", "other-hours", "extra-day"],
)
def test_date_overrides(overrides, expected):
    availability = Availability(
        tz=STO,
        weekly={0: hours(("09:00", "12:00")), 1: hours(("09:00", "10:00"))},
        overrides=overrides,
    )
    slots = compute_slots(
        availability,
        [],
        far(60),
        start=local(STO, "2027-03-01 00:00"),
        end=local(STO, "2027-03-08 00:00"),
        now=LONG_AGO,
    )
    assert show_days(STO, slots) == expected


# -- notice, horizon, daily maximum ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "notice", "first"),
    [
        (local(STO, "2027-03-01 08:50"), 0, "09:00"),
        (local(STO, "2027-03-01 09:10"), 0, "09:30"),
        (local(STO, "2027-03-01 08:50"), 60, "10:00"),
        (local(STO, "2027-03-01 09:00"), 60, "10:00"),  # exactly now + notice is fine
        (local(STO, "2027-03-01 09:00:01"), 60, "10:30"),
        (local(STO, "2027-03-01 06:00").astimezone(NYC), 180, "09:00"),  # now in any zone
        (local(STO, "2027-03-01 09:00"), 24 * 60, None),
    ],
)
def test_minimum_notice(now, notice, first):
    slots = one_day(
        STO,
        "2027-03-01",
        hours(("09:00", "12:00")),
        far(30, 30, min_notice_minutes=notice),
        now=now,
    )
    assert (slots[0].astimezone(STO).strftime("%H:%M") if slots else None) == first


@pytest.mark.parametrize(
    ("now", "days_ahead", "expected_dates"),
    [
        (local(STO, "2027-03-01 08:00"), 0, ["2027-03-01"]),
        (local(STO, "2027-03-01 10:00"), 0, []),
        (local(STO, "2027-03-01 08:00"), 2, ["2027-03-01", "2027-03-02", "2027-03-03"]),
        # 23:30 UTC is already tomorrow in Stockholm: "today" is the organizer's date
        (datetime(2027, 3, 1, 23, 30, tzinfo=UTC), 1, ["2027-03-02", "2027-03-03"]),
        (local(STO, "2027-02-20 08:00"), 10, ["2027-03-01", "2027-03-02"]),
        (local(STO, "2027-02-20 08:00"), 9, ["2027-03-01"]),
        (local(STO, "2027-02-20 08:00"), 8, []),
    ],
)
def test_how_far_ahead(now, days_ahead, expected_dates):
    availability = Availability(tz=STO, weekly={day: hours(("09:00", "10:00")) for day in range(7)})
    slots = compute_slots(
        availability,
        [],
        Rules(duration_minutes=60, max_days_ahead=days_ahead),
        start=local(STO, "2027-03-01 00:00"),
        end=local(STO, "2027-03-06 00:00"),
        now=now,
    )
    assert [slot.astimezone(STO).date().isoformat() for slot in slots][:3] == expected_dates


@pytest.mark.parametrize(
    ("max_per_day", "booked", "expected_dates"),
    [
        (None, {}, ["2027-03-01", "2027-03-02"]),
        (None, {date(2027, 3, 1): 10}, ["2027-03-01", "2027-03-02"]),
        (2, {date(2027, 3, 1): 2}, ["2027-03-02"]),
        (2, {date(2027, 3, 1): 3, date(2027, 3, 2): 1}, ["2027-03-02"]),
        (2, {date(2027, 3, 1): 1}, ["2027-03-01", "2027-03-02"]),
        (2, None, ["2027-03-01", "2027-03-02"]),
        (0, {}, []),
    ],
)
def test_daily_maximum(max_per_day, booked, expected_dates):
    availability = Availability(
        tz=STO, weekly={0: hours(("09:00", "10:00")), 1: hours(("09:00", "10:00"))}
    )
    slots = compute_slots(
        availability,
        [],
        far(60, max_per_day=max_per_day),
        start=local(STO, "2027-03-01 00:00"),
        end=local(STO, "2027-03-03 00:00"),
        now=LONG_AGO,
        booked_per_day=booked,
    )
    assert [slot.astimezone(STO).date().isoformat() for slot in slots] == expected_dates


def test_daily_maximum_counts_the_organizers_local_date():
    availability = Availability(tz=KOL, weekly={0: hours(("01:00", "02:00"))})  # Sunday, in UTC
    slots = compute_slots(
        availability,
        [],
        far(60, max_per_day=1),
        start=datetime(2027, 2, 28, tzinfo=UTC),
        end=datetime(2027, 3, 2, tzinfo=UTC),
        now=LONG_AGO,
        booked_per_day={date(2027, 2, 28): 1},  # the UTC date: not the one that counts
    )
    assert slots == [datetime(2027, 2, 28, 19, 30, tzinfo=UTC)]


# -- step and range -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "step"),
    [(15, 15), (30, 30), (45, 45), (60, 60), (90, 60), (240, 60)],
)
def test_step_defaults_to_duration_up_to_an_hour(duration, step):
    assert Rules(duration_minutes=duration).step == step
    slots = one_day(STO, "2027-03-01", hours(("08:00", "20:00")), far(duration))
    assert {b - a for a, b in zip(slots, slots[1:], strict=False)} == {timedelta(minutes=step)}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2027-03-01 00:00", "2027-03-02 00:00", ["09:00", "10:00", "11:00"]),
        ("2027-03-01 10:00", "2027-03-01 11:00", ["10:00"]),  # start included, end excluded
        ("2027-03-01 10:00:01", "2027-03-01 11:00", []),
        ("2027-03-01 10:00", "2027-03-01 11:00:01", ["10:00", "11:00"]),
        ("2027-03-01 09:30", "2027-03-01 09:59", []),
        ("2027-03-01 11:00", "2027-03-01 10:00", []),
    ],
)
def test_start_and_end_filter_slots(start, end, expected):
    availability = Availability(tz=STO, weekly=WEEKDAYS_9_TO_12)
    slots = compute_slots(
        availability,
        [],
        far(60),
        start=local(STO, start),
        end=local(STO, end),
        now=LONG_AGO,
    )
    assert [slot.astimezone(STO).strftime("%H:%M") for slot in slots] == expected


# -- windows as text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "window"),
    [
        ("09:00", "17:00", (540, 1020)),
        ("9:30", "10:00", (570, 600)),
        ("00:00", "24:00", (0, 1440)),
        (" 22:00 ", "24:00", (1320, 1440)),
    ],
)
def test_parse_window(start, end, window):
    assert parse_window(start, end) == window


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("09:00", "24:30", "between 00:00 and 24:00"),
        ("09:60", "10:00", "between 00:00 and 24:00"),
        ("nine", "10:00", "not a time"),
        ("0900", "10:00", "not a time"),
        ("09:00", "", "not a time"),
        ("10:00", "09:00", "before the end"),
        ("10:00", "10:00", "before the end"),
        ("24:00", "24:00", "between"),
    ],
)
def test_parse_window_refuses(start, end, message):
    with pytest.raises(ValueError, match=message):
        parse_window(start, end)


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "00:00"), (545, "09:05"), (1439, "23:59"), (1440, "24:00")]
)
def test_format_minutes(minutes, text):
    assert format_minutes(minutes) == text


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_format_minutes_refuses(minutes):
    with pytest.raises(ValueError):
        format_minutes(minutes)


@pytest.mark.parametrize(
    "windows",
    [[], [(0, 1440)], [(540, 720), (720, 1020)], [(780, 840), (540, 600)], ((0, 1), (1439, 1440))],
)
def test_validate_windows_accepts(windows):
    validate_windows(windows)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([(600, 540)], "09:00: the start must be before the end"),
        ([(540, 540)], "the start must be before the end"),
        ([(-10, 60)], "between 00:00 and 24:00"),
        ([(0, 1441)], "between 00:00 and 24:00"),
        ([(1440, 1440)], "between 00:00 and 24:00"),
        ([(540, 720), (700, 800)], "09:00-12:00 and 11:40-13:20 overlap"),
        ([(700, 800), (540, 720)], "overlap"),
        ([(540, 1020), (600, 660)], "overlap"),
        ([(540, "600")], "pair of minute counts"),
        ([(540, 600.0)], "pair of minute counts"),
        ([(540,)], "pair of minute counts"),
        ([(True, 600)], "pair of minute counts"),
    ],
)
def test_validate_windows_refuses(windows, message):
    with pytest.raises(ValueError, match=message):
        validate_windows(windows)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_minutes": 0},
        {"duration_minutes": 30, "step_minutes": 0},
        {"duration_minutes": 30, "buffer_before_minutes": -5},
        {"duration_minutes": 30, "buffer_after_minutes": -5},
        {"duration_minutes": 30, "min_notice_minutes": -1},
        {"duration_minutes": 30, "max_days_ahead": -1},
        {"duration_minutes": 30, "max_per_day": -1},
    ],
)
def test_rules_refuse_nonsense(kwargs):
    with pytest.raises(ValueError):
        Rules(**kwargs)


# -- against a brute-force reference --------------------------------------------------------------


def _exists(tz: ZoneInfo, wall: datetime) -> bool:
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def _boundary(tz: ZoneInfo, day: date, minutes: int) -> datetime:
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    while not _exists(tz, wall):  # in a gap: the first wall-clock minute after it
        wall += timedelta(minutes=1)
    return wall.replace(tzinfo=tz).astimezone(UTC)


def reference_slots(availability, busy, rules, *, start, end, now, booked_per_day=None):
    """Return the slots by SPEC §4 the slow, obvious way: every candidate against every interval."""
    tz = availability.tz
    booked = booked_per_day or {}
    step = rules.step_minutes or min(rules.duration_minutes, 60)
    busy_utc = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in busy]
    earliest = now.astimezone(UTC) + timedelta(minutes=rules.min_notice_minutes)  # real time
    today = now.astimezone(tz).date()
    found = set()
    day = start.astimezone(tz).date() - timedelta(days=2)
    while day <= end.astimezone(tz).date() + timedelta(days=2):
        too_far = (day - today).days > rules.max_days_ahead
        full = rules.max_per_day is not None and booked.get(day, 0) >= rules.max_per_day
        windows = availability.overrides.get(day, availability.weekly.get(day.weekday(), []))
        for window_start, window_end in [] if too_far or full else windows:
            opens = _boundary(tz, day, window_start)
            closes = _boundary(tz, day, window_end)
            for minutes in range(window_start, window_end, step):
                wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
                if not _exists(tz, wall):
                    continue
                slot = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the first occurrence
                finish = slot + timedelta(minutes=rules.duration_minutes)
                padded_start = slot - timedelta(minutes=rules.buffer_before_minutes)
                padded_end = finish + timedelta(minutes=rules.buffer_after_minutes)
                if (
                    opens <= slot
                    and finish <= closes
                    and slot >= earliest
                    and start <= slot < end
                    and not any(s < e and s < padded_end and padded_start < e for s, e in busy_utc)
                ):
                    found.add(slot)
        day += timedelta(days=1)
    return sorted(found)


# Dates around offset changes, where bugs live.
ANCHORS = [
    (STO, date(2027, 3, 28)),
    (STO, date(2027, 10, 31)),
    (STO, date(2027, 6, 14)),
    (NYC, date(2027, 3, 14)),
    (NYC, date(2027, 11, 7)),
    (ADL, date(2027, 4, 4)),
    (ADL, date(2027, 10, 3)),
    (LHI, date(2027, 4, 4)),
    (LHI, date(2027, 10, 3)),
    (KOL, date(2027, 1, 15)),
    (SCL, date(2027, 4, 4)),
    (SCL, date(2027, 9, 5)),
    (APIA, date(2011, 12, 30)),
]


def _random_windows(rng: random.Random, grain: int) -> list[tuple[int, int]]:
    edges = sorted(rng.sample(range(0, 1441, grain), 2 * rng.randint(1, 3)))
    windows = list(zip(edges[::2], edges[1::2], strict=True))
    if len(windows) > 1 and rng.random() < 0.3:  # back to back, as in 09:00-12:00, 12:00-17:00
        windows[1] = (windows[0][1], windows[1][1])
    if rng.random() < 0.1:  # unvalidated overlapping hours must not produce duplicates
        windows.append((windows[0][0], min(1440, windows[0][1] + 60)))
    return windows


def _random_instant(rng: random.Random, tz: ZoneInfo, around: datetime) -> datetime:
    instant = around + timedelta(minutes=rng.randrange(-3 * 1440, 6 * 1440, rng.choice([1, 5, 15])))
    zone = rng.choice([UTC, tz, tz, timezone(timedelta(hours=rng.randint(-12, 14)))])
    moved = instant.astimezone(zone)
    if zone is tz and rng.random() < 0.5:
        moved = moved.replace(fold=1 - moved.fold)  # lands on the other side of a repeated hour
    return moved


def random_case(seed: int):
    rng = random.Random(seed)
    tz, anchor = ANCHORS[seed % len(ANCHORS)]
    grain = rng.choice([5, 15, 30, 60])
    weekly = {day: _random_windows(rng, grain) for day in range(7) if rng.random() < 0.8}
    overrides = {
        anchor + timedelta(days=rng.randint(-3, 3)): (
            [] if rng.random() < 0.3 else _random_windows(rng, grain)
        )
        for _ in range(rng.randint(0, 3))
    }
    middle = datetime.combine(anchor, time(12), tz)
    busy = []
    for _ in range(rng.randint(0, 30)):
        begin = _random_instant(rng, tz, middle)
        length = timedelta(minutes=rng.choice([0, 5, 15, 30, 30, 60, 60, 90, 180, 600, 3000, -30]))
        busy.append((begin, begin + length))
    duration = rng.choice([5, 15, 20, 30, 45, 60, 90, 120, 240])
    rules = Rules(
        duration_minutes=duration,
        step_minutes=rng.choice([None, None, 5, 10, 15, 20, 30, 60]),
        buffer_before_minutes=rng.choice([0, 0, 5, 15, 30, 120]),
        buffer_after_minutes=rng.choice([0, 0, 5, 15, 30, 120]),
        min_notice_minutes=rng.choice([0, 0, 0, 30, 240, 1440]),
        max_days_ahead=rng.choice([0, 1, 3, 7, 60, 60, 60]),
        max_per_day=rng.choice([None, None, None, 0, 1, 2]),
    )
    booked = {anchor + timedelta(days=rng.randint(-3, 3)): rng.randint(0, 3) for _ in range(3)}
    start = middle - timedelta(minutes=rng.randrange(0, 4 * 1440), seconds=rng.choice([0, 0, 7]))
    now = start - timedelta(minutes=rng.randrange(-720, 2 * 1440), microseconds=rng.randrange(2))
    end = start + timedelta(minutes=rng.randrange(1, 8 * 1440))
    availability = Availability(tz=tz, weekly=weekly, overrides=overrides)
    kwargs = {"start": start, "end": end, "now": now, "booked_per_day": booked}
    return availability, busy, rules, kwargs


@pytest.mark.parametrize("seed", range(150))
def test_sweep_matches_brute_force(seed):
    availability, busy, rules, kwargs = random_case(seed)
    expected = reference_slots(availability, busy, rules, **kwargs)
    assert compute_slots(availability, busy, rules, **kwargs) == expected


def test_brute_force_cases_are_not_trivial():
    sizes = []
    for seed in range(40):
        availability, busy, rules, kwargs = random_case(seed)
        sizes.append(len(reference_slots(availability, busy, rules, **kwargs)))
    assert sum(size > 0 for size in sizes) >= 20
    assert max(sizes) >= 50


@pytest.mark.parametrize("seed", range(40))
def test_is_slot_free_agrees_with_compute_slots(seed):
    availability, busy, rules, kwargs = random_case(seed)
    slots = compute_slots(availability, busy, rules, **kwargs)
    now, booked = kwargs["now"], kwargs["booked_per_day"]
    rng = random.Random(seed)
    tries = list(slots)
    tries += [kwargs["start"] + timedelta(minutes=rng.randrange(0, 4000)) for _ in range(60)]
    tries += [slot + timedelta(seconds=1) for slot in slots[:5]]
    tries += [slot.astimezone(availability.tz) for slot in slots[:5]]  # any zone, folds kept
    within = [t for t in tries if kwargs["start"] <= t < kwargs["end"]]
    wanted = set(slots)
    for candidate in within:
        answer = is_slot_free(availability, busy, rules, candidate, now=now, booked_per_day=booked)
        # == between zones is False for a repeated wall time (PEP 495): compare instants
        assert answer == (candidate.astimezone(UTC) in wanted), candidate


def test_is_slot_free_in_the_repeated_hour():
    availability = Availability(tz=STO, weekly={6: hours(("00:00", "05:00"))})
    rules = far(30, 30)
    first = local(STO, "2027-10-31 02:30")  # 00:30 UTC, a slot
    second = local(STO, "2027-10-31 02:30", fold=1)  # 01:30 UTC, not one
    assert is_slot_free(availability, [], rules, first, now=LONG_AGO)
    assert not is_slot_free(availability, [], rules, second, now=LONG_AGO)
    assert not is_slot_free(availability, [], rules, first + timedelta(minutes=1), now=LONG_AGO)
    busy = [(first.astimezone(UTC), first.astimezone(UTC) + timedelta(minutes=5))]
    assert not is_slot_free(availability, busy, rules, first, now=LONG_AGO)


# -- purity ---------------------------------------------------------------------------------------

_LOADED_WEB_MODULES = (
    "import sys; print(sorted(name for name in sys.modules "
    "if name.split('.')[0] in {'flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'}))"
)


def test_availability_module_imports_only_the_standard_library():
    path = str(ROOT / "bwm" / "domain" / "availability.py")
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('standalone', {path!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n" + _LOADED_WEB_MODULES
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_importing_the_engine_does_not_import_flask_or_sqlalchemy():
    code = "import bwm.domain.availability\n" + _LOADED_WEB_MODULES
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
