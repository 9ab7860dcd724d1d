"""JSON API v1 for administrators (SPEC §8): the operations overview, and trying a failed email
again."""

from functools import wraps

from flask import abort, g, jsonify

from ..extensions import db
from ..models import OutboxMessage
from ..services import operations
from ..web import now
from . import bp
from .auth import token_required


def admin_token_required(view):
    """Let the view run only with an administrator's token: 401 without one, 403 for others."""

    @token_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.api_user.is_admin:
            abort(403, description="an administrator's API token is required")
        return view(*args, **kwargs)

    return wrapped


@bp.get("/admin/operations")
@admin_token_required
def admin_operations():
    """Show the worker's lanes, the outbox's backlog and failed emails, calendars in error."""
    return jsonify(operations.overview_to_dict(operations.overview(now())))


@bp.post("/admin/operations/mail/<int:message_id>/retry")
@admin_token_required
def admin_mail_retry(message_id: int):
    """Put a failed email back in the outbox, due at once; 404 when it is not a failed one."""
    if not operations.retry_message(message_id, now()):
        db.session.rollback()
        abort(404, description="no failed email with that id")
    db.session.commit()
    message = db.session.get(OutboxMessage, message_id)
    return jsonify({"message": {"id": message.id, "status": message.status}})
