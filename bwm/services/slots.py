"""Free slots of a meeting type: rows -> plain values -> the availability engine."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement, aggregate_strings

from ..domain.availability import (
    Availability,
    Rules,
    compute_slots,
    durations_of,
    is_slot_free,
)
from ..domain.errors import Message, ValidationFailed, _l
from ..domain.zones import get_zone
from ..extensions import db
from ..models import (
    Booking,
    BookingPage,
    BusyBlock,
    CalendarBusy,
    DateOverride,
    HoursWindow,
    MeetingType,
)
from . import answers
from .hours import rows_to_hours, rows_to_overrides

# A day each side: enough to count a type's bookings on every local date the range touches.
PAD = timedelta(days=1)
# The bookings that take their time: confirmed ones, and requests waiting for the organizer
# (SPEC §9). Written into the statements, not bound, as they never change.
HOLDING = ("confirmed", "pending", "unverified")
_holds_slot = Booking.status.in_([literal_column(f"'{status}'") for status in HOLDING])


def _read(statement: Executable, params: dict[str, object]) -> CursorResult:
    """Run a statement of columns (never objects) in the session's transaction.

    Through the session's connection, so its rows skip the ORM's handling of results; changes
    waiting in the session are flushed first, as Session.execute would.
    """
    session = db.session()
    session.flush()
    return session.connection().execute(statement, params)


def availability_of(mt: MeetingType) -> Availability:
    """The type's weekly hours (its own, or its page's) and date overrides, read as plain rows."""
    page = mt.page
    if mt.custom_hours:
        windows = _read(_TYPE_WINDOWS, {"type_id": mt.id})
    else:
        windows = _read(_PAGE_WINDOWS, {"page_id": page.id})
    return Availability(
        tz=ZoneInfo(page.timezone),
        weekly=rows_to_hours(windows),
        overrides=rows_to_overrides(_read(_OVERRIDES, {"type_id": mt.id})),
    )


# Built once, as pages.py does: building and keying a statement costs more than running it.
def _windows(owner) -> Select:
    return (
        select(HoursWindow.weekday, HoursWindow.start_minute, HoursWindow.end_minute)
        .where(owner)
        .order_by(HoursWindow.weekday, HoursWindow.start_minute)
    )


_PAGE_WINDOWS = _windows(HoursWindow.page_id == bindparam("page_id"))
_TYPE_WINDOWS = _windows(HoursWindow.meeting_type_id == bindparam("type_id"))
_OVERRIDES = (
    select(DateOverride.day, DateOverride.start_minute, DateOverride.end_minute)
    .where(DateOverride.meeting_type_id == bindparam("type_id"))
    .order_by(DateOverride.day, DateOverride.start_minute)
)


def rules_of(mt: MeetingType, duration: int | None = None) -> Rules:
    """The type's rules for one of its lengths (its default one when duration is None)."""
    return Rules(
        duration_minutes=duration or mt.duration_minutes,
        step_minutes=mt.slot_step_minutes,
        buffer_before_minutes=mt.buffer_before_minutes,
        buffer_after_minutes=mt.buffer_after_minutes,
        min_notice_minutes=mt.min_notice_minutes,
        max_days_ahead=mt.max_days_ahead,
        max_per_day=mt.max_per_day,
        max_per_week=mt.max_per_week,
        max_per_month=mt.max_per_month,
    )


def duration_of(mt: MeetingType, minutes: int | None, field: str = "duration") -> int | None:
    """Check a length asked for (in a query's `duration`, a booking's `duration_minutes`)
    against the type's; None when none is asked for (its default one)."""
    if minutes is None:
        return None
    choices = durations_of(mt.duration_minutes, mt.durations_minutes)
    if minutes not in choices:
        raise ValidationFailed(
            {field: Message(_l("must be one of %(choices)s"), choices=", ".join(map(str, choices)))}
        )
    return minutes


def busy_intervals(
    user_id: int,
    start: datetime,
    end: datetime,
    *,
    exclude_booking: int | None = None,
    calendars: list[int] | None = None,
) -> list[tuple[datetime, datetime]]:
    """Everything that blocks the organizer between start and end, bookings padded.

    Slots are padded with their type's buffers and bookings with theirs, so what can touch
    [start, end) lies within the organizer's longest buffer before plus longest after of it.
    calendars: the connected calendars whose busy time counts (a type's blocking_calendars);
    None counts them all. Busy blocks and bookings always count.
    """
    pad = buffer_reach(user_id)
    params = {"user_id": user_id, **_around(start, end, pad, exclude_booking)}
    if calendars is None:
        busy, booked = _read(_BUSY, params).one()
    else:
        busy, booked = _read(_BUSY_FROM, {**params, "calendars": list(calendars)}).one()
    return _utc_times(busy) + _padded_times(booked)


