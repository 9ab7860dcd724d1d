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

Cost
----
Busy intervals are sorted once by start (as datetimes, all in one fixed-offset zone so that the
comparisons are cheap and exact) and never merged explicitly: only the largest end among the
intervals that start before a point matters, so each window bisects to its part of the sorted list,
takes the running maximum end of everything before it in one C-level ``max`` and converts to epoch
seconds only the intervals that start inside it. Candidates of a window are then checked by one
sweep with a moving pointer. The work is one sort plus linear passes; no slot scans the busy list.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import chain
from bisect import bisect_left, bisect_right
from math import ceil
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

__all__ = [
    "Availability",
    "Rules",
    "Window",
    "compute_slots",
    "format_minutes",
    "is_slot_free",
    "parse_window",
    "validate_windows",
]

Window = tuple[int, int]

UTC = timezone.utc
MINUTES_PER_DAY = 1440
_DAY = 86400
_ONE_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NAIVE_EPOCH = datetime(1970, 1, 1)
_first = itemgetter(0)
_tzinfo = attrgetter("tzinfo")
_timestamp = datetime.timestamp


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
        if self.max_per_day is not None and self.max_per_day < 0:
            raise ValueError("max_per_day must not be negative")

    @property
    def step(self) -> int:
        """Return the step between candidate starts in minutes (default: min(duration, 60))."""
        if self.step_minutes is not None:
            return self.step_minutes
        return min(self.duration_minutes, 60)


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


def _parse_hhmm(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if (
        not sep
        or not (1 <= len(hours) <= 2 and hours.isdigit())
        or not (len(minutes) == 2 and minutes.isdigit())
    ):
        raise ValueError(f"{text!r} is not a time like 09:00")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"{text!r} is not a time between 00:00 and 24:00")
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
            raise ValueError(
                f"{start}-{end}: hours must lie between 00:00 and 24:00 (0 and 1440 minutes)"
            )
        if start >= end:
            raise ValueError(
                f"{format_minutes(start)}-{format_minutes(end)}: the start must be before the end"
            )
        checked.append((start, end))
    checked.sort()
    for (start1, end1), (start2, end2) in zip(checked, checked[1:]):
        if start2 < end1:
            raise ValueError(
                f"{format_minutes(start1)}-{format_minutes(end1)} and "
                f"{format_minutes(start2)}-{format_minutes(end2)} overlap"
            )


# -- wall clock to UTC ----------------------------------------------------------------------------


def _offsets(tz: ZoneInfo, wall: int) -> tuple[int, int]:
    """Return the UTC offsets in seconds (fold=0, fold=1) of a naive wall-clock epoch second."""
    local = (_NAIVE_EPOCH + timedelta(seconds=wall)).replace(tzinfo=tz)
    return (
        local.utcoffset() // _SECOND,
        local.replace(fold=1).utcoffset() // _SECOND,
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


def _uniform_range(
    first_wall: int, offset: int, step: int, lowest: int, highest: int
) -> range:
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
) -> Sequence[int]:
    """Return the candidate starts of a window on a day with an offset change."""
    utc_start = _boundary_to_utc(tz, wall_start)
    utc_end = _boundary_to_utc(tz, wall_end)
    lowest = max(lowest, utc_start)
    highest = min(highest, utc_end - duration)
    if highest < lowest:
        return ()
    offset_start = _offset_at(tz, utc_start)
    offset_end = _offset_at(tz, utc_end)
    if offset_start == offset_end:
        return _uniform_range(wall_start, offset_start, step, lowest, highest)
    change = _transition(tz, utc_start, utc_end)
    last_wall_before = change + offset_start  # walls below this map with the old offset
    first_wall_after = change + offset_end  # walls from here map with the new one
    starts = []
    for wall in range(wall_start, wall_end, step):
        if wall < last_wall_before:
            instant = wall - offset_start  # includes the first occurrence of a repeated time
        elif wall >= first_wall_after:
            instant = wall - offset_end
        else:
            continue  # in the gap: this time does not exist today
        if lowest <= instant <= highest:
            starts.append(instant)
    return starts


# -- the engine -----------------------------------------------------------------------------------


def _aware_ts(value: datetime, name: str) -> float:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.timestamp()


