"""Caps per ISO week and calendar month, and a type's lengths, in the engine (SPEC §9): plain
values in, UTC slot starts out; no app."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bwm.domain.availability import (
    Availability,
    Rules,
    compute_slots,
    durations_of,
    is_slot_free,
    open_days,
    parse_window,
)

STO = ZoneInfo("Europe/Stockholm")
NYC = ZoneInfo("America/New_York")
AKL = ZoneInfo("Pacific/Auckland")  # UTC+13 in March: local Monday morning is Sunday in UTC
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def hours(*pairs: tuple[str, str]) -> list[tuple[int, int]]:
    return [parse_window(start, end) for start, end in pairs]


def d(text: str) -> date:
    return date.fromisoformat(text)


def rules(duration: int = 60, step: int | None = None, **caps) -> Rules:
    return Rules(duration_minutes=duration, step_minutes=step, max_days_ahead=100_000, **caps)


def slot_dates(tz, weekly, rules_, first, last, booked):
    """The organizer-local dates that offer a slot from first to last (inclusive)."""
    found = compute_slots(
        Availability(tz=tz, weekly=weekly),
        [],
        rules_,
        start=datetime.combine(d(first), time(), tz),
        end=datetime.combine(d(last) + timedelta(days=1), time(), tz),
        now=LONG_AGO,
        booked_per_day={d(day): n for day, n in booked.items()},
    )
    return sorted({slot.astimezone(tz).date().isoformat() for slot in found})


def days(first: str, last: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    out, day = [], d(first)
    while day <= d(last):
        if day.isoformat() not in skip:
            out.append(day.isoformat())
        day += timedelta(days=1)
    return out


EVERY_DAY_9_TO_10 = {weekday: hours(("09:00", "10:00")) for weekday in range(7)}


# -- weeks ----------------------------------------------------------------------------------------


# 2027-03-01 is a Monday; its ISO week runs to Sunday 2027-03-07.
@pytest.mark.parametrize(
    ("caps", "booked", "expected"),
    [
        # No cap: counts close nothing.
        ({}, {"2027-03-01": 9}, days("2027-03-01", "2027-03-14")),
        # Under the cap: every date open.
        ({"max_per_week": 2}, {"2027-03-01": 1}, days("2027-03-01", "2027-03-14")),
        # At the cap: the whole week closes, the bookings' own date and every other one.
        ({"max_per_week": 2}, {"2027-03-01": 1, "2027-03-05": 1}, days("2027-03-08", "2027-03-14")),
        # On the week's last day (Sunday): that week closes, Monday's opens afresh.
        ({"max_per_week": 2}, {"2027-03-07": 2}, days("2027-03-08", "2027-03-14")),
        # On the next week's Monday: only the second week closes.
        ({"max_per_week": 2}, {"2027-03-08": 2}, days("2027-03-01", "2027-03-07")),
        # Over the cap (booked before it was lowered) closes as at it.
        ({"max_per_week": 1}, {"2027-03-10": 3}, days("2027-03-01", "2027-03-07")),
        # Zero: nothing at all.
        ({"max_per_week": 0}, {}, []),
        # With a daily cap too: each closes what it closes.
        (
            {"max_per_week": 3, "max_per_day": 1},
            {"2027-03-02": 1, "2027-03-09": 1, "2027-03-10": 1, "2027-03-11": 1},
            days("2027-03-01", "2027-03-07", skip=("2027-03-02",)),
        ),
    ],
)
def test_week_cap(caps, booked, expected):
    found = slot_dates(STO, EVERY_DAY_9_TO_10, rules(**caps), "2027-03-01", "2027-03-14", booked)
    assert found == expected


def test_week_is_the_organizers_local_week():
    # Monday 08:00 in Auckland is Sunday 19:00 UTC: the slot belongs to the organizer's new week.
    weekly = {0: hours(("08:00", "09:00")), 6: hours(("08:00", "09:00"))}
    found = compute_slots(
        Availability(tz=AKL, weekly=weekly),
        [],
        rules(max_per_week=1),
        start=datetime(2027, 3, 6, tzinfo=UTC),
        end=datetime(2027, 3, 9, tzinfo=UTC),
        now=LONG_AGO,
        booked_per_day={d("2027-03-07"): 1},  # Sunday in Auckland: its week is full
    )
    assert found == [datetime(2027, 3, 7, 19, 0, tzinfo=UTC)]  # Monday 2027-03-08 08:00 +13
    assert found[0].date() == d("2027-03-07")  # a Sunday in UTC, still open


# Weeks holding an offset change. The Sunday's hours straddle it (and end at 24:00, after it).
DST_WEEKS = [
    # zone, Monday, the Sunday of the change, its hours, the slots that Sunday offers (local)
    (STO, "2027-03-22", "2027-03-28", ("01:00", "04:00"), ["01:00+0100", "03:00+0200"]),
    (
        STO,
        "2027-10-25",
        "2027-10-31",
        ("01:00", "04:00"),
        ["01:00+0200", "02:00+0200", "03:00+0100"],
    ),
    (NYC, "2027-03-08", "2027-03-14", ("01:00", "04:00"), ["01:00-0500", "03:00-0400"]),
    (
        NYC,
        "2027-11-01",
        "2027-11-07",
        ("00:00", "03:00"),
        ["00:00-0400", "01:00-0400", "02:00-0500"],
    ),
]


@pytest.mark.parametrize(("tz", "monday", "sunday", "window", "sunday_slots"), DST_WEEKS)
def test_week_spanning_a_dst_change(tz, monday, sunday, window, sunday_slots):
    weekly = {0: hours(("09:00", "10:00")), 6: hours(window, ("23:00", "24:00"))}
    first, last = d(monday), d(monday) + timedelta(days=13)  # the change's week and the next

    def sundays(booked):
        found = compute_slots(
            Availability(tz=tz, weekly=weekly),
            [],
            rules(60, max_per_week=1),
            start=datetime.combine(first, time(), tz),
            end=datetime.combine(last + timedelta(days=1), time(), tz),
            now=LONG_AGO,
            booked_per_day=booked,
        )
        local = [slot.astimezone(tz) for slot in found]
        return {
            day: [s.strftime("%H:%M%z") for s in local if s.date().isoformat() == day]
            for day in sorted({s.date().isoformat() for s in local})
        }

    next_monday = (d(monday) + timedelta(days=7)).isoformat()
    next_sunday = (d(sunday) + timedelta(days=7)).isoformat()
    open_weeks = sundays({})
    assert open_weeks[sunday] == [*sunday_slots, "23:00" + open_weeks[sunday][-1][-5:]]
    assert list(open_weeks) == [monday, sunday, next_monday, next_sunday]
    # The change's Monday booked: its Sunday closes, before and after the change alike.
    assert list(sundays({d(monday): 1})) == [next_monday, next_sunday]
    # Its Sunday booked (at 23:00, after the change): its Monday closes too; the next week opens.
    assert list(sundays({d(sunday): 1})) == [next_monday, next_sunday]
    # The next Monday booked: the change's week stays open.
    assert list(sundays({d(next_monday): 1})) == [monday, sunday]


@pytest.mark.parametrize(
    ("caps", "booked", "expected"),
    [
        # The ISO week of Monday 2027-05-31 runs to Sunday 2027-06-06: bookings in May and in
        # June both count for it.
        ({"max_per_week": 2}, {"2027-05-31": 1, "2027-06-01": 1}, days("2027-05-24", "2027-05-30")),
        ({"max_per_week": 2}, {"2027-05-31": 1}, days("2027-05-24", "2027-06-06")),
        # The months count apart: one each is no month's two.
        (
            {"max_per_month": 2},
            {"2027-05-31": 1, "2027-06-01": 1},
            days("2027-05-24", "2027-06-06"),
        ),
        # May full: its last Monday closes, the week's June days stay open.
        (
            {"max_per_month": 2},
            {"2027-05-03": 1, "2027-05-31": 1},
            days("2027-06-01", "2027-06-06"),
        ),
        # June full: the week's May day (Monday) and the week before stay open.
        ({"max_per_month": 1}, {"2027-06-30": 1}, days("2027-05-24", "2027-05-31")),
        # Both caps: whichever is reached closes.
        (
            {"max_per_week": 3, "max_per_month": 2},
            {"2027-05-25": 1, "2027-06-02": 2},
            days("2027-05-24", "2027-05-31"),
        ),
    ],
)
def test_week_spanning_a_month_end(caps, booked, expected):
    found = slot_dates(STO, EVERY_DAY_9_TO_10, rules(**caps), "2027-05-24", "2027-06-06", booked)
    assert found == expected


# -- months ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_per_month", "booked", "expected"),
    [
        (None, {"2027-02-01": 50}, days("2027-02-26", "2027-03-03")),
        (3, {"2027-02-01": 2}, days("2027-02-26", "2027-03-03")),
        # February full (on its first day): its last days close, March opens.
        (3, {"2027-02-01": 2, "2027-02-28": 1}, days("2027-03-01", "2027-03-03")),
        # March full (on a date outside the range shown): its first days close.
        (1, {"2027-03-31": 1}, days("2027-02-26", "2027-02-28")),
        (0, {}, []),
    ],
)
def test_month_cap(max_per_month, booked, expected):
    found = slot_dates(
        STO,
        EVERY_DAY_9_TO_10,
        rules(max_per_month=max_per_month),
        "2027-02-26",
        "2027-03-03",
        booked,
    )
    assert found == expected


def test_month_is_the_organizers_local_month():
    # 23:30 on 31 March in New York is 03:30 on 1 April in UTC: it is March's, for the cap.
    weekly = {2: hours(("23:30", "24:00")), 3: hours(("23:30", "24:00"))}
    found = compute_slots(
        Availability(tz=NYC, weekly=weekly),
        [],
        rules(30, max_per_month=1),
        start=datetime(2027, 3, 31, tzinfo=UTC),
        end=datetime(2027, 4, 3, tzinfo=UTC),
        now=LONG_AGO,
        booked_per_day={d("2027-03-03"): 1},  # March is full
    )
    assert found == [datetime(2027, 4, 2, 3, 30, tzinfo=UTC)]  # Thursday 1 April, 23:30 EDT


def test_is_slot_free_honours_the_caps():
    availability = Availability(tz=STO, weekly=EVERY_DAY_9_TO_10)
    slot = datetime(2027, 3, 3, 9, 0, tzinfo=STO)
    for caps, booked, free in [
        ({"max_per_week": 2}, {d("2027-03-01"): 1}, True),
        ({"max_per_week": 2}, {d("2027-03-01"): 1, d("2027-03-07"): 1}, False),
        ({"max_per_month": 2}, {d("2027-03-31"): 2}, False),
        ({"max_per_month": 2}, {d("2027-02-28"): 2}, True),
    ]:
        answer = is_slot_free(
            availability, [], rules(**caps), slot, now=LONG_AGO, booked_per_day=booked
        )
        assert answer is free, (caps, booked)


@pytest.mark.parametrize("name", ["max_per_week", "max_per_month"])
def test_negative_caps_are_refused(name):
    with pytest.raises(ValueError, match=name):
        Rules(duration_minutes=30, **{name: -1})


def test_no_caps_means_no_day_test():
    assert open_days(Rules(duration_minutes=30), {d("2027-03-01"): 5}) is None


# -- caps against the obvious rule ----------------------------------------------------------------


def _obviously_open(day: date, booked: dict[date, int], caps: dict) -> bool:
    """A date is open unless its date's, ISO week's or month's bookings reached a cap."""
    week = sum(n for other, n in booked.items() if other.isocalendar()[:2] == day.isocalendar()[:2])
    month = sum(
        n for other, n in booked.items() if (other.year, other.month) == (day.year, day.month)
    )
    return all(
        (
            caps.get("max_per_day") is None or booked.get(day, 0) < caps["max_per_day"],
            caps.get("max_per_week") is None or week < caps["max_per_week"],
            caps.get("max_per_month") is None or month < caps["max_per_month"],
        )
    )


