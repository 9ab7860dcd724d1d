"""Meeting types (SPEC §3): create, change, duplicate, delete."""

from __future__ import annotations

from marshmallow.utils import missing
from slugify import slugify
from sqlalchemy import func, select

from ..domain.availability import durations_of
from ..domain.errors import Conflict, Message, ValidationFailed, _l
from ..extensions import db
from ..models import Booking, BookingPage, ConnectedCalendar, MeetingType
from ..schemas import dump, load
from ..schemas.meeting_types import DURATIONS, MeetingTypeIn, MeetingTypeOut
from .hours import hours_to_rows, overrides_to_rows

# Defaults of SPEC §5 for a field left out, as the type editor shows a new type.
DEFAULTS = {
    name: (field.load_default() if callable(field.load_default) else field.load_default)
    for name, field in MeetingTypeIn().fields.items()
    if field.load_default is not missing
} | {"online_meeting": False}


def _check_slug_free(page: BookingPage, slug: str, own_id: int | None) -> None:
    query = select(MeetingType.id).where(MeetingType.page_id == page.id, MeetingType.slug == slug)
    if own_id is not None:
        query = query.where(MeetingType.id != own_id)
    if db.session.scalar(query):
        raise Conflict(
            "slug", Message(_l("this page already has a meeting type at %(slug)s"), slug=slug)
        )


def _free_slug(page: BookingPage, base: str) -> str:
    base = slugify(base, max_length=56, word_boundary=True) or "meeting"
    candidate, n = base, 1
    taken = set(db.session.scalars(select(MeetingType.slug).where(MeetingType.page_id == page.id)))
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _apply(mt: MeetingType, cleaned: dict, user_id: int) -> None:
    for field, value in cleaned.items():
        if field == "hours":
            mt.custom_hours = value is not None
            mt.windows = hours_to_rows(value) if value is not None else []
        elif field == "overrides":
            mt.overrides = overrides_to_rows(value)
        else:
            setattr(mt, field, value)
    if "durations_minutes" in cleaned or "duration_minutes" in cleaned:
        durations = durations_of(mt.duration_minutes, mt.durations_minutes)
        if len(durations) > DURATIONS["most"]:
            raise ValidationFailed(
                {"durations_minutes": Message(TOO_MANY_LENGTHS, most=DURATIONS["most"])}
            )
        mt.durations_minutes = durations if len(durations) > 1 else []
    if cleaned.get("blocking_calendars") is not None:
        _check_calendars(cleaned["blocking_calendars"], user_id)
        mt.blocking_calendars = sorted(set(cleaned["blocking_calendars"]))


TOO_MANY_LENGTHS = _l("at most %(most)s lengths, the duration among them")


def _check_calendars(ids: list[int], user_id: int) -> None:
    """Each id must be one of the organizer's connected calendars."""
    own = set(
        db.session.scalars(select(ConnectedCalendar.id).where(ConnectedCalendar.user_id == user_id))
    )
    for calendar_id in ids:
        if calendar_id not in own:
            raise ValidationFailed(
                {
                    "blocking_calendars": Message(
                        _l("%(id)s is not one of your connected calendars"), id=calendar_id
                    )
                }
            )


def create(page: BookingPage, data: dict) -> MeetingType:
    """Add a meeting type to the page (MeetingTypeIn's values; checked here when not yet)."""
    cleaned = dict(load(MeetingTypeIn, data))
    if cleaned.get("slug"):
        _check_slug_free(page, cleaned["slug"], None)
    else:
        cleaned["slug"] = _free_slug(page, cleaned["title"])
    cleaned.setdefault("online_meeting", cleaned["location_kind"] == "online")
    position = db.session.scalar(
        select(func.coalesce(func.max(MeetingType.position), -1)).where(
            MeetingType.page_id == page.id
        )
    )
    mt = MeetingType(page_id=page.id, position=position + 1)
    _apply(mt, cleaned, page.user_id)
    db.session.add(mt)
    db.session.flush()
    return mt


def update(mt: MeetingType, data: dict) -> MeetingType:
    """Change the given fields of a meeting type (MeetingTypeIn's, partial)."""
    cleaned = load(MeetingTypeIn, data, partial=True)
    if "slug" in cleaned:
        _check_slug_free(mt.page, cleaned["slug"], mt.id)
    _apply(mt, cleaned, mt.page.user_id)
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
            Message(_l("this meeting type has bookings; make it private instead of deleting it")),
        )
    db.session.delete(mt)
    db.session.flush()


def to_dict(mt: MeetingType) -> dict:
    """Describe a type as the API does (the type editor starts from it)."""
    return dump(MeetingTypeOut, mt)


def get_for_page(page: BookingPage, slug: str) -> MeetingType | None:
    return db.session.scalar(
        select(MeetingType).where(MeetingType.page_id == page.id, MeetingType.slug == slug)
    )
