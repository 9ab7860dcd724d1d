"""Private links (SPEC §5): the organizer's create, list and revoke; the attendee's free times
and booking through /api/v1/links/<token>/..., answered like a public type's."""

from flask import abort, current_app, g

from ..domain.tokens import TokenError
from ..extensions import db, limiter
from ..models import MeetingType, PrivateLink
from ..schemas.bookings import BookingCreated, BookingIn, SlotsOut, SlotsQuery
from ..schemas.common import ErrorOut
from ..schemas.links import LinkIn, LinkList, LinkOut
from ..services import links
from ..web import now
from .auth import token_required
from .blueprint import bp, finding
from .bookings import TAKEN, create_booking
from .meeting_types import own_meeting_type
from .pages import free_starts

GONE = {"schema": ErrorOut, "description": "the link expired, was used or was revoked"}


def _open_or_error(token: str) -> PrivateLink:
    """Return the usable link of a token; 404 or 410 JSON otherwise (see errors.py)."""
    try:
        return links.open_link(token, now=now())
    except links.LinkUnavailable:
        abort(404, description="this booking page is not available")


@bp.get("/links/<token>/slots")
@finding("link", _open_or_error)
@bp.arguments(SlotsQuery, location="query", as_kwargs=True)
@bp.response(200, SlotsOut)
@bp.alt_response(410, **GONE)
def link_slots(link: PrivateLink, **query):
    """List the free starts of a private link's meeting type between two dates, in a zone."""
    return free_starts(link.meeting_type, query)


@bp.post("/links/<token>/bookings")
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"])
@finding("link", _open_or_error)
@bp.arguments(BookingIn)
@bp.response(201, BookingCreated)
@bp.alt_response(409, **TAKEN)
@bp.alt_response(410, **GONE)
def link_booking_create(values: dict, link: PrivateLink):
    """Book a free start through a private link; a single-use link books once."""
    try:
        return create_booking(link.meeting_type, values, link=link)
    except TokenError:
        db.session.rollback()  # used, expired or revoked meanwhile: 410
        raise


@bp.get("/me/meeting-types/<int:id>/links")
@token_required
@bp.response(200, LinkList)
def link_list(id: int):
    """List a meeting type's private links, newest first, with their state."""
    mt = own_meeting_type(id)
    current = now()
    return {"links": [links.seen(link, now=current) for link in links.links_of(mt)]}


@bp.post("/me/meeting-types/<int:id>/links")
@token_required
@finding("mt", own_meeting_type)
@bp.arguments(LinkIn, required=False)
@bp.response(201, LinkOut)
def link_create(values: dict, mt: MeetingType):
    """Make a private link to a meeting type, multi-use or single-use."""
    current = now()
    link = links.new_link(mt, values, now=current)
    db.session.commit()
    return links.seen(link, now=current)


@bp.delete("/me/links/<int:id>")
@token_required
@bp.response(204)
def link_revoke(id: int):
    """Revoke a private link; attendees who open it get 410."""
    link = links.own_link(id, g.api_user.id)
    if link is None:
        abort(404, description="no such link")
    links.revoke(link, now=now())
    db.session.commit()