def _utc_times(text: str | None) -> list[tuple[datetime, datetime]]:
    """Parse "start,end,start,end,..." of stored UTC times into pairs of aware datetimes."""
    if not text:
        return []
    times = map(datetime.fromisoformat, (text.replace(",", "+00:00,") + "+00:00").split(","))
    return list(zip(times, times, strict=True))


def _padded_times(text: str | None) -> list[tuple[datetime, datetime]]:
    """Parse "start,end,before,after,..." of bookings into intervals padded by their buffers."""
    if not text:
        return []
    fields = text.split(",")
    parse = datetime.fromisoformat
    return [
        (
            parse(fields[i] + "+00:00") - timedelta(minutes=int(fields[i + 2])),
            parse(fields[i + 1] + "+00:00") + timedelta(minutes=int(fields[i + 3])),
        )
        for i in range(0, len(fields), 4)
    ]


def _around(
    start: datetime, end: datetime, pad: timedelta, exclude_booking: int | None
) -> dict[str, object]:
    """The :lo, :hi and :exclude parameters of the statements below."""
    # Booking ids start at 1: 0 leaves none out.
    exclude = exclude_booking if exclude_booking is not None else 0
    return {"lo": start - pad, "hi": end + pad, "exclude": exclude}


class utc_text(FunctionElement):
    """A UTC time column as text, "YYYY-MM-DD HH:MM:SS.ffffff" (fromisoformat reads it)."""

    type = String()
    name = "utc_text"
    inherit_cache = True


@compiles(utc_text)
def _utc_text(element, compiler, **kw) -> str:
    # SQLite: SQLAlchemy stores the column as that text already.
    return compiler.process(element.clauses, **kw)


