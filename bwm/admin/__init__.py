"""The administrator's pages under /admin, a module per feature, all on one blueprint.

The invitation link (/invite/<token>) is a blueprint of its own, in invites.py.
"""

# Each module adds its views to bp.
from . import audit, operations, privacy, views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
