"""JSON API v1 (SPEC §5), validated, serialized and documented from bwm/schemas."""

from . import (  # noqa: F401 - each module adds its routes to bp
    audit,
    bookings,
    busy,
    calendar_shares,
    calendars,
    docs,
    links,
    meeting_types,
    operations,
    pages,
    privacy,
    webhooks,
)
from .blueprint import Api, bp

__all__ = ["Api", "bp"]
