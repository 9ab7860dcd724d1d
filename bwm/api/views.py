"""JSON API v1 (SPEC §5)."""

from datetime import date

from flask import abort, current_app, g, jsonify, request
from flask_babel import get_locale
from sqlalchemy import select

from ..domain.errors import ValidationFailed
from ..domain.zones import get_zone
from ..extensions import csrf, db, limiter
from ..models import Booking, BusyBlock, MeetingType, PrivateLink
from ..services import bookings, busy, meeting_types, pages, policy, slots
from ..services.validate import aware_datetime
from ..web import now
from . import bp
from .auth import token_required
from .openapi import document

csrf.exempt(bp)


def json_body() -> dict:
    """Return the request's JSON object, or 422 naming the body."""
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "send a JSON object with Content-Type: application/json"})
    return data


def own_meeting_type(type_id: int) -> MeetingType:
    """Return the token user's meeting type, 404 for anyone else's."""
    mt = db.session.get(MeetingType, type_id)
    if mt is None or mt.page.user_id != g.api_user.id:
        abort(404, description="no such meeting type")
    return mt


@bp.get("/openapi.json")
def openapi():
    """Describe the API as OpenAPI 3.1."""
    return jsonify(document())


# --- attendee side: no account --------------------------------------------------------------


@bp.get("/pages/<slug>")
def page_show(slug: str):
    """Show a published page and its public meeting types."""
    page = pages.public_page(slug)
    if page is None:
        abort(404, description="no such booking page")
    return jsonify(
        {
            "page": {
                "slug": page.slug,
                "display_name": page.display_name,
                "timezone": page.timezone,
            },
            "meeting_types": [
                {
                    "slug": mt.slug,
                    "title": mt.title,
                    "duration_minutes": mt.duration_minutes,
                    "description": mt.description,
                    "location_kind": mt.location_kind,
                }
                for mt in pages.public_types(page)
            ],
        }
    )


@bp.get("/pages/<slug>/types/<type_slug>/slots")
def slots_list(slug: str, type_slug: str):
    """List the free starts of a public meeting type between two dates, in a zone."""
    mt = pages.public_type_at(slug, type_slug)
    if mt is None:
        abort(404, description="no such meeting type")
    return jsonify(slots_payload(mt))


def slots_payload(mt: MeetingType) -> dict:
    first, last, tz = slots.parse_range(
        request.args,
        mt.page.timezone,
        max_days=current_app.config["MAX_SLOT_RANGE_DAYS"],
        now=now(),
    )
    start, end = slots.day_bounds(first, last, tz)
    found = slots.slots_between(mt, start, end, now=now(), cached=True)
    return {"timezone": tz.key, "slots": [s.astimezone(tz).isoformat() for s in found]}


@bp.post("/pages/<slug>/types/<type_slug>/bookings")
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"])
def booking_create(slug: str, type_slug: str):
    """Book a free start of a public meeting type."""
    mt = pages.public_type_at(slug, type_slug)
    if mt is None:
        abort(404, description="no such meeting type")
    return create_booking(mt)


def create_booking(mt: MeetingType, link: PrivateLink | None = None):
    """Book, commit, send the emails, and answer 201 with the booking and its manage URL."""
    booking = bookings.book(
        mt, json_body(), now=now(), language=str(get_locale() or "en"), link=link
    )
    # Said before the commit, which expires the rows (reading them again would cost a query).
    answer = {
        "booking": bookings.booking_to_dict(booking),
        "manage_url": bookings.manage_url(booking),
    }
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/bookings/<token>")
def booking_show(token: str):
    """Show the booking of a manage token."""
    return jsonify({"booking": bookings.booking_to_dict(bookings.booking_for_token(token))})


# A cancelled or past booking raises BookingClosed: errors.py answers 410 for all of these.


@bp.patch("/bookings/<token>")
def booking_reschedule(token: str):
    """Move the booking of a manage token to another free start."""
    booking = bookings.booking_for_token(token)
    if not policy.may_publish(booking.meeting_type.page.user):
        message = "the organizer's booking page is not available, so this booking can't be moved"
        return jsonify(
            {"error": f"{message}; it can still be cancelled", "reason": "unavailable"}
        ), 403
    start = aware_datetime(json_body(), "start")
    bookings.reschedule(booking, start, now=now())
    db.session.commit()
    return jsonify({"booking": bookings.booking_to_dict(booking)})


