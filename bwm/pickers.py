"""The slot picker on any page that shows one: a type's free times for the attendee to book or
move to, and the organizer moving a booking. Builds what the picker templates need."""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from marshmallow import ValidationError

from .domain.zones import zone_names
from .models import MeetingType
from .schemas.fields import Instant
from .services import picker
from .web import now


def parse_start(value: str | None) -> datetime | None:
    """Read a start from a link or form (a "+" in a query string may arrive as a space)."""
    try:
        return Instant().deserialize((value or "").replace(" ", "+"))
    except ValidationError:
        return None


def picker_context(
    mt: MeetingType,
    endpoint: str,
    values: dict,
    time_endpoint: str,
    args: dict | None = None,
    *,
    duration: int | None = None,
) -> dict:
    """Build what the picker templates need, for any URL that shows a picker.

    duration: a length fixed by the caller (a booking being moved keeps its own), so none is
    asked for; else the query string's, when the type offers several.
    """
    shown = picker.build(mt, request.args if args is None else args, now=now(), duration=duration)

    def picker_link(**args) -> str:
        return url_for(endpoint, **values, **{k: v for k, v in args.items() if v})

    def time_link(t: datetime) -> str:
        extra = {"duration": shown.link_duration} if shown.link_duration else {}
        return url_for(time_endpoint, **values, start=t.isoformat(), tz=shown.tz.key, **extra)

    return {
        "page": mt.page,
        "mt": mt,
        "picker": shown,
        "zones": zone_names(),
        "base_url": url_for(endpoint, **values),
        "picker_link": picker_link,
        "time_link": time_link,
    }