@compiles(utc_text, "postgresql")
def _utc_text_postgresql(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24:MI:SS.US')"


def _busy_statement(*, chosen_calendars: bool = False) -> Select:
    """Busy blocks and connected calendars' busy time as of their last good sync (never the
    network here), then bookings with their types' buffers, between :lo and :hi, in one query.

    Each kind comes back as one string ("start,end,..." and "start,end,before,after,..."),
    split and parsed by C functions, rather than as a row and two datetime conversions per
    interval: an organizer's month can hold thousands of intervals.
    chosen_calendars: only the busy time of the calendars in :calendars (a list) counts. A
    statement of its own, so the common case (every calendar) binds no list to expand.
    """
    user_id, lo, hi = bindparam("user_id"), bindparam("lo"), bindparam("hi")
    from_calendars = (
        [CalendarBusy.calendar_id.in_(bindparam("calendars", expanding=True))]
        if chosen_calendars
        else []
    )

    def span(table) -> ColumnElement[str]:
        return utc_text(table.start) + "," + utc_text(table.end)

    spans = union_all(
        select(span(BusyBlock).label("span")).where(
            BusyBlock.user_id == user_id, BusyBlock.start < hi, BusyBlock.end > lo
        ),
        select(span(CalendarBusy).label("span")).where(
            CalendarBusy.user_id == user_id,
            CalendarBusy.start < hi,
            CalendarBusy.end > lo,
            *from_calendars,
        ),
    ).subquery()
    booked = (
        span(Booking)
        + ","
        + cast(MeetingType.buffer_before_minutes, String)
        + ","
        + cast(MeetingType.buffer_after_minutes, String)
    )
    return select(
        select(aggregate_strings(spans.c.span, ",")).scalar_subquery(),
        select(aggregate_strings(booked, ","))
        .select_from(Booking)
        .join(MeetingType, Booking.meeting_type_id == MeetingType.id)
        .where(
            Booking.user_id == user_id,
            _holds_slot,
            Booking.start < hi,
            Booking.end > lo,
            Booking.id != bindparam("exclude"),
        )
        .scalar_subquery(),
    )


_BUSY = _busy_statement()
_BUSY_FROM = _busy_statement(chosen_calendars=True)


def buffer_reach(user_id: int) -> timedelta:
    """The organizer's longest buffer before plus longest buffer after, over all their types."""
    before, after = _read(_REACH, {"user_id": user_id}).one()
    return timedelta(minutes=before + after)


_REACH = (
    select(
        func.coalesce(func.max(MeetingType.buffer_before_minutes), 0),
        func.coalesce(func.max(MeetingType.buffer_after_minutes), 0),
    )
    .join(BookingPage, MeetingType.page_id == BookingPage.id)
    .where(BookingPage.user_id == bindparam("user_id"))
)


def booked_per_day(
    mt: MeetingType, start: datetime, end: datetime, *, exclude_booking: int | None = None
) -> Counter[date]:
    """Count the bookings of this type that hold their time per organizer-local date, over
    what its caps need (nothing when it has none): the dates around [start, end), widened to
    whole ISO weeks and calendar months when it caps those."""
    weeks, months = mt.max_per_week is not None, mt.max_per_month is not None
    if mt.max_per_day is None and not weeks and not months:
        return Counter()
    return count_per_day(
        mt.id,
        ZoneInfo(mt.page.timezone),
        start,
        end,
        exclude_booking=exclude_booking,
        weeks=weeks,
        months=months,
    )


def count_per_day(
    type_id: int,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    *,
    exclude_booking: int | None = None,
    weeks: bool = False,
    months: bool = False,
) -> Counter[date]:
    """Count a type's bookings that hold their time per local date in tz, around [start, end).

    Every date from the day before start to the day after end is counted; weeks and months
    widen that to the whole ISO weeks and calendar months (in tz) those dates touch.
    """
    first = (start - PAD).astimezone(tz).date()
    last = (end + PAD).astimezone(tz).date()
    if weeks:
        first -= timedelta(days=first.weekday())
        last += timedelta(days=6 - last.weekday())
    if months:  # after the weeks: a week may reach into the month before or after
        first = first.replace(day=1)
        last = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    lo, hi = day_bounds(first, last, tz)
    exclude = exclude_booking if exclude_booking is not None else 0
    starts = _read(
        _TYPE_BOOKINGS, {"type_id": type_id, "lo": lo, "hi": hi, "exclude": exclude}
    ).scalars()
    return Counter(s.astimezone(tz).date() for s in starts)


_TYPE_BOOKINGS = select(Booking.start).where(
    Booking.meeting_type_id == bindparam("type_id"),
    _holds_slot,
    Booking.start >= bindparam("lo"),
    Booking.start < bindparam("hi"),
    Booking.id != bindparam("exclude"),
)


def slots_between(
    mt: MeetingType,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    exclude_booking: int | None = None,
    cached: bool = False,
    duration: int | None = None,
) -> list[datetime]:
    """Return the free starts (UTC) of a meeting type in [start, end), for meetings of
    `duration` minutes (one of the type's lengths; its default one when None).

    cached: the caller only reads saved rows (a public GET), so an answer kept under the
    organizer's current data version may serve (see answers.py).
    """

    def compute(at: datetime) -> list[datetime]:
        return compute_slots(
            availability_of(mt),
            busy_intervals(
                mt.page.user_id,
                start,
                end,
                exclude_booking=exclude_booking,
                calendars=mt.blocking_calendars,
            ),
            rules_of(mt, duration),
            start=start,
            end=end,
            now=at,
            booked_per_day=booked_per_day(mt, start, end, exclude_booking=exclude_booking),
        )

    if cached and exclude_booking is None:
        return answers.slots(mt, start, end, now, compute, duration=duration)
    return compute(now)


def date_range(
    query: dict, default_tz: str, *, max_days: int, now: datetime
) -> tuple[date, date, ZoneInfo]:
    """Fill in and check SlotsQuery's start, end (dates in tz, inclusive) and tz.

    Left out, tz is the page's, start is today in tz and end is 30 days after start.
    """
    tz = get_zone(query.get("tz") or default_tz) or ZoneInfo("UTC")
    first = query.get("start") or now.astimezone(tz).date()
    last = query.get("end") or first + timedelta(days=30)
    if last < first:
        raise ValidationFailed({"end": Message(_l("must not be before start"))})
    if (last - first).days + 1 > max_days:
        raise ValidationFailed(
            {"end": Message(_l("the range may cover at most %(days)s days"), days=max_days)}
        )
    return first, last, tz


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the instants where local date first begins and local date last ends."""
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tz)
    return start, end


def is_free(
    mt: MeetingType,
    start: datetime,
    *,
    now: datetime,
    exclude_booking: int | None = None,
    duration: int | None = None,
) -> bool:
    """Tell whether start is one of the type's free slots (of `duration` minutes, the type's by
    default), read inside the caller's transaction."""
    end = start + timedelta(minutes=duration or mt.duration_minutes)
    return is_slot_free(
        availability_of(mt),
        busy_intervals(
            mt.page.user_id,
            start,
            end,
            exclude_booking=exclude_booking,
            calendars=mt.blocking_calendars,
        ),
        rules_of(mt, duration),
        start,
        now=now,
        booked_per_day=booked_per_day(mt, start, end, exclude_booking=exclude_booking),
    )
