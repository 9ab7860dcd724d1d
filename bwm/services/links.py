"""Private links: make, list, revoke, open from a token, and consume with a booking."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import outbox
from ..core import signing
from ..core.urls import external_url
from ..domain import links as rules
from ..domain.errors import Message, ValidationFailed, _l
from ..domain.tokens import TokenError, TokenSigner
from ..extensions import db
from ..models import BookingPage, MeetingType, PrivateLink
from ..schemas import With, check, load
from ..schemas.fields import Email
from ..schemas.links import LinkIn
from . import policy

LINK_SALT = "bwm.private-link"


class LinkUnavailable(Exception):
    """The link is fine but its page is offline (unpublished, or its owner turned off by the
    organization's policy): a 404 like the page's."""


def _signer() -> TokenSigner:
    return signing.signer(LINK_SALT)


def token_of(link: PrivateLink) -> str:
    return _signer().sign(link.token_id)


def url_of(link: PrivateLink) -> str:

    return external_url("attendee.link", token=token_of(link))


def state_of(link: PrivateLink, now: datetime) -> str:
    return rules.link_state(
        expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at, now=now
    )


def max_days() -> int:
    return int(current_app.config["PRIVATE_LINK_DAYS"])


# --- the organizer's side ---------------------------------------------------------------------


def new_link(mt: MeetingType, data: dict, *, now: datetime) -> PrivateLink:
    """Make a link to the type from LinkIn's values; its expiry checked by the domain.

    A link for one person (SPEC §9) keeps their name and email for the booking form; with
    `send`, it is emailed to them with the organizer's message.
    """
    values = load(LinkIn, data)
    if values["send"] and not values["email"]:
        raise ValidationFailed({"email": Message(_l("is required to send the link"))})
    expires_at = rules.choose_expiry(values["expires_at"], now=now, days=max_days())
    link = create_link(
        mt,
        single_use=values["single_use"],
        expires_at=expires_at,
        now=now,
        name=values["name"],
        email=values["email"] or "",
    )
    if values["send"]:
        send_link(link, values["message"], now=now)
    return link


def new_links_for(
    mt: MeetingType, addresses: str, *, message: str, expires_at: str | None, now: datetime
) -> list[PrivateLink]:
    """Make one single-use link per address (one a line, or separated by commas) and send each.

    Every address is checked first: ValidationFailed names the first bad one, and none is made.
    """
    emails: list[str] = []
    for part in re.split(r"[\s,;]+", addresses or ""):
        if part:
            email = check(EMAIL, part, "addresses")
            if email not in emails:
                emails.append(email)
    if not emails:
        raise ValidationFailed({"addresses": Message(_l("give at least one address"))})
    if len(emails) > MAX_AT_ONCE:
        raise ValidationFailed(
            {"addresses": Message(_l("at most %(most)s addresses at once"), most=MAX_AT_ONCE)}
        )
    message = check(MESSAGE, message, "message")
    made = []
    for email in emails:
        made.append(
            new_link(
                mt,
                {
                    "single_use": True,
                    "expires_at": expires_at,
                    "email": email,
                    "send": True,
                    "message": message,
                },
                now=now,
            )
        )
    return made


MAX_AT_ONCE = 200
EMAIL = Email()
MESSAGE = LinkIn().fields["message"]


def send_link(link: PrivateLink, message: str, *, now: datetime) -> None:
    """Email the link to its person, in the page's language, with the organizer's message."""
    mt = link.meeting_type
    page = mt.page
    organizer = page.user
    context = {
        "link": link,
        "mt": mt,
        "page": page,
        "organizer": organizer,
        "message": message,
        "url": url_of(link),
        "expires": link.expires_at.astimezone(ZoneInfo(page.timezone)),
    }
    with force_locale(page.default_language):
        subject = _(
            "%(name)s invites you to book: %(title)s", name=page.display_name, title=mt.title
        )
        text = render_template("email/private_link.txt", **context)
        html = render_template("email/private_link.html", **context)
    outbox.enqueue(link.email, subject, text, html, now=now)


def create_link(
    mt: MeetingType,
    *,
    single_use: bool,
    expires_at: datetime,
    now: datetime,
    name: str = "",
    email: str = "",
) -> PrivateLink:
    """Record a new link to the meeting type (expiry already checked by the domain)."""
    link = PrivateLink(
        meeting_type_id=mt.id,
        token_id=secrets.token_urlsafe(18),
        single_use=single_use,
        created_at=now,
        expires_at=expires_at,
        name=name,
        email=email,
    )
    link.meeting_type = mt
    db.session.add(link)
    db.session.flush()
    return link


def links_of(mt: MeetingType) -> list[PrivateLink]:
    """Return the type's links, newest first."""
    query = (
        select(PrivateLink)
        .where(PrivateLink.meeting_type_id == mt.id)
        .order_by(PrivateLink.created_at.desc(), PrivateLink.id.desc())
    )
    return list(db.session.scalars(query))


def own_link(link_id: int, user_id: int) -> PrivateLink | None:
    """Return the link when it belongs to one of the user's meeting types, else None."""
    return db.session.scalar(
        select(PrivateLink)
        .join(MeetingType, PrivateLink.meeting_type_id == MeetingType.id)
        .join(BookingPage, MeetingType.page_id == BookingPage.id)
        .where(PrivateLink.id == link_id, BookingPage.user_id == user_id)
    )


def revoke(link: PrivateLink, *, now: datetime) -> PrivateLink:
    """Withdraw a link; revoking it again changes nothing."""
    if link.revoked_at is None:
        link.revoked_at = now
        db.session.flush()
    return link


def seen(link: PrivateLink, *, now: datetime) -> With:
    """The link with what LinkOut shows beside its columns: its URL, token and state."""
    return With(link, url=url_of(link), token=token_of(link), state=state_of(link, now))


# --- the attendee's side ----------------------------------------------------------------------


def public_page_of(token: str) -> BookingPage | None:
    """Return the page of a link's meeting type when attendees may see it, whatever the link's
    state; None for a tampered or unknown token (the language of the link's pages comes from it).
    """
    try:
        token_id = _signer().unsign(token)
    except TokenError:
        return None
    if not isinstance(token_id, str):
        return None
    link = db.session.scalar(select(PrivateLink).where(PrivateLink.token_id == token_id))
    if link is None or not policy.page_visible(link.meeting_type.page):
        return None
    return link.meeting_type.page


def open_link(token: str, *, now: datetime) -> PrivateLink:
    """Return the link of a token when someone may book through it.

    TokenError.invalid() for a tampered or unknown token (404); LinkUnavailable when its page
    is offline (404); TokenError expired/used/revoked when it no longer works (410).
    """
    token_id = _signer().unsign(token)
    if not isinstance(token_id, str):
        raise TokenError.invalid()
    link = db.session.scalar(select(PrivateLink).where(PrivateLink.token_id == token_id))
    if link is None:
        raise TokenError.invalid()
    if not policy.page_visible(link.meeting_type.page):
        raise LinkUnavailable()
    rules.ensure_active(state_of(link, now))
    return link


def consume(link: PrivateLink, *, now: datetime) -> None:
    """Check, inside the booking's transaction and lock, that the link still works.

    A single-use link is marked used by a conditional UPDATE, so of two bookings racing for it
    exactly one changes the row; the other gets TokenError.used() (410) and books nothing.
    """
    still_open = (
        PrivateLink.id == link.id,
        PrivateLink.revoked_at.is_(None),
        PrivateLink.used_at.is_(None),
        PrivateLink.expires_at > now,
    )
    if link.single_use:
        changed = db.session.execute(
            update(PrivateLink)
            .where(*still_open)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    else:
        changed = len(db.session.scalars(select(PrivateLink.id).where(*still_open)).all())
    db.session.refresh(link)
    if changed != 1:
        rules.ensure_active(state_of(link, now))
        raise TokenError.used()  # changed by another transaction between the two reads


def record_booking(link: PrivateLink, booking_id: int) -> None:
    """Remember which booking used a single-use link."""
    if link.single_use:
        link.used_booking_id = booking_id
        db.session.flush()