def _sorted_busy(busy: Iterable[tuple[datetime, datetime]]) -> tuple[Sequence[datetime], Sequence[datetime]]:
    """Return busy starts and ends sorted by start, in zones that compare exactly."""
    if not isinstance(busy, (list, tuple)):
        busy = list(busy)
    if not busy:
        return (), ()
    zones = set(map(_tzinfo, chain.from_iterable(busy)))
    if None in zones:
        raise ValueError("busy intervals must use aware datetimes")
    # Same-zone comparisons use the wall clock (PEP 495), which is wrong across a fall back in a
    # zone like Europe/Stockholm; fixed offsets are safe, anything else goes to UTC first.
    if not all(type(zone) is timezone for zone in zones):
        busy = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in busy]
    starts, ends = zip(*sorted(busy, key=_first))
    return starts, ends


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
    lowest = ceil(earliest_ts)  # integer starts s with lowest <= s < end_ts
    below = ceil(end_ts)

    today = now.astimezone(tz).date()
    last_day = (
        date.max
        if rules.max_days_ahead >= (date.max - today).days
        else today + timedelta(days=rules.max_days_ahead)
    )
    end_day = end.astimezone(tz).date()
    if end_day < last_day:
        last_day = end_day + _ONE_DAY
    first_day = datetime.fromtimestamp(earliest_ts, tz).date()
    if first_day > date.min:
        first_day -= _ONE_DAY

    duration = rules.duration_minutes * 60
    step = rules.step * 60
    before = rules.buffer_before_minutes * 60
    after = rules.buffer_after_minutes * 60
    max_per_day = rules.max_per_day
    booked = booked_per_day or {}

    # 1. Candidate starts, one run of integer epoch seconds per window.
    runs: list[Sequence[int]] = []
    midnight_cache: tuple[int, tuple[int, int]] | None = None
    day = first_day
    while day <= last_day:
        windows = availability.windows_on(day)
        if windows and (max_per_day is None or booked.get(day, 0) < max_per_day):
            midnight = (day.toordinal() - _EPOCH_ORDINAL) * _DAY  # naive wall epoch seconds
            if midnight_cache is not None and midnight_cache[0] == midnight:
                here = midnight_cache[1]
            else:
                here = _offsets(tz, midnight)
            there = _offsets(tz, midnight + _DAY)
            midnight_cache = (midnight + _DAY, there)
            uniform = here[0] == here[1] == there[0] == there[1]
            for window_start, window_end in sorted(windows):
                wall_start = midnight + window_start * 60
                wall_end = midnight + window_end * 60
                if uniform and 0 <= window_start and window_end <= MINUTES_PER_DAY:
                    offset = here[0]
                    starts = _uniform_range(
                        wall_start,
                        offset,
                        step,
                        lowest,
                        min(below - 1, wall_end - offset - duration),
                    )
                else:
                    starts = _window_starts_slow(
                        tz, wall_start, wall_end, step, duration, lowest, below - 1
                    )
                if starts:
                    runs.append(starts)
        if day == date.max:
            break
        day += _ONE_DAY
    if not runs:
        return []

    # 2. Sweep each run against the busy intervals that can touch it.
    busy_starts, busy_ends = _sorted_busy(busy)
    free: list[int] = []
    done = 0  # busy_ends[:done] are folded into reach
    reach = None  # the latest busy end among them, as a datetime
    for starts in runs:
        pad_from = starts[0] - before
        pad_to = starts[-1] + duration + after
        head = bisect_right(busy_starts, datetime.fromtimestamp(pad_from, UTC))
        tail = bisect_left(busy_starts, datetime.fromtimestamp(pad_to, UTC), head)
        if head < done:  # windows overlap each other: fold from scratch (rare)
            done, reach = 0, None
        if head > done:
            latest = max(busy_ends[done:head])
            reach = latest if reach is None or latest > reach else reach
            done = head
        covered = reach.timestamp() if reach is not None else float("-inf")
        inside_starts = list(map(_timestamp, busy_starts[head:tail]))
        inside_ends = list(map(_timestamp, busy_ends[head:tail]))
        count = tail - head
        i = 0
        for slot in starts:
            slot_to = slot + duration + after
            while i < count and inside_starts[i] < slot_to:
                busy_end = inside_ends[i]
                if busy_end > covered and busy_end > inside_starts[i]:  # skip empty intervals
                    covered = busy_end
                i += 1
            if covered <= slot - before:
                free.append(slot)

    # 3. Only accepted starts become datetimes.
    free = sorted(set(free))
    return [datetime.fromtimestamp(slot, UTC) for slot in free]


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
