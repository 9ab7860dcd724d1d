"""The attendee's pages, a module per feature, all on one blueprint."""

# Each module adds its views to bp.
from . import (  # noqa: F401
    booking,
    bot_check,
    branding,
    calendar_shares,
    decide,
    links,
    manage,
    pages,
    verify,
)
from .blueprint import bp

__all__ = ["bp"]
