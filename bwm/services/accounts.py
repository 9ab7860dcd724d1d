"""An organizer's own account: name, language, password, sign-in address; and password resets.

A new address counts once it is confirmed from a signed link sent to it (/account/email/<token>,
naming one EmailChange row): the link works once, for EMAIL_CHANGE_HOURS (24 by default); a
newer request or a new password withdraws it (so someone who learnt the old password can't
finish taking the account over once its owner has changed it).

A password reset link (/login/reset/<token>) keeps no row: its signed payload names the user,
the time it was made and a fingerprint of the password hash and address of that moment. It
expires after PASSWORD_RESET_MINUTES (60 by default) and dies with the first new password or
sign-in address, whatever sets them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import outbox
from ..core import signing
from ..core.urls import external_url
from ..domain.errors import Conflict, Message, ValidationFailed, _l
from ..domain.tokens import TokenError, TokenSigner
from ..extensions import db
from ..models import EmailChange, User
from ..schemas import check
from ..schemas.accounts import ProfileIn
from . import organizers

EMAIL_CHANGE_SALT = "bwm.email-change"
RESET_SALT = "bwm.password-reset"

# Messages of ValidationFailed that a view tells apart (and says in the reader's language).
WRONG_PASSWORD = Message(_l("is not your current password"))
SAME_EMAIL = Message(_l("is already your address"))
TAKEN_EMAIL = _l("another account has the address %(email)s")


def email_change_hours() -> int:
    return int(current_app.config.get("EMAIL_CHANGE_HOURS", 24))


def reset_minutes() -> int:
    return int(current_app.config.get("PASSWORD_RESET_MINUTES", 60))


# --- name, language, password ---------------------------------------------------------------


def update_profile(user: User, data: dict, languages: list[str]) -> User:
    """Change the user's name and their own language (those given); ValidationFailed names
    every bad field and changes nothing."""
    errors: dict[str, str] = {}
    name = user.name
    if "name" in data:
        try:
            name = check(ProfileIn().fields["name"], data["name"], "name")
        except ValidationFailed as exc:
            errors.update(exc.errors)
    try:
        cleaned = organizers.clean_languages(
            {k: v for k, v in data.items() if k == "language"}, languages
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
        cleaned = {}
    if errors:
        raise ValidationFailed(errors)
    user.name = name
    if "language" in cleaned:
        user.language = cleaned["language"]
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, *, now: datetime) -> None:
    """Set a new password when the current one is right; pending address changes stop working.

    ValidationFailed {"current_password": ...} for a wrong current password,
    {"new_password": ...} for a new one shorter than organizers.MIN_PASSWORD_LENGTH.
    """
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed({"current_password": WRONG_PASSWORD})
    organizers.set_password(user, new, "new_password")
    withdraw_email_changes(user, now=now)
    db.session.flush()


# --- sign-in address --------------------------------------------------------------------------


def _email_signer() -> TokenSigner:
    return signing.signer(EMAIL_CHANGE_SALT)


def request_email_change(
    user: User, new_email: str, password: str, *, now: datetime
) -> EmailChange:
    """Write a pending change and its confirmation email to the new address (outbox).

    ValidationFailed {"password": ...} when the password is wrong, {"email": ...} for a bad
    address or the current one; Conflict("email") when another account has the address.
    Earlier pending changes of the user stop working (revoked).
    """
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed({"password": WRONG_PASSWORD})
    email = organizers.normalize_email(new_email)
    if email == user.email.lower():
        raise ValidationFailed({"email": SAME_EMAIL})
    other = organizers.find_user(email)
    if other is not None and other.id != user.id:
        raise Conflict("email", Message(TAKEN_EMAIL, email=email))
    withdraw_email_changes(user, now=now)
    row = EmailChange(
        user_id=user.id,
        token_id=secrets.token_urlsafe(18),
        new_email=email,
        created_at=now,
        expires_at=now + timedelta(hours=email_change_hours()),
    )
    row.user = user
    db.session.add(row)
    db.session.flush()
    context = {
        "user": user,
        "new_email": email,
        "url": external_url("auth.confirm_email", token=_email_signer().sign(row.token_id)),
        "hours": email_change_hours(),
    }
    with force_locale(user.language or "en"):
        subject = _("Confirm your new sign-in address")
        text = render_template("email/account_email_change.txt", **context)
        html = render_template("email/account_email_change.html", **context)
    outbox.enqueue(email, subject, text, html, now=now)
    return row


def withdraw_email_changes(user: User, *, now: datetime) -> None:
    """Make the links of the user's pending address changes stop working."""
    db.session.execute(
        update(EmailChange)
        .where(
            EmailChange.user_id == user.id,
            EmailChange.used_at.is_(None),
            EmailChange.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def pending_email_change(user: User, *, now: datetime) -> EmailChange | None:
    """Return the user's change still waiting for its link, if any."""
    return db.session.scalar(
        select(EmailChange)
        .where(
            EmailChange.user_id == user.id,
            EmailChange.used_at.is_(None),
            EmailChange.revoked_at.is_(None),
            EmailChange.expires_at > now,
        )
        .order_by(EmailChange.id.desc())
        .limit(1)
    )


def open_email_change(token: str, *, now: datetime) -> EmailChange:
    """Return the change of a token; TokenError invalid (404), used, revoked or expired (410)."""
    token_id = _email_signer().unsign(token)
    if not isinstance(token_id, str):
        raise TokenError.invalid()
    row = db.session.scalar(select(EmailChange).where(EmailChange.token_id == token_id))
    if row is None:
        raise TokenError.invalid()
    if row.used_at is not None:
        raise TokenError.used()
    if row.revoked_at is not None:
        raise TokenError.revoked()
    if row.expires_at <= now:
        raise TokenError.expired()
    return row


def confirm_email_change(row: EmailChange, *, now: datetime) -> str:
    """Make the new address the user's and use the link up; return the old address.

    Conflict("email") when another account took the address meanwhile; TokenError used when
    another request confirmed or withdrew it first. On either the caller rolls back.
    """
    user = row.user
    other = organizers.find_user(row.new_email)
    if other is not None and other.id != user.id:
        raise Conflict("email", Message(TAKEN_EMAIL, email=row.new_email))
    changed = db.session.execute(
        update(EmailChange)
        .where(
            EmailChange.id == row.id,
            EmailChange.used_at.is_(None),
            EmailChange.revoked_at.is_(None),
            EmailChange.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise TokenError.used()
    old = user.email
    user.email = row.new_email
    try:
        db.session.flush()
    except IntegrityError:  # taken by an account made at the same moment
        raise Conflict("email", Message(TAKEN_EMAIL, email=row.new_email)) from None
    _tell_old_address(user, old, now=now)
    return old


def _tell_old_address(user: User, old: str, *, now: datetime) -> None:
    """Tell the old address that the account no longer signs in with it."""
    context = {"user": user, "old_email": old, "new_email": user.email}
    with force_locale(user.language or "en"):
        subject = _("Your sign-in address was changed")
        text = render_template("email/account_email_changed.txt", **context)
        html = render_template("email/account_email_changed.html", **context)
    outbox.enqueue(old, subject, text, html, now=now)


# --- password reset ---------------------------------------------------------------------------


def _reset_signer() -> TokenSigner:
    return signing.signer(RESET_SALT)


def _fingerprint(password_hash: str, email: str) -> str:
    # The hash is salted, so even setting the same password again makes a new fingerprint.
    material = f"{password_hash}\0{email.lower()}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def send_password_reset(email: str, *, now: datetime) -> bool:
    """Email a reset link when an account has the address (outbox); tell whether one went.

    Unknown addresses get the same work (a token signed, the email written, a password
    hash checked) short of the outbox row, so the answer's time tells nothing either.
    """
    email = organizers.normalize_email(email)  # ValidationFailed {"email": ...}
    user = organizers.find_user(email)
    known = user is not None
    # A stand-in with the same shape, for the work of an address nobody has.
    target = user or SimpleNamespace(
        id=0,
        name=email,
        email=email,
        password_hash=organizers.dummy_password_hash(),
        language=str(get_locale() or "en"),
    )
    token = _reset_signer().sign(
        {
            "u": target.id,
            "p": _fingerprint(target.password_hash, target.email),
            "t": int(now.timestamp()),
        }
    )
    check_password_hash(organizers.dummy_password_hash(), token)
    context = {
        "user": target,
        "url": external_url("auth.reset_password", token=token),
        "minutes": reset_minutes(),
    }
    with force_locale(target.language or "en"):
        subject = _("Choose a new password")
        text = render_template("email/account_password_reset.txt", **context)
        html = render_template("email/account_password_reset.html", **context)
    if known:
        outbox.enqueue(user.email, subject, text, html, now=now)
    return known


def open_password_reset(token: str, *, now: datetime) -> User:
    """Return the user of a reset token; TokenError invalid (404), expired or used (410)."""
    payload = _reset_signer().unsign(token)
    if not isinstance(payload, dict):
        raise TokenError.invalid()
    user_id, fingerprint, made = payload.get("u"), payload.get("p"), payload.get("t")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise TokenError.invalid()
    if not isinstance(made, int):
        raise TokenError.invalid()
    if now >= datetime.fromtimestamp(made, UTC) + timedelta(minutes=reset_minutes()):
        raise TokenError.expired()
    user = db.session.get(User, user_id)
    if user is None:
        raise TokenError.invalid()
    if not secrets.compare_digest(fingerprint, _fingerprint(user.password_hash, user.email)):
        raise TokenError.used()
    return user


def reset_password(user: User, password: str, *, now: datetime) -> User:
    """Set the new password of an opened reset link; of two at once, one wins (TokenError used).

    Pending address changes stop working. ValidationFailed {"new_password": ...} for a short one.
    """
    check(organizers.PASSWORD, password, "new_password")
    before = user.password_hash
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == before)
        .values(password_hash=generate_password_hash(password))
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise TokenError.used()
    db.session.expire(user, ["password_hash"])
    withdraw_email_changes(user, now=now)
    return user
