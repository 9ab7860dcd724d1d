"""Calendar shares: an organizer's calendar shared with one email address at a level of detail.

The calendar is the organizer's confirmed bookings, busy blocks and connected calendars' events.
What a share shows now is the domain's share_level: min(its level, the organization's maximum),
or nothing when sharing with people outside (or anonymous access) is off.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import has_request_context, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import outbox
from ..core import signing
from ..core.urls import external_url
from ..domain import policy as rules
from ..domain.errors import Conflict, Message, ValidationFailed, _l
from ..domain.policy import OrgPolicy
from ..domain.shared_calendar import (
    CalendarEvent,
    DayEvents,
    build_feed,
    visible_events,
    week_bounds,
    week_days,
    week_start,
)
from ..domain.tokens import TokenError, TokenSigner
from ..extensions import db
from ..models import Booking, BusyBlock, CalendarBusy, CalendarShare, MeetingType, User
from ..schemas import With, load
from ..schemas.calendar_shares import CalendarShareIn
from . import policy
from .bookings import location_text
from .slots import HOLDING

SHARE_SALT = "bwm.calendar-share"
FEED_PAST = timedelta(weeks=4)
FEED_AHEAD = timedelta(weeks=26)


class SharingClosed(Exception):
    """The organization does not let calendars be shared with people outside (403)."""


# --- tokens and URLs --------------------------------------------------------------------------


def _signer() -> TokenSigner:
    return signing.signer(SHARE_SALT)


def token_of(share: CalendarShare) -> str:
    return _signer().sign(share.token_id)


def url_of(share: CalendarShare) -> str:
    return external_url("attendee.shared_calendar", token=token_of(share))


def ics_url_of(share: CalendarShare) -> str:
    return external_url("attendee.shared_calendar_ics", token=token_of(share))


def shown_level(share: CalendarShare, org: OrgPolicy | None = None) -> str | None:
    """Return the level the share's link shows now, None when the link is closed or revoked."""
    if share.revoked_at is not None:
        return None
    return rules.share_level(org or policy.org_policy(), share.detail)


def state_of(share: CalendarShare, org: OrgPolicy | None = None) -> str:
    """Say whether the link works: "active", "revoked", or "closed" by the organization."""
    if share.revoked_at is not None:
        return "revoked"
    return "active" if shown_level(share, org) else "closed"


def seen(share: CalendarShare, org: OrgPolicy | None = None) -> With:
    """The share with what CalendarShareOut shows beside its columns: links, level, state."""
    org = org or policy.org_policy()
    return With(
        share,
        shown_detail=shown_level(share, org),
        state=state_of(share, org),
        url=url_of(share),
        ics_url=ics_url_of(share),
    )


# --- the organizer's side ---------------------------------------------------------------------


ABOVE_MAXIMUM = _l("is above the organization's maximum level of detail (%(level)s)")


def _check_new_share(owner: User, values: dict, org: OrgPolicy) -> None:
    """Refuse the owner's own address, and a level above the organization's maximum."""
    errors: dict[str, str] = {}
    if values["email"] == owner.email.lower():
        errors["email"] = Message(_l("that is your own address"))
    detail = values["detail"]
    if not rules.may_share_at(org, detail) and org.external_sharing and org.anonymous_sharing:
        errors["detail"] = Message(ABOVE_MAXIMUM, level=org.max_detail)
    if errors:
        raise ValidationFailed(errors)


