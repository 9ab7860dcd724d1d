"""The operations page (/admin/operations) and the banner every admin page shows while the
worker is late or has never run."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..models import OutboxMessage
from ..services import operations
from ..web import now
from .blueprint import bp
from .forms import EmptyForm

WORKER_STATES = {"ok": _l("running"), "late": _l("late"), "never": _l("never run")}
LANE_STATES = {**WORKER_STATES, "error": _l("failing")}
LANE_LABELS = {
    "mail": _l("Emails"),
    "reminders": _l("Reminders"),
    "calendar_sync": _l("Calendar sync"),
    "calendar_write_back": _l("Writing bookings to calendars"),
}


@bp.context_processor
def worker_banner() -> dict:
    """Give the admin layout the worker's state while it is not running (none: no banner)."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return {}
    state = operations.worker_state(now())
    return {"worker_banner": state if state != "ok" else None}


def _zone() -> ZoneInfo:
    page = current_user.page
    return ZoneInfo(page.timezone) if page is not None else UTC


@bp.get("/operations", endpoint="operations")
def operations_page():
    """Show the worker's lanes, the outbox's backlog and failed emails, calendars in error."""
    current = now()
    found = operations.overview(current)
    return render_template(
        "admin/operations.html",
        found=found,
        now=current,
        zone=_zone(),
        worker_states=WORKER_STATES,
        lane_states=LANE_STATES,
        lane_labels=LANE_LABELS,
        retry_form=EmptyForm(),
    )


@bp.post("/operations/mail/<int:message_id>/retry")
def operations_mail_retry(message_id: int):
    """Put a failed email back in the outbox, for the worker to send at once."""
    if not EmptyForm().validate():
        abort(400)
    if db.session.get(OutboxMessage, message_id) is None:
        abort(404)
    if not operations.retry_message(message_id, now()):
        db.session.rollback()
        flash(_("That email is not failed any more: it was tried again already."), "error")
        return redirect(url_for(".operations"), 303)
    db.session.commit()
    flash(_("The email is back in the queue: the worker sends it on its next pass."), "success")
    return redirect(url_for(".operations"), 303)
