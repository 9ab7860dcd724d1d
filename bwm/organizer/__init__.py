"""The organizer's pages under /me, a module per feature, all on one blueprint."""

# Each module adds its views to bp.
from . import (  # noqa: F401
    account,
    booking_changes,
    bookings,
    busy,
    calendar_shares,
    calendars,
    exports,
    links,
    meeting_types,
    page_sharing,
    pages,
    policy,
    requests,
    views,
    webhooks,
)
from .blueprint import bp

__all__ = ["bp"]
