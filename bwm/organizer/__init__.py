"""The organizer's pages under /me, a module per feature, all on one blueprint."""

# Each module adds its views to bp.
from . import account, calendars, links, policy, shares, sharing, views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
