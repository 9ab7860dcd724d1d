"""Turn weekly hours, date overrides and busy time into bookable slot starts (SPEC §4).

Pure Python (stdlib and zoneinfo only): the caller passes ``now`` and every other input, so this
module never reads the clock, the config or the database.

Wall-clock times to instants
----------------------------
Hours are wall-clock minutes in the organizer's zone on one local date; 1440 (24:00) is the next
local midnight. A wall-clock time becomes a UTC instant like this:

* it exists once: that instant;
* it occurs twice (fall back): its first occurrence (``fold=0``);
* it does not exist (the spring-forward gap): the instant the gap ends, i.e. the transition.
  zoneinfo tells us the time is in a gap when ``fold=0`` and ``fold=1`` give a smaller and a larger
  offset; the transition then lies in ``(wall - later_offset, wall - earlier_offset]`` and is found
  by bisecting that interval on the zone's offset, to the second.

A window is then the real interval between its two boundaries, so a window over the gap is shorter
in real time than on the clock. Candidate starts step in wall-clock time from the window's start;
each is mapped by the same rule except that times in a gap are skipped rather than moved. Days
whose local midnights both exist once and have the same offset are assumed to have no offset change
in between (true of every tzdata zone: changes are months apart), so one offset serves the whole
day and candidates are plain integer ranges. Other days take a slower path that finds the
transition inside each window.

Caps and lengths
----------------
``booked_per_day`` counts a type's bookings per local date of the organizer. A date offers
nothing once its own count, its ISO week's (Monday to Sunday, local dates) or its calendar month's
reaches that cap; the caller counts every date of each week and month the range touches when those
caps are set, or a week cut by the range's edge would look emptier than it is. A type with several
lengths is asked once per length: the rules carry one duration, and it decides which starts fit.

Busy time
---------
Busy intervals are half-open ``[start, end)`` in any zone; one that is empty or backwards
(``end <= start``) blocks nothing. A meeting padded by its buffers may touch busy time, not
overlap it.

Cost
----
Busy intervals are sorted once by start, as datetimes: turning thousands of them into numbers would
cost more than the sort. They are first checked to use fixed-offset zones, where comparisons are
cheap and exact; any other zone is moved to UTC. They are never merged: a candidate is free when the
latest end among the intervals starting before its padded end is at or before its padded start. So
each window's run of candidates bisects to its place in the sorted list, takes the latest end of
what came before with one C-level ``max`` over the part not seen yet, then moves a pointer through
the intervals that start inside it, jumping past the candidates that busy time covers. Each interval
is looked at a bounded number of times: one sort plus linear passes, no scan of the busy list per
slot.
"""

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import accumulate, chain, pairwise, repeat
from math import ceil
from operator import attrgetter, countOf, itemgetter
from zoneinfo import ZoneInfo

__all__ = [
    "Availability",
    "Rules",
    "Window",
    "compute_slots",
    "durations_of",
    "format_minutes",
    "is_slot_free",
    "open_days",
    "parse_window",
    "validate_windows",
]

Window = tuple[int, int]

MINUTES_PER_DAY = 1440
_DAY = 86400
_ONE_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MIDNIGHT = time(0)
_MIDNIGHT_LATER = time(0, fold=1)
_FIRST_DAY = date.min + timedelta(days=2)  # keep date arithmetic away from the calendar's ends
_LAST_DAY = date.max - timedelta(days=2)
_first = itemgetter(0)
_second = itemgetter(1)
_tzinfo = attrgetter("tzinfo")