ANCHORS = [
    (STO, date(2027, 3, 28)),
    (STO, date(2027, 10, 31)),
    (NYC, date(2027, 3, 14)),
    (NYC, date(2027, 11, 7)),
    (STO, date(2027, 12, 29)),  # ISO week 52 runs into the new year
    (NYC, date(2026, 12, 31)),  # ISO week 53 of 2026
    (AKL, date(2027, 4, 4)),
]


@pytest.mark.parametrize("seed", range(60))
def test_caps_agree_with_the_obvious_rule(seed):
    rng = random.Random(seed)
    tz, anchor = ANCHORS[seed % len(ANCHORS)]
    weekly = {
        weekday: hours(("00:00", "02:30"), ("22:00", "24:00"))
        if rng.random() < 0.3
        else hours(("09:00", "12:00"))
        for weekday in range(7)
        if rng.random() < 0.85
    }
    caps = {
        name: rng.choice([None, None, 0, 1, 2, 3, 5])
        for name in ("max_per_day", "max_per_week", "max_per_month")
    }
    booked = {
        anchor + timedelta(days=rng.randint(-40, 40)): rng.randint(1, 3)
        for _ in range(rng.randint(0, 12))
    }
    duration = rng.choice([15, 30, 60, 90])
    start = datetime.combine(anchor - timedelta(days=rng.randint(0, 20)), time(), tz)
    end = start + timedelta(days=rng.randint(1, 35), minutes=rng.randrange(0, 1440, 15))
    availability = Availability(tz=tz, weekly=weekly)
    kwargs = {"start": start, "end": end, "now": LONG_AGO}
    uncapped = compute_slots(availability, [], rules(duration), **kwargs)
    capped = compute_slots(
        availability, [], rules(duration, **caps), booked_per_day=booked, **kwargs
    )
    expected = [s for s in uncapped if _obviously_open(s.astimezone(tz).date(), booked, caps)]
    assert capped == expected
    for slot in capped[:3] + uncapped[-3:]:
        assert is_slot_free(
            availability, [], rules(duration, **caps), slot, now=LONG_AGO, booked_per_day=booked
        ) == (slot in expected)


