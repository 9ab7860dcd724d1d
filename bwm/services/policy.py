"""The organization's policy: rows -> domain values, and the one answer to "may this user's
pages be seen?" for every service.

Read from the database on every call (no cache across requests), so a change made in /admin or
with `flask org set` takes effect at once in every process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain import policy as rules
from ..domain.errors import ValidationFailed
from ..domain.policy import DETAILS, USER_POLICIES, OrgPolicy, Privacy, UserStanding
from ..extensions import db
from ..models import BookingPage, OrgSettings, User
from ..schemas import load
from ..schemas.privacy import PrivacySettingsIn
from . import audit

SETTINGS_ID = 1

# Why a user's pages are offline, in words for the organizer's banner and the admin's pages.
REASONS = {
    "organization_off": _l("Bookings with me is turned off for the whole organization."),
    "anonymous_sharing_off": _l(
        "Anonymous calendar sharing is turned off, and booking pages show free/busy times to "
        "people who are not signed in."
    ),
    "not_licensed": _l("Your account does not have a Bookings with me licence."),
    "not_on_allow_list": _l(
        "You are not on the organization's allow list: only the users on it may publish."
    ),
    "on_block_list": _l("You are on the organization's block list: users on it may not publish."),
}

# The same, short and about someone else, for the admin's pages.
REASON_LABELS = {
    "organization_off": _l("organization off"),
    "anonymous_sharing_off": _l("anonymous sharing off"),
    "not_licensed": _l("no licence"),
    "not_on_allow_list": _l("not on the allow list"),
    "on_block_list": _l("on the block list"),
}

DETAIL_LABELS = {
    "free_busy": _l("Free/busy only"),
    "limited": _l("Free/busy, subject and location"),
    "full": _l("All details"),
}

POLICY_LABELS = {
    "none": _l("No list: every licensed user"),
    "allow": _l("Allow list: only the users on it"),
    "block": _l("Block list: everyone but the users on it"),
}


# --- reading ----------------------------------------------------------------------------------


def settings_row() -> OrgSettings | None:
    """Return the settings row, or None while nobody has changed the defaults."""
    return db.session.get(OrgSettings, SETTINGS_ID, populate_existing=True)


def org_policy() -> OrgPolicy:
    """Return the organization's policy as it stands now (SPEC §3's defaults when never set)."""
    return policy_of(settings_row())


def policy_of(row: OrgSettings | None) -> OrgPolicy:
    """The policy a settings row says (SPEC §3's defaults for no row)."""
    if row is None:
        return OrgPolicy()
    return OrgPolicy(**{f.name: getattr(row, f.name) for f in fields(OrgPolicy)})


def standing_of(user: User) -> UserStanding:
    return UserStanding(
        licensed=bool(user.licensed),
        allow_listed=bool(user.allow_listed),
        block_listed=bool(user.block_listed),
    )


def reasons_for(user: User, org: OrgPolicy | None = None) -> list[str]:
    """Say why the user's pages are offline; an empty list means they may be seen."""
    return rules.blocked_reasons(org or org_policy(), standing_of(user))


def may_publish(user: User, org: OrgPolicy | None = None) -> bool:
    """Tell whether the user's pages, meeting types and private links may be seen."""
    return not reasons_for(user, org)


def page_visible(page: BookingPage, org: OrgPolicy | None = None) -> bool:
    """Tell whether attendees may see this page: published, and its owner allowed to publish."""
    return bool(page.published) and may_publish(page.user, org)


def reason_texts(reasons: list[str]) -> list[str]:
    return [str(REASONS[r]) for r in reasons]


def allow_list() -> list[User]:
    return list(db.session.scalars(select(User).where(User.allow_listed).order_by(User.email)))


def block_list() -> list[User]:
    return list(db.session.scalars(select(User).where(User.block_listed).order_by(User.email)))


def settings_to_dict(org: OrgPolicy) -> dict:
    """Return the settings with the names and values of the CLI (`on`/`off`)."""
    return {
        "bookings": "on" if org.bookings_enabled else "off",
        "user_policy": org.user_policy,
        "external_sharing": "on" if org.external_sharing else "off",
        "anonymous_sharing": "on" if org.anonymous_sharing else "off",
        "max_detail": org.max_detail,
    }


# --- what a change does -----------------------------------------------------------------------


@dataclass(frozen=True)
class Affected:
    """Who a change takes offline and who it brings back."""

    offline: list[User]
    back: list[User]

    @property
    def anyone(self) -> bool:
        return bool(self.offline or self.back)


def affected_by(
    old: OrgPolicy, new: OrgPolicy, standings: dict[int, UserStanding] | None = None
) -> Affected:
    """Compare every user's visibility under the old and the new policy (and new standings)."""
    standings = standings or {}
    offline, back = [], []
    for user in db.session.scalars(select(User).order_by(User.name, User.email)):
        before = rules.may_publish(old, standing_of(user))
        after = rules.may_publish(new, standings.get(user.id, standing_of(user)))
        if before and not after:
            offline.append(user)
        elif after and not before:
            back.append(user)
    return Affected(offline, back)


# --- changing ---------------------------------------------------------------------------------


def clean_changes(data: dict) -> dict:
    """Check new settings given as the OrgPolicy's fields; name every bad one."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    for field in ("bookings_enabled", "external_sharing", "anonymous_sharing"):
        if field in data:
            if not isinstance(data[field], bool):
                errors[field] = "must be true or false"
            else:
                cleaned[field] = data[field]
    if "user_policy" in data:
        if data["user_policy"] not in USER_POLICIES:
            errors["user_policy"] = f"must be one of {', '.join(USER_POLICIES)}"
        else:
            cleaned["user_policy"] = data["user_policy"]
    if "max_detail" in data:
        if data["max_detail"] not in DETAILS:
            errors["max_detail"] = f"must be one of {', '.join(DETAILS)}"
        else:
            cleaned["max_detail"] = data["max_detail"]
    unknown = set(data) - set(OrgPolicy.__dataclass_fields__)
    for field in unknown:
        errors[field] = "is not a setting"
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def proposed(data: dict) -> OrgPolicy:
    """Return the policy as it would be with these changes, without saving anything."""
    return replace(org_policy(), **clean_changes(data))


def _row_for_update() -> OrgSettings:
    row = settings_row()
    if row is not None:
        return row
    defaults = OrgPolicy()
    row = OrgSettings(
        id=SETTINGS_ID,
        bookings_enabled=defaults.bookings_enabled,
        user_policy=defaults.user_policy,
        external_sharing=defaults.external_sharing,
        anonymous_sharing=defaults.anonymous_sharing,
        max_detail=defaults.max_detail,
    )
    # Two first saves at once: the second fails on the primary key and its change is refused
    # (an error, not a lost update); the migration makes the row, so this is rare.
    db.session.add(row)
    return row


# --- privacy (SPEC §11) ------------------------------------------------------------------------


def privacy() -> Privacy:
    row = settings_row()
    if row is None:
        return Privacy()
    return Privacy(retention_days=row.retention_days, consent_text=row.consent_text or "")


def update_privacy(data: dict, *, now: datetime) -> tuple[Privacy, Privacy]:
    """Change the given privacy settings (checked by PrivacySettingsIn, every bad field named);
    record the change in the audit trail; flush. Return the settings before and after."""
    cleaned = load(PrivacySettingsIn, data, partial=True)
    old = privacy()
    new = replace(old, **cleaned)
    if new != old:
        row = _row_for_update()
        row.retention_days = new.retention_days
        row.consent_text = new.consent_text
        row.updated_at = now
        audit.record(
            "org.privacy", now=now, target_type="org", before=asdict(old), after=asdict(new)
        )
        db.session.flush()
    return old, new


def save_policy(org: OrgPolicy, *, now: datetime) -> OrgPolicy:
    """Write the whole policy to the settings row (made on first save); flush."""
    row = _row_for_update()
    row.bookings_enabled = org.bookings_enabled
    row.user_policy = org.user_policy
    row.external_sharing = org.external_sharing
    row.anonymous_sharing = org.anonymous_sharing
    row.max_detail = org.max_detail
    row.updated_at = now
    db.session.flush()
    return org


def update_org(data: dict, *, now: datetime) -> tuple[OrgPolicy, OrgPolicy]:
    """Change the given settings (recorded in the audit trail); return the policy before, after."""
    old = org_policy()
    new = replace(old, **clean_changes(data))
    save_policy(new, now=now)
    audit.record("org.settings", now=now, target_type="org", before=asdict(old), after=asdict(new))
    return old, new


@dataclass(frozen=True)
class UserChange:
    """What `set_user` did: the policy before and after (the mode may change) and who changed."""

    old_org: OrgPolicy
    new_org: OrgPolicy
    affected: Affected


def user_change(
    user: User,
    *,
    bookings: bool | None = None,
    licensed: bool | None = None,
) -> tuple[OrgPolicy, UserStanding]:
    """Return the policy and the user's standing after a change, without saving anything."""
    org, standing = org_policy(), standing_of(user)
    if bookings is not None:
        org, standing = rules.set_user_bookings(org, standing, bookings)
    if licensed is not None:
        standing = replace(standing, licensed=licensed)
    return org, standing


def preview_user(
    user: User, *, bookings: bool | None = None, licensed: bool | None = None
) -> UserChange:
    """Tell what set_user would do, saving nothing."""
    old = org_policy()
    new, standing = user_change(user, bookings=bookings, licensed=licensed)
    return UserChange(old, new, affected_by(old, new, {user.id: standing}))


def set_user(
    user: User,
    *,
    bookings: bool | None = None,
    licensed: bool | None = None,
    admin: bool | None = None,
    now: datetime,
) -> UserChange:
    """Change one user's policy the way `flask user set` does (SPEC §3); flush.

    Bookings off takes them off an allow list or puts them on the block list (a `none` policy
    becomes `block`); on puts them on the allow list or takes them off the block list.
    """
    change = preview_user(user, bookings=bookings, licensed=licensed)
    before = _user_policy(user)
    _, standing = user_change(user, bookings=bookings, licensed=licensed)
    user.licensed = standing.licensed
    user.allow_listed = standing.allow_listed
    user.block_listed = standing.block_listed
    if admin is not None:
        user.is_admin = admin
    if change.new_org != change.old_org:
        save_policy(change.new_org, now=now)
        audit.record(
            "org.settings",
            now=now,
            target_type="org",
            before=asdict(change.old_org),
            after=asdict(change.new_org),
        )
    audit.record(
        "user.policy",
        now=now,
        target_type="user",
        target=user.email,
        before=before,
        after=_user_policy(user),
    )
    db.session.flush()
    return change


def _user_policy(user: User) -> dict:
    return {
        "licensed": user.licensed,
        "allow_listed": user.allow_listed,
        "block_listed": user.block_listed,
        "admin": user.is_admin,
    }
