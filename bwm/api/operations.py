"""For administrators (SPEC §8): the operations overview, and trying a failed email again."""

from flask import abort

from ..extensions import db
from ..models import OutboxMessage
from ..schemas.operations import OverviewOut, RetriedOut
from ..services import operations
from ..web import now
from .auth import admin_token_required
from .blueprint import bp


@bp.get("/admin/operations")
@admin_token_required
@bp.response(200, OverviewOut)
def admin_operations():
    """Show the worker's lanes, the outbox's backlog and failed emails, calendars in error."""
    return operations.overview(now())


@bp.post("/admin/operations/mail/<int:id>/retry")
@admin_token_required
@bp.response(200, RetriedOut)
def admin_mail_retry(id: int):
    """Put a failed email back in the outbox, due at once; 404 when it is not a failed one."""
    if not operations.retry_message(id, now()):
        db.session.rollback()
        abort(404, description="no failed email with that id")
    db.session.commit()
    return {"message": db.session.get(OutboxMessage, id)}
