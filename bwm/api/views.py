"""JSON API v1 (SPEC §5)."""

from flask import abort, current_app, g, jsonify, request
from sqlalchemy import select

from ..domain.errors import ValidationFailed
from ..extensions import csrf, db
from ..models import BusyBlock, MeetingType
from ..services import busy, meeting_types, pages, slots
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
    page = pages.public_page(slug)
    mt = pages.public_type(page, type_slug) if page else None
    if mt is None:
        abort(404, description="no such meeting type")
    return jsonify(slots_payload(mt))


def slots_payload(mt: MeetingType) -> dict:
    first, last, tz = slots.parse_range(
        request.args, mt.page.timezone, max_days=current_app.config["MAX_SLOT_RANGE_DAYS"]
    )
    start, end = slots.day_bounds(first, last, tz)
    found = slots.slots_between(mt, start, end, now=now())
    return {"timezone": tz.key, "slots": [s.astimezone(tz).isoformat() for s in found]}


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