def create_share(owner: User, data: object, *, now: datetime) -> CalendarShare:
    """Share the owner's calendar with an address and email them the link (outbox); flush.

    SharingClosed when the organization does not allow sharing with people outside; Conflict
    when the calendar is already shared with that address (revoke that share first).
    """
    org = policy.org_policy()
    cleaned = load(CalendarShareIn(), data)
    _check_new_share(owner, cleaned, org)
    if not org.external_sharing or not org.anonymous_sharing:
        raise SharingClosed()
    taken = db.session.scalar(
        select(CalendarShare.id).where(
            CalendarShare.user_id == owner.id,
            CalendarShare.email == cleaned["email"],
            CalendarShare.revoked_at.is_(None),
        )
    )
    if taken:
        raise Conflict(
            "email",
            Message(_l("your calendar is already shared with %(email)s"), email=cleaned["email"]),
        )
    share = CalendarShare(
        user_id=owner.id,
        email=cleaned["email"],
        detail=cleaned["detail"],
        token_id=secrets.token_urlsafe(18),
        created_at=now,
    )
    share.user = owner
    db.session.add(share)
    db.session.flush()
    _email_invitee(share, now=now)
    return share


def _email_locale(email: str) -> str:
    """Write to a colleague (a user here) in their own language; to anyone else in the language
    of the request that causes the email; English without one."""
    colleague = db.session.scalar(select(User.language).where(User.email == email))
    if colleague:
        return colleague
    return str(get_locale() or "en") if has_request_context() else "en"


def _email_invitee(share: CalendarShare, *, now: datetime) -> None:
    owner = share.user
    context = {
        "owner": owner,
        "share": share,
        "url": url_of(share),
        "ics_url": ics_url_of(share),
        "detail_label": policy.DETAIL_LABELS[share.detail],
    }
    with force_locale(_email_locale(share.email)):
        subject = _("%(name)s shared their calendar with you", name=owner.name)
        text = render_template("email/calendar_share.txt", **context)
        html = render_template("email/calendar_share.html", **context)
    outbox.enqueue(share.email, subject, text, html, now=now)


def shares_of(owner: User) -> list[CalendarShare]:
    """Return the owner's shares, newest first (revoked ones too)."""
    return list(
        db.session.scalars(
            select(CalendarShare)
            .where(CalendarShare.user_id == owner.id)
            .order_by(CalendarShare.created_at.desc(), CalendarShare.id.desc())
        )
    )


def own_share(share_id: int, user_id: int) -> CalendarShare | None:
    return db.session.scalar(
        select(CalendarShare).where(CalendarShare.id == share_id, CalendarShare.user_id == user_id)
    )


def revoke(share: CalendarShare, *, now: datetime) -> CalendarShare:
    """Withdraw a share; its link answers 410 from now on. Revoking again changes nothing."""
    if share.revoked_at is None:
        share.revoked_at = now
        db.session.flush()
    return share


# --- colleagues: shares with a signed-in user's address ---------------------------------------


def shared_with(viewer: User) -> list[CalendarShare]:
    """Return the colleagues' live shares with the viewer's address, by the colleague's name."""
    return list(
        db.session.scalars(
            select(CalendarShare)
            .join(User, CalendarShare.user_id == User.id)
            .where(
                func.lower(CalendarShare.email) == viewer.email.lower(),
                CalendarShare.revoked_at.is_(None),
                CalendarShare.user_id != viewer.id,
            )
            .order_by(User.name, CalendarShare.id)
        )
    )


def colleague_share(share_id: int, viewer: User) -> CalendarShare | None:
    """Return a live share with the viewer's address, None for anyone else's."""
    for share in shared_with(viewer):
        if share.id == share_id:
            return share
    return None


def colleague_level(share: CalendarShare) -> str:
    return rules.colleague_level(policy.org_policy(), share.detail)


# --- the viewer's side ------------------------------------------------------------------------


def open_share(token: str) -> tuple[CalendarShare, str]:
    """Return the share of a token and the level it shows now.

    TokenError.invalid() for a tampered or unknown token (404), TokenError.revoked() for a
    revoked share (410), SharingClosed when the organization closed sharing (403).
    """
    token_id = _signer().unsign(token)
    if not isinstance(token_id, str):
        raise TokenError.invalid()
    share = db.session.scalar(select(CalendarShare).where(CalendarShare.token_id == token_id))
    if share is None:
        raise TokenError.invalid()
    if share.revoked_at is not None:
        raise TokenError.revoked()
    level = rules.share_level(policy.org_policy(), share.detail)
    if level is None:
        raise SharingClosed()
    return share, level


