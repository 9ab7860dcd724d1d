"""The organizer's meeting types."""

from flask import abort, g

from ..extensions import db
from ..models import MeetingType
from ..schemas.meeting_types import MeetingTypeIn, MeetingTypeList, MeetingTypeOut
from ..services import meeting_types
from .auth import token_required
from .blueprint import bp, finding


def own_meeting_type(id: int) -> MeetingType:
    """Return the token user's meeting type, 404 for anyone else's."""
    mt = db.session.get(MeetingType, id)
    if mt is None or mt.page.user_id != g.api_user.id:
        abort(404, description="no such meeting type")
    return mt


@bp.get("/me/meeting-types")
@token_required
@bp.response(200, MeetingTypeList)
def meeting_type_list():
    """List the organizer's meeting types."""
    return {"meeting_types": g.api_user.page.meeting_types}


@bp.post("/me/meeting-types")
@token_required
@bp.arguments(MeetingTypeIn)
@bp.response(201, MeetingTypeOut)
def meeting_type_create(values: dict):
    """Add a meeting type."""
    mt = meeting_types.create(g.api_user.page, values)
    db.session.commit()
    return mt


@bp.get("/me/meeting-types/<int:id>")
@token_required
@bp.response(200, MeetingTypeOut)
def meeting_type_show(id: int):
    """Show one meeting type."""
    return own_meeting_type(id)


@bp.patch("/me/meeting-types/<int:id>")
@token_required
@finding("mt", own_meeting_type)
@bp.arguments(MeetingTypeIn(partial=True))
@bp.response(200, MeetingTypeOut)
def meeting_type_update(values: dict, mt: MeetingType):
    """Change the given fields of a meeting type."""
    meeting_types.update(mt, values)
    db.session.commit()
    return mt


@bp.delete("/me/meeting-types/<int:id>")
@token_required
@bp.response(204)
def meeting_type_delete(id: int):
    """Delete a meeting type."""
    meeting_types.delete(own_meeting_type(id))
    db.session.commit()
