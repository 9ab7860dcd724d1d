"""Signing in and out, password resets and email confirmations."""

# Each module adds its views to bp.
from . import oidc, views  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
