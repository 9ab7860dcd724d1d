"""JSON API v1 for private links (SPEC §5): the organizer's create, list and revoke; the
attendee's slots and booking through /api/v1/links/<token>/..., answered like a public type's."""

from flask import abort, current_app, g, jsonify

from ..domain.tokens import TokenError
from ..extensions import db, limiter
from ..models import PrivateLink
from ..services import links
from ..web import now
from . import bp
from .auth import token_required
from .views import create_booking, json_body, own_meeting_type, slots_payload


def _open_or_error(token: str) -> PrivateLink:
    """Return the usable link of a token; 404 or 410 JSON otherwise (see errors.py)."""
    try:
        return links.open_link(token, now=now())
    except links.LinkUnavailable:
        abort(404, description="this booking page is not available")


# --- attendee side: no account --------------------------------------------------------------


@bp.get("/links/<token>/slots")
def link_slots(token: str):
    """List the free starts of a private link's meeting type between two dates, in a zone."""
    return jsonify(slots_payload(_open_or_error(token).meeting_type))


@bp.post("/links/<token>/bookings")
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"])
def link_booking_create(token: str):
    """Book a free start through a private link; a single-use link books once."""
    found = _open_or_error(token)
    try:
        return create_booking(found.meeting_type, link=found)
    except TokenError:
        db.session.rollback()  # used, expired or revoked meanwhile: 410
        raise


# --- organizer side: bearer token -----------------------------------------------------------


@bp.get("/me/meeting-types/<int:type_id>/links")
@token_required
def link_list(type_id: int):
    """List a meeting type's private links, newest first, with their state."""
    mt = own_meeting_type(type_id)
    current = now()
    return jsonify(
        {"links": [links.link_to_dict(link, now=current) for link in links.links_of(mt)]}
    )


@bp.post("/me/meeting-types/<int:type_id>/links")
@token_required
def link_create(type_id: int):
    """Make a private link to a meeting type, multi-use or single-use."""
    mt = own_meeting_type(type_id)
    current = now()
    cleaned = links.clean_new_link(json_body(), now=current)
    link = links.create_link(mt, now=current, **cleaned)
    db.session.commit()
    return jsonify(links.link_to_dict(link, now=current)), 201


@bp.delete("/me/links/<int:link_id>")
@token_required
def link_revoke(link_id: int):
    """Revoke a private link; attendees who open it get 410."""
    link = links.own_link(link_id, g.api_user.id)
    if link is None:
        abort(404, description="no such link")
    links.revoke(link, now=now())
    db.session.commit()
    return "", 204
