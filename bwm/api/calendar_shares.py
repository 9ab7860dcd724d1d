"""Calendar shares (SPEC §5): list, share (the invitee gets the link by email), revoke."""

from flask import abort, g, jsonify

from ..extensions import db
from ..schemas.calendar_shares import CalendarShareIn, CalendarShareList, CalendarShareOut
from ..schemas.common import ErrorOut
from ..services import calendar_shares, policy
from ..web import now
from .auth import token_required
from .blueprint import bp


@bp.get("/me/calendar-shares")
@token_required
@bp.response(200, CalendarShareList)
def calendar_share_list():
    """List the organizer's calendar shares, newest first, with the level each shows now."""
    org = policy.org_policy()
    return {
        "calendar_shares": [
            calendar_shares.seen(share, org) for share in calendar_shares.shares_of(g.api_user)
        ]
    }


@bp.post("/me/calendar-shares")
@token_required
@bp.arguments(CalendarShareIn)
@bp.response(201, CalendarShareOut)
@bp.alt_response(403, schema=ErrorOut, description="the organization does not allow sharing")
def calendar_share_create(values: dict):
    """Share the organizer's calendar with an address at a level of detail; email the link."""
    current = now()
    try:
        share = calendar_shares.create_share(g.api_user, values, now=current)
    except calendar_shares.SharingClosed:
        db.session.rollback()
        return jsonify(
            {"error": "the organization does not allow sharing calendars with people outside"}
        ), 403
    db.session.commit()
    return calendar_shares.seen(share)


@bp.delete("/me/calendar-shares/<int:id>")
@token_required
@bp.response(204)
def calendar_share_revoke(id: int):
    """Revoke a share; its link answers 410 from now on."""
    share = calendar_shares.own_share(id, g.api_user.id)
    if share is None:
        abort(404, description="no such calendar share")
    calendar_shares.revoke(share, now=now())
    db.session.commit()
