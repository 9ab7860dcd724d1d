"""The organization's policy: who may publish booking pages, and how calendars may be shared.

Pure rules over plain values. Seed semantics are Microsoft's "Bookings with me" switches:
organization on/off (Set-OrganizationConfig -EwsEnabled...), a per-user allow or block list, the
bookings licence, and the sharing policy's anonymous access and maximum level of detail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

USER_POLICIES = ("none", "allow", "block")
DETAILS = ("free_busy", "limited", "full")  # from least to most


@dataclass(frozen=True)
class OrgPolicy:
    bookings_enabled: bool = True
    user_policy: str = (
        "none"  # none: every licensed user; allow: only listed; block: all but listed
    )
    external_sharing: bool = True
    anonymous_sharing: bool = True
    max_detail: str = "free_busy"

    def __post_init__(self) -> None:
        if self.user_policy not in USER_POLICIES:
            raise ValueError(f"user policy must be one of {', '.join(USER_POLICIES)}")
        if self.max_detail not in DETAILS:
            raise ValueError(f"detail must be one of {', '.join(DETAILS)}")


@dataclass(frozen=True)
class Privacy:
    """How long attendees' data is kept (None: keep) and the consent booking forms ask for."""

    retention_days: int | None = None
    consent_text: str = ""


@dataclass(frozen=True)
class UserStanding:
    licensed: bool = True
    allow_listed: bool = False
    block_listed: bool = False


def blocked_reasons(org: OrgPolicy, user: UserStanding) -> list[str]:
    """Say why this user's booking pages may not be seen; an empty list means they may."""
    reasons = []
    if not org.bookings_enabled:
        reasons.append("organization_off")
    if not org.anonymous_sharing:
        # Booking pages show free/busy to anonymous visitors, so they need anonymous sharing.
        reasons.append("anonymous_sharing_off")
    if not user.licensed:
        reasons.append("not_licensed")
    if org.user_policy == "allow" and not user.allow_listed:
        reasons.append("not_on_allow_list")
    if org.user_policy == "block" and user.block_listed:
        reasons.append("on_block_list")
    return reasons


def may_publish(org: OrgPolicy, user: UserStanding) -> bool:
    """Tell whether this user's pages, types and links may be seen."""
    return not blocked_reasons(org, user)


def lower_detail(a: str, b: str) -> str:
    """Return the less detailed of two levels."""
    return DETAILS[min(DETAILS.index(a), DETAILS.index(b))]


def share_level(org: OrgPolicy, requested: str) -> str | None:
    """Return the level a share with an outsider shows now, or None when sharing is closed."""
    if requested not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}")
    if not org.external_sharing or not org.anonymous_sharing:
        return None
    return lower_detail(requested, org.max_detail)


def may_share_at(org: OrgPolicy, requested: str) -> bool:
    """Tell whether a new share at this level is allowed (not above the organization's maximum)."""
    return share_level(org, requested) == requested


def set_user_bookings(
    org: OrgPolicy, user: UserStanding, on: bool
) -> tuple[OrgPolicy, UserStanding]:
    """Turn one user's bookings on or off the way `user set --bookings` does (SPEC §3).

    Off: with an allow list, take them off it; otherwise put them on the block list (a `none`
    policy becomes `block`). On: put them on the allow list, or take them off the block list.
    """
    if org.user_policy == "allow":
        return org, replace(user, allow_listed=on)
    if on:
        return org, replace(user, block_listed=False)
    new_org = org if org.user_policy == "block" else replace(org, user_policy="block")
    return new_org, replace(user, block_listed=True)


def colleague_level(org: OrgPolicy, requested: str) -> str:
    """Return the level a signed-in colleague sees a share at, in /me.

    The switches for people outside (external sharing, anonymous access) don't apply inside the
    organization; the maximum level of detail does, as for every share.
    """
    if requested not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}")
    return lower_detail(requested, org.max_detail)