@dataclass(frozen=True)
class Rules:
    """The booking rules of one meeting type, in minutes."""

    duration_minutes: int
    step_minutes: int | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_minutes: int = 0
    max_days_ahead: int = 60
    max_per_day: int | None = None
    # Caps on the type's bookings in the organizer's local ISO week (Monday to Sunday) and
    # calendar month; booked_per_day must then count every date of those weeks and months.
    max_per_week: int | None = None
    max_per_month: int | None = None

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValueError("the duration must be at least one minute")
        if self.step_minutes is not None and self.step_minutes <= 0:
            raise ValueError("the step between start times must be at least one minute")
        for name in (
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "max_days_ahead",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("max_per_day", "max_per_week", "max_per_month"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def step(self) -> int:
        """Return the step between candidate starts in minutes (default: min(duration, 60))."""
        if self.step_minutes is not None:
            return self.step_minutes
        return min(self.duration_minutes, 60)


def durations_of(duration_minutes: int, durations_minutes: Iterable[int] | None) -> list[int]:
    """The lengths an attendee may choose from, shortest first: the default one at least."""
    return sorted(set(durations_minutes or ()) | {duration_minutes})


@dataclass(frozen=True)
class Availability:
    """The organizer's hours: a weekly pattern (0 = Monday) and per-date overrides."""

    tz: ZoneInfo
    weekly: Mapping[int, Sequence[Window]]
    overrides: Mapping[date, Sequence[Window]] = field(default_factory=dict)

    def windows_on(self, day: date) -> Sequence[Window]:
        """Return the windows that apply on one local date."""
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


# -- windows as text ------------------------------------------------------------------------------


def _l(template: str) -> str:
    """Mark a message for the catalogues; it is translated where it is shown."""
    return template


class WindowError(ValueError):
    """A window that can't be, with its message's template and values (to be translated)."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template % values)
        self.template = template
        self.values = values


def _parse_hhmm(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if (
        not sep
        or not (1 <= len(hours) <= 2 and hours.isdigit())
        or not (len(minutes) == 2 and minutes.isdigit())
    ):
        raise WindowError(_l("%(text)s is not a time like 09:00"), text=repr(text))
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise WindowError(_l("%(text)s is not a time between 00:00 and 24:00"), text=repr(text))
    return value


def parse_window(text_start: str, text_end: str) -> Window:
    """Parse two "HH:MM" times ("24:00" allowed as an end) into a validated window."""
    window = (_parse_hhmm(text_start), _parse_hhmm(text_end))
    validate_windows([window])
    return window


def format_minutes(minutes: int) -> str:
    """Format minutes since midnight as "HH:MM" (1440 is "24:00")."""
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"{minutes} is not between 0 and {MINUTES_PER_DAY} minutes")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def validate_windows(windows: Iterable[Window]) -> None:
    """Raise ValueError unless every window is in range, non-empty and none overlap."""
    checked: list[Window] = []
    for window in windows:
        if len(window) != 2 or not all(
            isinstance(m, int) and not isinstance(m, bool) for m in window
        ):
            raise ValueError(f"{window!r} is not a pair of minute counts")
        start, end = window
        if not 0 <= start < MINUTES_PER_DAY or not 0 < end <= MINUTES_PER_DAY:
            raise WindowError(
                _l("%(window)s: hours must lie between 00:00 and 24:00"), window=f"{start}-{end}"
            )
        if start >= end:
            raise WindowError(
                _l("%(window)s: the start must be before the end"),
                window=f"{format_minutes(start)}-{format_minutes(end)}",
            )
        checked.append((start, end))
    checked.sort()
    for (start1, end1), (start2, end2) in pairwise(checked):
        if start2 < end1:
            raise WindowError(
                _l("%(first)s and %(second)s overlap"),
                first=f"{format_minutes(start1)}-{format_minutes(end1)}",
                second=f"{format_minutes(start2)}-{format_minutes(end2)}",
            )


# -- wall clock to UTC ----------------------------------------------------------------------------


def _offsets(tz: ZoneInfo, wall: int) -> tuple[int, int]:
    """Return the UTC offsets in seconds (fold=0, fold=1) of a naive wall-clock epoch second."""
    local = (_NAIVE_EPOCH + timedelta(seconds=wall)).replace(tzinfo=tz)
    return (
        local.utcoffset() // _SECOND,
        local.replace(fold=1).utcoffset() // _SECOND,
    )


def _midnight_offsets(tz: ZoneInfo, day: date) -> tuple[timedelta | None, timedelta | None]:
    """Return the UTC offsets (fold=0, fold=1) of a local midnight."""
    return (
        datetime.combine(day, _MIDNIGHT, tz).utcoffset(),
        datetime.combine(day, _MIDNIGHT_LATER, tz).utcoffset(),
    )


def _offset_at(tz: ZoneInfo, instant: int) -> int:
    return datetime.fromtimestamp(instant, tz).utcoffset() // _SECOND


def _transition(tz: ZoneInfo, before: int, after: int) -> int:
    """Return the first instant in (before, after] whose offset differs from that at before."""
    offset = _offset_at(tz, before)
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_at(tz, middle) == offset:
            before = middle
        else:
            after = middle
    return after


def _boundary_to_utc(tz: ZoneInfo, wall: int) -> int:
    """Map a window boundary to an instant: first occurrence, or the gap's end."""
    early, late = _offsets(tz, wall)
    if early >= late:  # exists once, or twice and fold=0 is the first occurrence
        return wall - early
    return _transition(tz, wall - late, wall - early)


def _uniform_range(first_wall: int, offset: int, step: int, lowest: int, highest: int) -> range:
    """Return the starts first_wall - offset + k*step that lie in [lowest, highest]."""
    first = first_wall - offset
    if first < lowest:
        first += -((first - lowest) // step) * step
    return range(first, highest + 1, step)


def _window_starts_slow(
    tz: ZoneInfo,
    wall_start: int,
    wall_end: int,
    step: int,
    duration: int,
    lowest: int,
    highest: int,
) -> list[range]:
    """Return the candidate starts of a window on a day with an offset change."""
    utc_start = _boundary_to_utc(tz, wall_start)
    utc_end = _boundary_to_utc(tz, wall_end)
    lowest = max(lowest, utc_start)
    highest = min(highest, utc_end - duration)
    if highest < lowest:
        return []
    offset_start = _offset_at(tz, utc_start)
    offset_end = _offset_at(tz, utc_end)
    if offset_start == offset_end:
        runs = [_uniform_range(wall_start, offset_start, step, lowest, highest)]
        return [run for run in runs if run]
    change = _transition(tz, utc_start, utc_end)
    # Walls before change + offset_start keep the old offset; that includes the first occurrence
    # of a repeated time. Walls from change + offset_end on take the new one; the walls between
    # (spring forward) do not exist and fall in neither range.
    walls_before = change + offset_start
    walls_after = max(change + offset_end, walls_before)
    runs = [
        _uniform_range(wall_start, offset_start, step, lowest, min(highest, change - 1)),
        _uniform_range(
            wall_start, offset_end, step, max(lowest, walls_after - offset_end), highest
        ),
    ]
    return [run for run in runs if run]


# -- the engine -----------------------------------------------------------------------------------


def _aware_ts(value: datetime, name: str) -> float:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.timestamp()


def _sorted_busy(busy: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Return the busy intervals sorted by start, in zones whose comparisons are exact."""
    if not isinstance(busy, (list, tuple)):
        busy = list(busy)
    if not busy:
        return []
    # Two datetimes sharing a tzinfo compare by wall clock (PEP 495), which is wrong across a fall
    # back in a zone like Europe/Stockholm. Fixed offsets are safe; anything else goes to UTC.
    first_zone = busy[0][0].tzinfo
    same_zone = countOf(map(_tzinfo, chain.from_iterable(busy)), first_zone) == 2 * len(busy)
    if not same_zone or type(first_zone) is not timezone:
        zones = set(map(_tzinfo, chain.from_iterable(busy)))
        if None in zones:
            raise ValueError("busy intervals must use aware datetimes")
        if not all(type(zone) is timezone for zone in zones):
            busy = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in busy]
    return sorted(busy, key=_first)


def _week_of(day: date) -> date:
    """The Monday that starts the ISO week of a date."""
    return day - timedelta(days=day.weekday())


def open_days(rules: Rules, booked: Mapping[date, int]) -> Callable[[date], bool] | None:
    """Return a test of whether a local date is under every cap of the rules (None: no caps).

    A date is closed when the bookings of that date, of its ISO week or of its calendar month
    have reached the cap on it.
    """
    per_day, per_week, per_month = rules.max_per_day, rules.max_per_week, rules.max_per_month
    if per_day is None and per_week is None and per_month is None:
        return None
    weeks: Counter[date] = Counter()
    months: Counter[tuple[int, int]] = Counter()
    for day, count in booked.items():
        weeks[_week_of(day)] += count
        months[day.year, day.month] += count

    def is_open(day: date) -> bool:
        return (
            (per_day is None or booked.get(day, 0) < per_day)
            and (per_week is None or weeks[_week_of(day)] < per_week)
            and (per_month is None or months[day.year, day.month] < per_month)
        )

    return is_open


def _candidate_runs(
    availability: Availability,
    rules: Rules,
    first_day: date,
    last_day: date,
    lowest: int,
    highest: int,
    booked: Mapping[date, int],
) -> list[range]:
    """Return the candidate starts in [lowest, highest] as ranges of epoch seconds."""
    tz = availability.tz
    overrides = availability.overrides
    weekly = {weekday: sorted(windows) for weekday, windows in availability.weekly.items()}
    is_open = open_days(rules, booked)
    duration = rules.duration_minutes * 60
    step = rules.step * 60
    runs: list[range] = []
    known_day = None  # the offsets of this day's midnight, when the previous day computed them
    known: tuple[timedelta | None, timedelta | None] = (None, None)
    day = first_day
    midnight = (day.toordinal() - _EPOCH_ORDINAL) * _DAY  # naive wall-clock epoch seconds
    weekday = day.weekday()
    while day <= last_day:
        windows = sorted(overrides[day]) if day in overrides else weekly.get(weekday)
        if windows and (is_open is None or is_open(day)):
            following = day + _ONE_DAY
            if known_day == day:
                here = known
            else:
                here = _midnight_offsets(tz, day)
            there = _midnight_offsets(tz, following)
            known_day, known = following, there
            # Both midnights exist once, with one offset: no change today (see the module doc).
            uniform = here[0] == here[1] == there[0] == there[1]
            if uniform:
                utc_midnight = midnight - here[0] // _SECOND
            for window_start, window_end in windows:
                if uniform and 0 <= window_start and window_end <= MINUTES_PER_DAY:
                    first = utc_midnight + window_start * 60
                    if first < lowest:
                        first -= (first - lowest) // step * step
                    last = utc_midnight + window_end * 60 - duration
                    if last > highest:
                        last = highest
                    if first <= last:
                        runs.append(range(first, last + 1, step))
                else:
                    runs.extend(
                        _window_starts_slow(
                            tz,
                            midnight + window_start * 60,
                            midnight + window_end * 60,
                            step,
                            duration,
                            lowest,
                            highest,
                        )
                    )
        day += _ONE_DAY
        midnight += _DAY
        weekday = weekday + 1 if weekday < 6 else 0
    return runs


def compute_slots(
    availability: Availability,
    busy: Iterable[tuple[datetime, datetime]],
    rules: Rules,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    booked_per_day: Mapping[date, int] | None = None,
) -> list[datetime]:
    """Return the free slot starts in [start, end) as sorted aware UTC datetimes."""
    tz = availability.tz
    start_ts = _aware_ts(start, "start")
    end_ts = _aware_ts(end, "end")
    earliest_ts = max(start_ts, _aware_ts(now, "now") + rules.min_notice_minutes * 60)
    if earliest_ts >= end_ts:
        return []
    lowest = ceil(earliest_ts)  # integer starts s with lowest <= s <= highest
    highest = ceil(end_ts) - 1

    # Only local dates from the day before the earliest start to the day after the end can hold
    # a slot in range; the horizon cuts them off at today + max_days_ahead.
    today = now.astimezone(tz).date()
    last_day = _LAST_DAY
    if rules.max_days_ahead < (_LAST_DAY - today).days:
        last_day = today + timedelta(days=rules.max_days_ahead)
    end_day = end.astimezone(tz).date()
    if end_day < last_day:
        last_day = end_day + _ONE_DAY
    first_day = max(datetime.fromtimestamp(earliest_ts, tz).date(), _FIRST_DAY) - _ONE_DAY

    duration = rules.duration_minutes * 60
    before = rules.buffer_before_minutes * 60
    after = rules.buffer_after_minutes * 60
    # 1. Candidate starts, as ranges of epoch seconds: one range per window (two over a change).
    runs = _candidate_runs(
        availability, rules, first_day, last_day, lowest, highest, booked_per_day or {}
    )

    # 2. Sweep each run against the busy intervals sorted by start (see the module doc).
    if not runs:
        return []
    sorted_busy = _sorted_busy(busy)
    count = len(sorted_busy)
    # Validated windows give runs in order, each after the one before; unvalidated overlapping
    # windows do not, and then each run folds the busy list from its start and starts may repeat.
    ordered = all(earlier[-1] < later[0] for earlier, later in pairwise(runs))
    to_start = timedelta(seconds=before)
    padded = timedelta(seconds=before + duration + after)
    stride = timedelta(seconds=rules.step * 60)
    # k_steps[k] is k steps, so that skipping busy time is a bisect, not timedelta arithmetic.
    k_steps = list(accumulate(repeat(stride, max(map(len, runs)) - 1), initial=timedelta(0)))
    free: list[datetime] = []
    done, reach = 0, None  # reach: the latest end among sorted_busy[:done], if any
    # After a run's sweep: how far its pointer got, and the latest end it saw beyond its start.
    walked, walked_reach = count + 1, None
    for starts in runs:
        first = datetime.fromtimestamp(starts[0] - before, UTC)  # the first padded start
        head = bisect_right(sorted_busy, first, key=_first)
        if not ordered:
            done, reach = 0, None
        elif walked <= head:  # pick up where the last sweep stopped (it may have gone past head)
            done, reach = walked, walked_reach
        if head > done:
            latest = max(sorted_busy[done:head], key=_second)[1]
            if reach is None or latest > reach:
                reach = latest
            done = head
        covered = reach if reach is not None and reach > first else first
        total = len(starts)
        j = head
        k = 0
        while True:
            padded_start = first + k_steps[k]
            padded_end = padded_start + padded
            while j < count:  # take in every interval that starts before this padded end
                busy_start, busy_end = sorted_busy[j]
                if busy_start >= padded_end:
                    break
                if busy_end > covered and busy_end > busy_start:  # empty intervals block nothing
                    covered = busy_end
                j += 1
            if covered <= padded_start:
                free.append(padded_start + to_start)
                k += 1
            else:  # go on from the first start whose padding clears the busy time
                k = bisect_left(k_steps, covered - first, k + 1, total)
            if k >= total:
                break
        walked, walked_reach = j, covered if covered > first else reach

    # 3. Only with overlapping windows can a start come twice.
    return free if ordered else sorted(set(free))


def is_slot_free(
    availability: Availability,
    busy: Iterable[tuple[datetime, datetime]],
    rules: Rules,
    slot_start: datetime,
    *,
    now: datetime,
    booked_per_day: Mapping[date, int] | None = None,
) -> bool:
    """Tell whether one exact start is a slot, by the same rules as compute_slots."""
    # Compare instants, not datetimes: == between zones is False for a repeated wall time.
    wanted = _aware_ts(slot_start, "slot_start")
    start = datetime.fromtimestamp(wanted, UTC)
    found = compute_slots(
        availability,
        busy,
        rules,
        start=start,
        end=start + _SECOND,
        now=now,
        booked_per_day=booked_per_day,
    )
    return bool(found) and found[0].timestamp() == wanted
