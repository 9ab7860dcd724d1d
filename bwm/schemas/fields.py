"""The fields every schema is made of, each saying what is wrong in words a person can act on.

Each message is a Message (bwm/domain/errors.py): English in the API, translated on a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import ValidationError, fields

from ..domain.availability import (
    Window,
    WindowError,
    format_minutes,
    parse_window,
    validate_windows,
)
from ..domain.errors import Message, _l
from ..domain.zones import get_zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough for any booking, near enough that a day after the last is still a date.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG_RE = re.compile(SLUG_PATTERN)
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


REQUIRED = _l("is required")
NOT_TEXT = _l("must be text")
NUL = _l("must not contain a NUL character")
TOO_LONG = _l("must be at most %(max)s characters")
TOO_SHORT = _l("must be at least %(min)s characters")
NOT_WHOLE = _l("must be a whole number")
OUT_OF_RANGE = _l("must be between %(min)s and %(max)s")
NOT_BOOL = _l("must be true or false")
ONE_OF = _l("must be one of %(choices)s")
NOT_DATE = _l("is not a date (YYYY-MM-DD)")
DATE_RANGE = _l("must be a date between %(first)s and %(last)s")
NOT_DATETIME = _l("is not an ISO 8601 date-time")
NEEDS_OFFSET = _l("must carry an offset (like 2027-03-01T09:00:00+01:00)")
NOT_ZONE = _l("is not a known IANA time zone (like Europe/Stockholm)")
BAD_SLUG = _l("use lowercase letters, digits and single hyphens (like my-page)")
NOT_EMAIL = _l("is not a valid email address (like name@example.com)")
NOT_LIST = _l("give a list")
TOO_MANY = _l("at most %(max)s items")
NOT_OBJECT = _l("give a JSON object")
NOT_COLOR = _l("is not a colour like #2f6fdf")

_BASE_MESSAGES = {"required": REQUIRED, "null": REQUIRED}


def fail(template: str, **values: Any) -> ValidationError:
    return ValidationError(Message(template, **values))


class Text(fields.String):
    """Text, trimmed; null and "" are "" (or "is required"); no NUL, at most max_length."""

    def __init__(self, *, max_length: int = 200, required: bool = False, **kwargs: Any) -> None:
        self.max_length = max_length
        self.must_fill = required
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("maxLength", max_length)
        if required:
            kwargs["metadata"].setdefault("minLength", 1)
        super().__init__(required=required, allow_none=not required, **kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def deserialize(self, value: Any, attr=None, data=None, **kwargs: Any):
        if value is None and not self.must_fill:
            value = ""
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise fail(NOT_TEXT)
        if "\x00" in value:
            raise fail(NUL)
        value = value.strip()
        if self.must_fill and not value:
            raise fail(REQUIRED)
        if len(value) > self.max_length:
            raise fail(TOO_LONG, max=self.max_length)
        return value


class Secret(Text):
    """Text kept as given (a password is not trimmed), at least min_length long when given."""

    def __init__(self, *, min_length: int = 0, **kwargs: Any) -> None:
        self.min_length = min_length
        if min_length:
            kwargs.setdefault("metadata", {})["minLength"] = min_length
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise fail(NOT_TEXT)
        if "\x00" in value:
            raise fail(NUL)
        if self.must_fill and not value:
            raise fail(REQUIRED)
        if len(value) > self.max_length:
            raise fail(TOO_LONG, max=self.max_length)
        if len(value) < self.min_length:
            raise fail(TOO_SHORT, min=self.min_length)
        return value


class Slug(Text):
    """A lowercase address part (my-page); given in any case, kept in lowercase."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("pattern", "^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
        super().__init__(max_length=64, required=kwargs.pop("required", True), **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str:
        value = super()._deserialize(value, attr, data, **kwargs).lower()
        if not value:
            raise fail(REQUIRED)
        if not _SLUG_RE.match(value):
            raise fail(BAD_SLUG)
        return value


class Color(Text):
    """A colour as #RRGGBB (given in any case, kept in lowercase); "" or null is none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(pattern="^#[0-9A-Fa-f]{6}$", example="#2f6fdf")
        super().__init__(max_length=7, **kwargs)

    def deserialize(self, value: Any, attr=None, data=None, **kwargs: Any):
        if value in (None, ""):
            return None
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str | None:
        if not isinstance(value, str) or not _COLOR_RE.match(value.strip()):
            raise fail(NOT_COLOR)
        return value.strip().lower()


class Zone(fields.String):
    """An IANA time zone name (Europe/Stockholm)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", "Europe/Stockholm")
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str:
        if get_zone(value) is None:
            raise fail(NOT_ZONE)
        return value


class Email(fields.String):
    """An email address, checked (no DNS) and kept in lowercase."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(format="email", maxLength=254)
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str:
        if not isinstance(value, str) or "\x00" in value or len(value) > 254:
            raise fail(NOT_EMAIL)
        try:
            info = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError:
            raise fail(NOT_EMAIL) from None
        return info.normalized.lower()


class Whole(fields.Integer):
    """A whole number between low and high ("30" and 30.0 are 30; true is not a number)."""

    def __init__(self, low: int, high: int, **kwargs: Any) -> None:
        self.low, self.high = low, high
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(minimum=low, maximum=high)
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise fail(NOT_WHOLE) from None
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(NOT_WHOLE)
        if not self.low <= value <= self.high:
            raise fail(OUT_OF_RANGE, min=self.low, max=self.high)
        return value


class Flag(fields.Boolean):
    """true or false (a form's "on", "1", "yes" too)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES, invalid=NOT_BOOL)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> bool:
        if value in (None, ""):
            return False
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise fail(NOT_BOOL) from None


class Choice(fields.String):
    """One of a fixed list of words."""

    def __init__(self, choices: Iterable[str], **kwargs: Any) -> None:
        self.choices = tuple(choices)
        kwargs.setdefault("metadata", {})
        kwargs["metadata"]["enum"] = list(self.choices)
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> str:
        if value not in self.choices:
            raise fail(ONE_OF, choices=", ".join(self.choices))
        return value


def _within(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise fail(DATE_RANGE, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


class Day(fields.Date):
    """A date, YYYY-MM-DD."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> date:
        if not isinstance(value, str):
            raise fail(NOT_DATE)
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise fail(NOT_DATE) from None
        _within(day)
        return day


class Instant(fields.DateTime):
    """An ISO 8601 date-time with its offset; shown in `zone` (a name, or a function of the row)."""

    def __init__(self, *, zone=None, **kwargs: Any) -> None:
        self.zone = zone
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault("example", "2027-03-01T09:00:00+01:00")
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _serialize(self, value: datetime | None, attr, obj, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if self.zone is not None:
            zone = self.zone(obj) if callable(self.zone) else self.zone
            value = value.astimezone(get_zone(zone))
        return value.isoformat()

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not value.strip():
            raise fail(NOT_DATETIME)
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(NOT_DATETIME) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise fail(NEEDS_OFFSET)
        _within(parsed.date())
        return parsed


class Instants(fields.Field):
    """A list of date-times with their offsets, written out in one go (a month of free starts
    has hundreds: one field call, not one per item)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(
            type="array",
            items={"type": "string", "format": "date-time"},
            example=["2027-03-01T09:00:00+01:00", "2027-03-01T09:30:00+01:00"],
        )
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs: Any) -> list[str]:
        # Given as text already (a view that keeps the text of each start), they are kept.
        return [i if isinstance(i, str) else i.isoformat() for i in value]


_WINDOW_DOC = {
    "type": "array",
    "items": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
    "minItems": 2,
    "maxItems": 2,
    "example": ["09:00", "17:00"],
}
_WINDOWS_DOC = {"type": "array", "items": _WINDOW_DOC}


def _problem(exc: ValueError) -> str:
    if isinstance(exc, WindowError):
        return Message(exc.template, **exc.values)
    return str(exc)


def windows_of(value: Any, label: str) -> list[Window]:
    """Parse a list of ["HH:MM", "HH:MM"] pairs, or say what is wrong with it after `label`."""
    if not isinstance(value, list):
        raise fail(_l("%(day)s: give a list of [start, end] pairs"), day=label)
    windows = []
    for pair in value:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(p, str) for p in pair)
        ):
            raise fail(_l('%(day)s: each window is ["HH:MM", "HH:MM"]'), day=label)
        try:
            windows.append(parse_window(pair[0], pair[1]))
        except ValueError as exc:
            raise fail("%(day)s: %(problem)s", day=label, problem=_problem(exc)) from None
    try:
        validate_windows(windows)
    except ValueError as exc:
        raise fail("%(day)s: %(problem)s", day=label, problem=_problem(exc)) from None
    return sorted(windows)


def windows_json(windows: Iterable[Window]) -> list[list[str]]:
    return [[format_minutes(a), format_minutes(b)] for a, b in sorted(windows)]


class Hours(fields.Field):
    """Weekly hours {"mon": [["09:00", "17:00"]], ... "sun": []}; a day left out has none.

    Loaded as {weekday index: windows}; dumped from the rows (weekday, start_minute,
    end_minute) with every day present.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(
            type="object",  # apispec adds "null" when allow_none
            properties={day: _WINDOWS_DOC for day in WEEKDAYS},
            additionalProperties=False,
        )
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _serialize(self, value: Any, attr, obj, **kwargs: Any):
        if value is None:
            return None
        days: dict[int, list[Window]] = {}
        for row in value:
            days.setdefault(row.weekday, []).append((row.start_minute, row.end_minute))
        return {day: windows_json(days.get(i, ())) for i, day in enumerate(WEEKDAYS)}

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> dict[int, list[Window]]:
        if not isinstance(value, Mapping):
            raise fail(_l("give an object with the days mon to sun"))
        unknown = sorted(str(k) for k in set(value) - set(WEEKDAYS))
        if unknown:
            raise fail(_l("unknown day %(day)s; use mon, tue, ... sun"), day=repr(unknown[0]))
        return {WEEKDAYS.index(day): windows_of(windows, day) for day, windows in value.items()}


class Overrides(fields.Field):
    """Dates with other hours {"2027-03-10": [] (day off) or [["10:00", "12:00"]]}.

    Loaded as {date: windows}; dumped from the rows (day, start_minute, end_minute), a day
    off being a row without minutes.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(
            type="object",
            additionalProperties=_WINDOWS_DOC,
            propertyNames={"format": "date"},
            example={"2027-03-10": [], "2027-03-11": [["10:00", "12:00"]]},
        )
        super().__init__(**kwargs)
        self.error_messages.update(_BASE_MESSAGES)

    def _serialize(self, value: Any, attr, obj, **kwargs: Any):
        days: dict[date, list[Window]] = {}
        for row in value or ():
            windows = days.setdefault(row.day, [])
            if row.start_minute is not None and row.end_minute is not None:
                windows.append((row.start_minute, row.end_minute))
        return {day.isoformat(): windows_json(w) for day, w in sorted(days.items())}

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> dict[date, list[Window]]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise fail(_l("give an object of dates (YYYY-MM-DD) to windows"))
        overrides = {}
        for key, windows in value.items():
            try:
                day = date.fromisoformat(key)
                _within(day)
            except (TypeError, ValueError, ValidationError):
                raise fail(_l("%(day)s is not a date (YYYY-MM-DD)"), day=repr(key)) from None
            overrides[day] = windows_of(windows, key)
        return overrides


class Minutes(fields.List):
    """A set of minute counts, each between low and high, at most `most` of them; largest first."""

    def __init__(self, low: int, high: int, *, most: int, **kwargs: Any) -> None:
        self.most = most
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(maxItems=most, uniqueItems=True)
        super().__init__(Whole(low, high), **kwargs)
        self.error_messages.update(_BASE_MESSAGES, invalid=NOT_LIST)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> list[int]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise fail(_l("give a list of minutes, like [60, 1440]"))
        out = set()
        for item in value:
            out.add(self.inner.deserialize(item))
        if len(out) > self.most:
            raise fail(TOO_MANY, max=self.most)
        return sorted(out, reverse=True)
