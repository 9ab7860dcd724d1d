"""Single sign-on for organizers (OpenID Connect): who a provider's answer signs in.

The view talks to the provider (Authlib); this module gets the checked ID token's claims and
decides: a known address signs in that account, an unknown one is refused or, when the
configuration says so, becomes a new organizer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..domain import policy as rules
from ..domain.errors import ValidationFailed
from ..extensions import db
from ..models import User
from . import audit, policy
from .organizers import create_organizer, find_user, normalize_email

# Why a provider's answer signs nobody in; the view shows the text with the status.
REFUSALS = {
    "no_email": (403, _l("The sign-in service did not tell us your email address.")),
    "unverified_email": (
        403,
        _l(
            "The sign-in service has not verified your email address, so it can't be matched "
            "to an account. Verify it there, then try again."
        ),
    ),
    "unknown_user": (
        403,
        _l(
            "There is no account for %(email)s. Ask an administrator to create one, then sign "
            "in again."
        ),
    ),
    "not_allowed": (
        403,
        _l(
            "There is no account for %(email)s, and only the users on the organization's allow "
            "list may have a booking page. Ask an administrator."
        ),
    ),
    "bad_email": (403, _l("The email address the sign-in service gave us can't be used here.")),
}


class SignInRefused(Exception):
    """The provider vouched for someone who may not sign in here; reason is a REFUSALS key."""

    def __init__(self, reason: str, email: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.email = email

    @property
    def status(self) -> int:
        return REFUSALS[self.reason][0]

    def message(self) -> str:
        return str(REFUSALS[self.reason][1]) % {"email": self.email}


@dataclass(frozen=True)
class Settings:
    """The single sign-on part of the configuration, checked once."""

    issuer: str
    client_id: str
    client_secret: str
    name: str
    create_users: bool
    password_login: bool
    timeout: float

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


SINGLE_SIGN_ON = "single sign-on"


def flag(value: Any, default: bool) -> bool:
    """Read a yes/no setting given as a bool (BWM_X=true is JSON) or as text ("false", "0")."""
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


def settings_from(config: dict) -> Settings:
    """Return the settings a Flask config holds (the OIDC_* and PASSWORD_LOGIN keys)."""
    issuer = str(config.get("OIDC_ISSUER") or "").strip()
    client_id = str(config.get("OIDC_CLIENT_ID") or "").strip()
    enabled = bool(issuer and client_id)
    return Settings(
        issuer=issuer,
        client_id=client_id,
        client_secret=str(config.get("OIDC_CLIENT_SECRET") or ""),
        name=str(config.get("OIDC_NAME") or "").strip() or "SSO",
        create_users=flag(config.get("OIDC_CREATE_USERS"), False),
        # Passwords are the only way in while no provider is set: never turn them off then.
        password_login=flag(config.get("PASSWORD_LOGIN"), True) or not enabled,
        timeout=float(config.get("OIDC_TIMEOUT") or 10),
    )


def verified(claims: dict) -> bool:
    """Tell whether the provider says it verified the email (some send "true" as text)."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def display_name(claims: dict, email: str) -> str:
    """Return the name a new account gets: the provider's, else the address's local part."""
    for key in ("name", "preferred_username", "given_name", "nickname"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:100]
    return email.split("@", 1)[0][:100]


def user_for_claims(claims: dict, *, create_users: bool, now: datetime) -> User:
    """Return the account the ID token's claims sign in; SignInRefused says why not.

    Matched on the email only when the provider verified it: an unverified address is anyone's
    to type. A user the organization has unlicensed or blocked signs in as with a password
    (their pages stay offline, and /me says why).
    """
    raw = claims.get("email")
    if not isinstance(raw, str) or not raw.strip():
        raise SignInRefused("no_email")
    if not verified(claims):
        raise SignInRefused("unverified_email", raw)
    user = find_user(raw)
    if user is not None:
        return user
    if not create_users:
        raise SignInRefused("unknown_user", raw)
    # A new account is not on the allow list: under one, its page could never be seen.
    if "not_on_allow_list" in rules.blocked_reasons(policy.org_policy(), rules.UserStanding()):
        raise SignInRefused("not_allowed", raw)
    try:
        email = normalize_email(raw)
        # A random password nobody is told: the account signs in through the provider (or a
        # password reset, where passwords are allowed).
        user = create_organizer(email, display_name(claims, email), secrets.token_urlsafe(32))
        db.session.flush()
        audit.record(
            "user.create",
            now=now,
            target_type="user",
            target=user.email,
            after={"name": user.name, "email": user.email, "admin": False},
            only_changes=False,
            actor=SINGLE_SIGN_ON,
        )
        return user
    except ValidationFailed:
        raise SignInRefused("bad_email", raw) from None
    except IntegrityError:
        # The same person signing in twice at once: the other request made the account.
        db.session.rollback()
        user = find_user(raw)
        if user is None:
            raise
        return user
