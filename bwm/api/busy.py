"""The organizer's busy blocks, entered by hand."""

from flask import abort, g
from sqlalchemy import select

from ..extensions import db
from ..models import BusyBlock
from ..schemas.busy import BusyIn, BusyList, BusyOut
from ..services import busy
from .auth import token_required
from .blueprint import bp


@bp.get("/me/busy")
@token_required
@bp.response(200, BusyList)
def busy_list():
    """List the organizer's busy blocks."""
    return {"busy": busy.list_blocks(g.api_user)}


@bp.post("/me/busy")
@token_required
@bp.arguments(BusyIn)
@bp.response(201, BusyOut)
def busy_create(values: dict):
    """Add a busy block."""
    block = busy.create_block(g.api_user, values)
    db.session.commit()
    return block


@bp.delete("/me/busy/<int:id>")
@token_required
@bp.response(204)
def busy_delete(id: int):
    """Delete a busy block."""
    block = db.session.scalar(
        select(BusyBlock).where(BusyBlock.id == id, BusyBlock.user_id == g.api_user.id)
    )
    if block is None:
        abort(404, description="no such busy block")
    db.session.delete(block)
    db.session.commit()