def calendar_events(user_id: int, start: datetime, end: datetime) -> list[CalendarEvent]:
    """Return everything in the user's calendar between start and end, with every detail."""
    events: list[CalendarEvent] = []
    booked = db.session.scalars(
        select(Booking)
        .join(MeetingType, Booking.meeting_type_id == MeetingType.id)
        .where(
            Booking.user_id == user_id,
            Booking.status.in_(HOLDING),  # a request holds its time until answered
            Booking.start < end,
            Booking.end > start,
        )
    )
    for booking in booked:
        mt = booking.meeting_type
        about = [mt.description] if mt.description else []
        about.append(f"With {booking.attendee_name}")
        events.append(
            CalendarEvent(
                key=f"booking-{booking.id}",
                start=booking.start,
                end=booking.end,
                summary=mt.title,
                location=location_text(mt) or (booking.online_meeting_url or ""),
                description="\n".join(about),
            )
        )
    blocks = db.session.scalars(
        select(BusyBlock).where(
            BusyBlock.user_id == user_id, BusyBlock.start < end, BusyBlock.end > start
        )
    )
    for block in blocks:
        events.append(
            CalendarEvent(
                key=f"block-{block.id}", start=block.start, end=block.end, summary=block.title
            )
        )
    synced = db.session.scalars(
        select(CalendarBusy)
        .where(CalendarBusy.user_id == user_id, CalendarBusy.start < end, CalendarBusy.end > start)
        .order_by(CalendarBusy.start, CalendarBusy.id)
    )
    keys = synced_keys()
    for row in synced:
        events.append(
            CalendarEvent(
                key=keys(row),
                start=row.start,
                end=row.end,
                summary=row.summary,
                location=row.location,
                description=row.description,
            )
        )
    return events


def synced_keys():
    """Key synced events by their calendar and times, not by row: a sync that finds a change
    writes all of a calendar's rows again, and a feed's subscribers should then see only the
    changed events change, not every event removed and added back. Keyed with the app's secret,
    so a key tells nothing; events with the same calendar and times are told apart by order.
    The oldest key still accepted keys them, so a key rotation doesn't change every UID."""
    secret = signing.keys()[0]
    secret = secret.encode() if isinstance(secret, str) else secret
    seen: dict[str, int] = {}

    def key(row: CalendarBusy) -> str:
        what = f"{row.calendar_id}|{row.start.isoformat()}|{row.end.isoformat()}"
        digest = hmac.new(secret, what.encode(), hashlib.sha256).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        return f"synced-{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")

    return key


def zone_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.page.timezone if user.page else "UTC")


def parse_week(value: str | None, tz: ZoneInfo, *, now: datetime) -> date:
    """Return the Monday of the week holding the date given (YYYY-MM-DD), else this week's."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        day = None
    return week_start(day or now.astimezone(tz).date())


@dataclass(frozen=True)
class Week:
    """One week of one calendar at one level, grouped by the zone's days."""

    owner: User
    level: str
    monday: date
    tz: ZoneInfo
    days: list[DayEvents]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def week_of(owner: User, level: str, monday: date, tz: ZoneInfo | None = None) -> Week:
    """Build one week of the owner's calendar as seen at a level, in a zone (the owner's)."""
    tz = tz or zone_of(owner)
    start, end = week_bounds(monday, tz)
    shown = visible_events(calendar_events(owner.id, start, end), level)
    return Week(owner, level, monday, tz, week_days(shown, monday, tz))


def feed(share: CalendarShare, level: str, *, now: datetime) -> bytes:
    """Write the share's calendar as an iCalendar feed, from 4 weeks ago to 26 weeks ahead."""
    events = calendar_events(share.user_id, now - FEED_PAST, now + FEED_AHEAD)
    return build_feed(
        events,
        level,
        name=_("Calendar of %(name)s", name=share.user.name),
        uid_salt=hashlib.sha256(share.token_id.encode()).hexdigest()[:12],
        stamp=now,
    )
