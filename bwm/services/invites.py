"""Users an admin creates: with a password, or invited by email to choose one.

An invitation is a signed link (/invite/<token>) naming one UserInvite row; it expires after
INVITE_DAYS (7 by default) and works once: the first password set consumes it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import outbox
from ..core import signing
from ..core.urls import external_url
from ..domain.tokens import TokenError, TokenSigner
from ..extensions import db
from ..models import User, UserInvite
from . import audit, organizers

INVITE_SALT = "bwm.invite"


def _signer() -> TokenSigner:
    return signing.signer(INVITE_SALT)


def invite_days() -> int:
    return int(current_app.config.get("INVITE_DAYS", 7))


def create_user(
    name: str, email: str, password: str | None, *, invite: bool, admin: bool, now: datetime
) -> User:
    """Make an organizer (licensed, on no list); with invite, email them a link to set a password.

    Without a password the account gets a random one nobody knows, so only the invitation
    opens it. ValidationFailed / Conflict as organizers.create_organizer.
    """
    user = organizers.create_organizer(
        email, name, password or secrets.token_urlsafe(32), admin=admin
    )
    # They start in the language the admin works in; they change it in their settings.
    user.language = _request_locale()
    db.session.flush()
    audit.record(
        "user.create",
        now=now,
        target_type="user",
        target=user.email,
        after={"name": user.name, "email": user.email, "admin": user.is_admin, "invite": invite},
        only_changes=False,
    )
    if invite:
        send_invite(user, now=now)
    return user


def _request_locale() -> str:
    """Return the language of the request at hand; English without one (the CLI)."""
    return str(get_locale() or "en") if has_request_context() else "en"


def send_invite(user: User, *, now: datetime) -> UserInvite:
    """Write a new invitation and its email (outbox), in the user's language; earlier ones keep
    working until used."""
    row = UserInvite(
        user_id=user.id,
        token_id=secrets.token_urlsafe(18),
        created_at=now,
        expires_at=now + timedelta(days=invite_days()),
    )
    row.user = user
    db.session.add(row)
    db.session.flush()
    audit.record(
        "user.invite",
        now=now,
        target_type="user",
        target=user.email,
        after={"expires_at": row.expires_at},
        only_changes=False,
    )
    context = {
        "user": user,
        "url": external_url("invites.accept_invite", token=_signer().sign(row.token_id)),
        "expires_at": row.expires_at,
        "days": invite_days(),
    }
    with force_locale(user.language or "en"):
        subject = _("You are invited to Bookings with me")
        text = render_template("email/invite.txt", **context)
        html = render_template("email/invite.html", **context)
    outbox.enqueue(user.email, subject, text, html, now=now)
    return row


def open_invite(token: str, *, now: datetime) -> UserInvite:
    """Return the invitation of a token; TokenError invalid (404), used or expired (410)."""
    token_id = _signer().unsign(token)
    if not isinstance(token_id, str):
        raise TokenError.invalid()
    row = db.session.scalar(select(UserInvite).where(UserInvite.token_id == token_id))
    if row is None:
        raise TokenError.invalid()
    if row.used_at is not None:
        raise TokenError.used()
    if row.expires_at <= now:
        raise TokenError.expired()
    return row


def accept(row: UserInvite, password: str, *, now: datetime) -> User:
    """Set the user's password and use the invitation up; of two at once, one wins (410)."""
    organizers.set_password(row.user, password)  # ValidationFailed when too short
    changed = db.session.execute(
        update(UserInvite)
        .where(UserInvite.id == row.id, UserInvite.used_at.is_(None), UserInvite.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise TokenError.used()
    db.session.flush()
    return row.user
