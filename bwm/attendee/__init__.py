"""The attendee's pages, a module per feature, all on one blueprint."""

# Each module adds its views to bp.
from . import booking, bot_check, calendar_shares, decide, links, manage, pages, verify  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