@bp.delete("/bookings/<token>")
def booking_cancel(token: str):
    """Cancel the booking of a manage token, with an optional reason."""
    booking = bookings.booking_for_token(token)
    reason = json_body().get("reason") or ""
    bookings.cancel(booking, reason=reason, now=now(), by="attendee")
    db.session.commit()
    return jsonify({"booking": bookings.booking_to_dict(booking)})


# --- organizer side: bearer token -----------------------------------------------------------


@bp.get("/me/page")
@token_required
def me_page():
    """Show the organizer's page settings and hours."""
    return jsonify(pages.page_to_dict(g.api_user.page))


@bp.patch("/me/page")
@token_required
def me_page_update():
    """Change the organizer's page settings or hours."""
    page = pages.update_page(g.api_user.page, json_body())
    db.session.commit()
    return jsonify(pages.page_to_dict(page))


@bp.get("/me/meeting-types")
@token_required
def meeting_type_list():
    """List the organizer's meeting types."""
    return jsonify(
        {"meeting_types": [meeting_types.to_dict(mt) for mt in g.api_user.page.meeting_types]}
    )


@bp.post("/me/meeting-types")
@token_required
def meeting_type_create():
    """Add a meeting type."""
    mt = meeting_types.create(g.api_user.page, json_body())
    db.session.commit()
    return jsonify(meeting_types.to_dict(mt)), 201


@bp.get("/me/meeting-types/<int:type_id>")
@token_required
def meeting_type_show(type_id: int):
    """Show one meeting type."""
    return jsonify(meeting_types.to_dict(own_meeting_type(type_id)))


@bp.patch("/me/meeting-types/<int:type_id>")
@token_required
def meeting_type_update(type_id: int):
    """Change the given fields of a meeting type."""
    mt = meeting_types.update(own_meeting_type(type_id), json_body())
    db.session.commit()
    return jsonify(meeting_types.to_dict(mt))


@bp.delete("/me/meeting-types/<int:type_id>")
@token_required
def meeting_type_delete(type_id: int):
    """Delete a meeting type."""
    meeting_types.delete(own_meeting_type(type_id))
    db.session.commit()
    return "", 204


@bp.get("/me/busy")
@token_required
def busy_list():
    """List the organizer's busy blocks."""
    return jsonify({"busy": [busy.block_to_dict(b) for b in busy.list_blocks(g.api_user)]})


@bp.post("/me/busy")
@token_required
def busy_create():
    """Add a busy block."""
    block = busy.create_block(g.api_user, json_body())
    db.session.commit()
    return jsonify(busy.block_to_dict(block)), 201


@bp.delete("/me/busy/<int:block_id>")
@token_required
def busy_delete(block_id: int):
    """Delete a busy block."""
    block = db.session.scalar(
        select(BusyBlock).where(BusyBlock.id == block_id, BusyBlock.user_id == g.api_user.id)
    )
    if block is None:
        abort(404, description="no such busy block")
    db.session.delete(block)
    db.session.commit()
    return "", 204


@bp.get("/me/bookings")
@token_required
def my_bookings():
    """List the organizer's bookings by start, filtered by dates in the page's zone and status."""
    tz = get_zone(g.api_user.page.timezone)
    errors: dict[str, str] = {}
    query = select(Booking).where(Booking.user_id == g.api_user.id).order_by(Booking.start)
    for field in ("from", "to"):
        value = request.args.get(field)
        if not value:
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            errors[field] = "is not a date (YYYY-MM-DD)"
            continue
        if field == "from":
            query = query.where(Booking.start >= slots.day_bounds(day, day, tz)[0])
        else:
            query = query.where(Booking.start < slots.day_bounds(day, day, tz)[1])
    status = request.args.get("status")
    if status:
        if status not in ("confirmed", "cancelled"):
            errors["status"] = "must be confirmed or cancelled"
        query = query.where(Booking.status == status)
    if errors:
        raise ValidationFailed(errors)
    return jsonify({"bookings": [bookings.booking_to_dict(b) for b in db.session.scalars(query)]})


@bp.post("/me/bookings/<uid>/cancel")
@token_required
def my_booking_cancel(uid: str):
    """Cancel one of the organizer's bookings; the attendee is told by email."""
    booking = db.session.scalar(
        select(Booking).where(Booking.uid == uid, Booking.user_id == g.api_user.id)
    )
    if booking is None:
        abort(404, description="no such booking")
    reason = json_body().get("reason") or ""
    bookings.cancel(booking, reason=reason, now=now(), by="organizer")
    db.session.commit()
    return jsonify({"booking": bookings.booking_to_dict(booking)})
