"""Meeting types: check the fields of SPEC §3, create, change, duplicate, delete."""

from __future__ import annotations

from collections.abc import Callable

from slugify import slugify
from sqlalchemy import func, select

from ..domain.errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Booking, BookingPage, MeetingType
from . import validate
from .hours import (
    hours_to_json,
    hours_to_rows,
    overrides_to_json,
    overrides_to_rows,
    parse_hours,
    parse_overrides,
    rows_to_hours,
    rows_to_overrides,
)

LOCATION_KINDS = ("none", "in_person", "phone", "online")
VISIBILITIES = ("public", "private")
NULLABLE = frozenset({"hours", "slot_step_minutes", "max_per_day"})
REMINDER_MIN, REMINDER_MAX = 15, 20160  # 15 minutes to 2 weeks

# Defaults of SPEC §5 for a field left out.
DEFAULTS = {
    "description": "",
    "visibility": "public",
    "location_kind": "none",
    "location": "",
    "online_meeting": False,
    "hours": None,
    "overrides": {},
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "min_notice_minutes": 0,
    "max_days_ahead": 60,
    "slot_step_minutes": None,
    "max_per_day": None,
    "reminders_minutes": [],
}


def _reminders(data: dict) -> list[int]:
    value = data.get("reminders_minutes")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed({"reminders_minutes": "give a list of minutes, like [60, 1440]"})
    out = set()
    for item in value:
        checked = validate.integer(
            {"reminders_minutes": item}, "reminders_minutes", low=REMINDER_MIN, high=REMINDER_MAX
        )
        out.add(checked)
    if len(out) > 5:
        raise ValidationFailed({"reminders_minutes": "at most 5 reminders"})
    return sorted(out, reverse=True)


def _hours(data: dict):
    value = data.get("hours")
    return None if value is None else parse_hours(value)


def _overrides(data: dict):
    value = data.get("overrides")
    return {} if value is None else parse_overrides(value)


CHECKS: dict[str, Callable[[dict], object]] = {
    "title": lambda d: validate.text(d, "title", required=True),
    "slug": lambda d: validate.slug(d),
    "description": lambda d: validate.text(d, "description", max_length=5000),
    "duration_minutes": lambda d: validate.integer(d, "duration_minutes", low=5, high=720),
    "visibility": lambda d: validate.choice(d, "visibility", VISIBILITIES),
    "location_kind": lambda d: validate.choice(d, "location_kind", LOCATION_KINDS),
    "location": lambda d: validate.text(d, "location", max_length=500),
    "online_meeting": lambda d: validate.boolean(d, "online_meeting"),
    "hours": _hours,
    "overrides": _overrides,
    "buffer_before_minutes": lambda d: validate.integer(
        d, "buffer_before_minutes", low=0, high=720
    ),
    "buffer_after_minutes": lambda d: validate.integer(d, "buffer_after_minutes", low=0, high=720),
    "min_notice_minutes": lambda d: validate.integer(d, "min_notice_minutes", low=0, high=525600),
    "max_days_ahead": lambda d: validate.integer(d, "max_days_ahead", low=0, high=730),
    "slot_step_minutes": lambda d: validate.integer(
        d, "slot_step_minutes", low=5, high=720, nullable=True
    ),
    "max_per_day": lambda d: validate.integer(d, "max_per_day", low=1, high=1000, nullable=True),
    "reminders_minutes": _reminders,
}


