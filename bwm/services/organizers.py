"""Organizer accounts, their booking page and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from slugify import slugify
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import Conflict, Message, ValidationFailed, _l
from ..extensions import db
from ..models import ApiToken, BookingPage, MeetingType, User
from ..schemas import check, load
from ..schemas.accounts import OrganizerIn, PasswordIn
from ..schemas.fields import Choice, Email
from . import pages
from .hours import DEFAULT_HOURS, hours_to_rows
from .pages import SLUG_TAKEN

# A password as every account form checks it (user creation, invitations, resets, changes).
PASSWORD = PasswordIn().fields["password"]
# Last use of an API token is written at most this often, not on every request.
TOKEN_USE_PRECISION = timedelta(minutes=1)

STARTER_TYPES = (
    ("15 minute meeting", "15-minute-meeting", 15),
    ("30 minute meeting", "30-minute-meeting", 30),
)


def normalize_email(value: str, field: str = "email") -> str:
    """Check an address and return it in the form we store (lowercase)."""
    return check(Email(required=True), value, field)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def unique_page_slug(base: str) -> str:
    """Return base, or base-2, base-3, ... whichever is free."""
    base = slugify(base, max_length=56, word_boundary=True) or "page"
    candidate, n = base, 1
    while db.session.scalar(select(BookingPage.id).where(BookingPage.slug == candidate)):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def create_organizer(
    email: str,
    name: str,
    password: str,
    *,
    admin: bool = False,
    slug: str | None = None,
    timezone: str = "UTC",
) -> User:
    """Make an organizer with a published page and the two starter meeting types."""
    given = {"email": email, "name": name, "password": password, "timezone": timezone}
    values = load(OrganizerIn, {**given, "slug": slug} if slug else given)
    email, name, timezone = values["email"], values["name"], values["timezone"]
    if find_user(email):
        raise Conflict("email", Message(_l("an account for %(email)s already exists"), email=email))
    slug = values.get("slug")
    if slug:
        if db.session.scalar(select(BookingPage.id).where(BookingPage.slug == slug)):
            raise Conflict("slug", Message(SLUG_TAKEN, slug=slug))
    else:
        slug = unique_page_slug(name)
    user = User(
        email=email,
        name=name,
        password_hash=generate_password_hash(password),
        is_admin=admin,
        licensed=True,
    )
    page = BookingPage(user=user, slug=slug, display_name=name, welcome="", timezone=timezone)
    page.windows = hours_to_rows(DEFAULT_HOURS)
    page.meeting_types = [
        MeetingType(
            title=title,
            slug=type_slug,
            duration_minutes=minutes,
            position=i,
            description="",
            location_kind="none",
            location="",
            reminders_minutes=[],
        )
        for i, (title, type_slug, minutes) in enumerate(STARTER_TYPES)
    ]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the password is right, else None.

    An unknown address costs the same hashing as a known one, so the time of the answer does
    not tell which addresses have accounts.
    """
    user = find_user(email or "")
    if user is None:
        check_password_hash(dummy_password_hash(), password or "")
        return None
    if check_password_hash(user.password_hash, password or ""):
        return user
    return None


@cache
def dummy_password_hash() -> str:
    """Return the hash of a password nobody knows, made like real ones (the same work to check)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def set_password(user: User, password: str, field: str = "password") -> None:
    """Set a password long enough (ValidationFailed naming `field` otherwise)."""
    check(PASSWORD, password, field)
    user.password_hash = generate_password_hash(password)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, *, name: str = "", now: datetime | None = None) -> str:
    """Make a bearer token; only its hash is stored, so it is shown once."""
    token = "bwm_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash(token), name=(name or "").strip()[:100])
    if now is not None:
        row.created_at = now
    db.session.add(row)
    db.session.flush()
    return token


def list_api_tokens(user: User) -> list[ApiToken]:
    """Return the user's tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token(user: User, token_id: int) -> bool:
    """Delete one of the user's tokens; tell whether there was one (another's is not found)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def api_token_for(token: str) -> ApiToken | None:
    """Return the stored row of a bearer token, or None for an unknown one."""
    if not token:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))


def note_token_use(row: ApiToken, *, now: datetime) -> bool:
    """Record that the token was used now; tell whether a row was written (flushed).

    Only when the last recorded use is older than TOKEN_USE_PRECISION: a busy client does not
    turn every API call into a write.
    """
    if row.last_used_at is not None and row.last_used_at > now - TOKEN_USE_PRECISION:
        return False
    changed = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == row.id,
            or_(
                ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOKEN_USE_PRECISION
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def user_for_token(token: str) -> User | None:
    """Return the token's user, or None for an unknown token."""
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None:
        return None
    return row.user


def clean_languages(data: dict, languages: list[str]) -> dict:
    """Check the organizer's own language and their page's default, those given in data."""
    cleaned: dict = {}
    errors: dict[str, str] = {}
    for field in ("language", "default_language"):
        if field in data:
            try:
                cleaned[field] = check(Choice(languages), data[field], field)
            except ValidationFailed as exc:
                errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def update_settings(user: User, data: dict, languages: list[str]) -> User:
    """Change the booking page (pages.update_page) and the languages; report every bad field.

    ValidationFailed names all of them (a slug taken too, when other fields are wrong); on it or
    on Conflict the caller rolls back, as the page's fields may already be changed in the session.
    """
    page_data = {k: v for k, v in data.items() if k not in ("language", "default_language")}
    errors: dict[str, str] = {}
    try:
        cleaned = clean_languages(data, languages)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        cleaned = {}
    try:
        pages.update_page(user.page, page_data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    except Conflict as exc:
        if not errors:
            raise
        errors[exc.field] = exc.message
    if errors:
        raise ValidationFailed(errors)
    if "language" in cleaned:
        user.language = cleaned["language"]
    if "default_language" in cleaned:
        user.page.default_language = cleaned["default_language"]
    db.session.flush()
    return user
