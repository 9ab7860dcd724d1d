"""JSON API v1 for calendar shares (SPEC §5): list, share (the invitee gets the link by email),
revoke."""

from flask import abort, g, jsonify

from ..extensions import db
from ..services import policy, shares
from ..web import now
from . import bp
from .auth import token_required
from .views import json_body


@bp.get("/me/calendar-shares")
@token_required
def calendar_share_list():
    """List the organizer's calendar shares, newest first, with the level each shows now."""
    org = policy.org_policy()
    return jsonify(
        {
            "calendar_shares": [
                shares.share_to_dict(share, org) for share in shares.shares_of(g.api_user)
            ]
        }
    )


@bp.post("/me/calendar-shares")
@token_required
def calendar_share_create():
    """Share the organizer's calendar with an address at a level of detail; email the link."""
    current = now()
    try:
        share = shares.create_share(g.api_user, json_body(), now=current)
    except shares.SharingClosed:
        db.session.rollback()
        return jsonify(
            {"error": "the organization does not allow sharing calendars with people outside"}
        ), 403
    db.session.commit()
    return jsonify(shares.share_to_dict(share)), 201


@bp.delete("/me/calendar-shares/<int:share_id>")
@token_required
def calendar_share_revoke(share_id: int):
    """Revoke a share; its link answers 410 from now on."""
    share = shares.own_share(share_id, g.api_user.id)
    if share is None:
        abort(404, description="no such calendar share")
    shares.revoke(share, now=now())
    db.session.commit()
    return "", 204
