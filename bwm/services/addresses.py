"""Checking an address another server is reached at (a connected calendar, a webhook receiver)."""

from __future__ import annotations

from ..core.addresses import AddressRefused, check_public_url
from ..domain.errors import ValidationFailed


def check_address(url: str, *, deny_private: bool, field: str = "url") -> str:
    """Refuse an address at a private network when `deny_private` (DNS is asked)."""
    if deny_private:
        try:
            check_public_url(url)
        except AddressRefused as exc:
            raise ValidationFailed({field: str(exc)}) from None
    return url