def clean(data: object, *, partial: bool) -> dict:
    """Check the given fields (all of them when creating) and return their clean values."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "give a JSON object"})
    if not partial:
        # A field left out, or null where null means nothing, takes its default.
        given = {k: v for k, v in data.items() if v is not None or k in NULLABLE}
        data = {**DEFAULTS, "title": None, "duration_minutes": None, **given}
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for field, check in CHECKS.items():
        if field not in data:
            continue
        if field == "slug" and not partial and not data.get("slug"):
            continue  # made from the title below
        try:
            cleaned[field] = check(data)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _check_slug_free(page: BookingPage, slug: str, own_id: int | None) -> None:
    query = select(MeetingType.id).where(MeetingType.page_id == page.id, MeetingType.slug == slug)
    if own_id is not None:
        query = query.where(MeetingType.id != own_id)
    if db.session.scalar(query):
        raise Conflict("slug", f"this page already has a meeting type at {slug!r}")


def _free_slug(page: BookingPage, base: str) -> str:
    base = slugify(base, max_length=56, word_boundary=True) or "meeting"
    candidate, n = base, 1
    taken = set(db.session.scalars(select(MeetingType.slug).where(MeetingType.page_id == page.id)))
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _apply(mt: MeetingType, cleaned: dict) -> None:
    for field, value in cleaned.items():
        if field == "hours":
            mt.custom_hours = value is not None
            mt.windows = hours_to_rows(value) if value is not None else []
        elif field == "overrides":
            mt.overrides = overrides_to_rows(value)
        else:
            setattr(mt, field, value)


def create(page: BookingPage, data: dict) -> MeetingType:
    """Add a meeting type to the page from API-shaped data."""
    explicit_online = isinstance(data, dict) and "online_meeting" in data
    cleaned = clean(data, partial=False)
    if "slug" in cleaned:
        _check_slug_free(page, cleaned["slug"], None)
    else:
        cleaned["slug"] = _free_slug(page, cleaned["title"])
    if not explicit_online and cleaned["location_kind"] == "online":
        cleaned["online_meeting"] = True
    position = db.session.scalar(
        select(func.coalesce(func.max(MeetingType.position), -1)).where(
            MeetingType.page_id == page.id
        )
    )
    mt = MeetingType(page_id=page.id, position=position + 1)
    _apply(mt, cleaned)
    db.session.add(mt)
    db.session.flush()
    return mt


def update(mt: MeetingType, data: dict) -> MeetingType:
    """Change the given fields of a meeting type."""
    cleaned = clean(data, partial=True)
    if "slug" in cleaned:
        _check_slug_free(mt.page, cleaned["slug"], mt.id)
    _apply(mt, cleaned)
    db.session.flush()
    return mt


def duplicate(mt: MeetingType) -> MeetingType:
    """Copy a meeting type with every setting, under a free slug and "(copy)" title."""
    data = to_dict(mt)
    data.pop("id")
    data.pop("slug")
    data["title"] = f"{mt.title} (copy)"[:200]
    return create(mt.page, data)


def delete(mt: MeetingType) -> None:
    """Delete a type; one with bookings is kept hidden-private instead so no booking is lost."""
    has_bookings = db.session.scalar(
        select(Booking.id).where(Booking.meeting_type_id == mt.id).limit(1)
    )
    if has_bookings:
        raise Conflict(
            "meeting_type",
            "this meeting type has bookings; make it private instead of deleting it",
        )
    db.session.delete(mt)
    db.session.flush()


def to_dict(mt: MeetingType) -> dict:
    return {
        "id": mt.id,
        "title": mt.title,
        "slug": mt.slug,
        "description": mt.description,
        "duration_minutes": mt.duration_minutes,
        "visibility": mt.visibility,
        "location_kind": mt.location_kind,
        "location": mt.location,
        "online_meeting": mt.online_meeting,
        "hours": hours_to_json(rows_to_hours(mt.windows)) if mt.custom_hours else None,
        "overrides": overrides_to_json(rows_to_overrides(mt.overrides)),
        "buffer_before_minutes": mt.buffer_before_minutes,
        "buffer_after_minutes": mt.buffer_after_minutes,
        "min_notice_minutes": mt.min_notice_minutes,
        "max_days_ahead": mt.max_days_ahead,
        "slot_step_minutes": mt.slot_step_minutes,
        "max_per_day": mt.max_per_day,
        "reminders_minutes": list(mt.reminders_minutes or []),
    }


def get_for_page(page: BookingPage, slug: str) -> MeetingType | None:
    return db.session.scalar(
        select(MeetingType).where(MeetingType.page_id == page.id, MeetingType.slug == slug)
    )