# -- lengths --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("default", "durations", "expected"),
    [
        (30, [], [30]),
        (30, None, [30]),
        (30, [60, 30, 15], [15, 30, 60]),
        (45, [15, 90], [15, 45, 90]),
        (30, [30, 30], [30]),
    ],
)
def test_durations_of(default, durations, expected):
    assert durations_of(default, durations) == expected


def on(tz, day: str, windows, duration, step=None, busy=()):
    """The local starts ("HH:MM+zzzz") of one date whose hours are given as an override."""
    local_day = d(day)
    found = compute_slots(
        Availability(tz=tz, weekly={}, overrides={local_day: windows}),
        list(busy),
        rules(duration, step),
        start=datetime.combine(local_day, time(), tz),
        end=datetime.combine(local_day + timedelta(days=1), time(), tz),
        now=LONG_AGO,
    )
    return [slot.astimezone(tz).strftime("%H:%M%z") for slot in found]


BUSY_10_30 = [(datetime(2027, 3, 1, 10, 30, tzinfo=STO), datetime(2027, 3, 1, 11, 0, tzinfo=STO))]


@pytest.mark.parametrize(
    ("day", "windows", "duration", "step", "busy", "expected"),
    [
        # The longer the meeting, the fewer starts fit before the window's end.
        ("2027-03-01", hours(("09:00", "11:00")), 30, 30, (), ["09:00", "09:30", "10:00", "10:30"]),
        ("2027-03-01", hours(("09:00", "11:00")), 60, 30, (), ["09:00", "09:30", "10:00"]),
        ("2027-03-01", hours(("09:00", "11:00")), 90, 30, (), ["09:00", "09:30"]),
        ("2027-03-01", hours(("09:00", "11:00")), 120, 30, (), ["09:00"]),
        ("2027-03-01", hours(("09:00", "11:00")), 150, 30, (), []),
        # ... and before busy time.
        ("2027-03-01", hours(("09:00", "11:00")), 30, 30, BUSY_10_30, ["09:00", "09:30", "10:00"]),
        ("2027-03-01", hours(("09:00", "11:00")), 60, 30, BUSY_10_30, ["09:00", "09:30"]),
        ("2027-03-01", hours(("09:00", "11:00")), 90, 30, BUSY_10_30, ["09:00"]),
        # Without a step of its own, each length steps by itself (up to an hour).
        ("2027-03-01", hours(("09:00", "10:00")), 20, None, (), ["09:00", "09:20", "09:40"]),
        ("2027-03-01", hours(("09:00", "11:00")), 45, None, (), ["09:00", "09:45"]),
        ("2027-03-01", hours(("09:00", "11:00")), 90, None, (), ["09:00"]),
        # Over the spring-forward gap the window is two real hours long, not three.
        ("2027-03-28", hours(("01:00", "04:00")), 60, 60, (), ["01:00", "03:00"]),
        ("2027-03-28", hours(("01:00", "04:00")), 120, 60, (), ["01:00"]),
        ("2027-03-28", hours(("01:00", "04:00")), 180, 60, (), []),
        # Over the fall-back the window is four real hours long.
        ("2027-10-31", hours(("01:00", "04:00")), 240, 60, (), ["01:00"]),
    ],
)
def test_the_length_decides_which_starts_fit(day, windows, duration, step, busy, expected):
    assert [s[:5] for s in on(STO, day, windows, duration, step, busy)] == expected
