"""Webhooks under /me/webhooks: add one (its secret shown once), remove it, see its latest
deliveries, send one again, send a test. Every button is a plain POST form."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from ..domain.errors import ValidationFailed
from ..extensions import db
from ..schemas.webhooks import EVENTS
from ..services import webhooks as hooks  # the view webhooks() has the name
from ..web import errors_beside, now
from .blueprint import bp
from .forms import EmptyForm, MultiCheckboxField

EVENT_LABELS = {
    "booking.created": _l("A booking is made (or a request sent)"),
    "booking.confirmed": _l("A request is confirmed"),
    "booking.declined": _l("A request is declined"),
    "booking.rescheduled": _l("A booking is moved"),
    "booking.cancelled": _l("A booking is cancelled"),
}
STATUS_LABELS = {
    "pending": _l("Waiting"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
}


class WebhookForm(FlaskForm):
    url = StringField(_l("Receiver's address (URL)"))
    events = MultiCheckboxField(_l("Events"))


def _form(**kwargs) -> WebhookForm:
    form = WebhookForm(**kwargs)
    form.events.choices = [(event, f"{EVENT_LABELS[event]} ({event})") for event in EVENTS]
    return form


def _page(form: WebhookForm, status: int = 200, created=None, secret: str | None = None):
    rows = [
        {"hook": hook, "deliveries": hooks.deliveries_of(hook, limit=10)}
        for hook in hooks.webhooks_of(current_user)
    ]
    return render_template(
        "organizer/webhooks.html",
        form=form,
        rows=rows,
        created=created,
        secret=secret,
        event_labels=EVENT_LABELS,
        status_labels=STATUS_LABELS,
    ), status


def _own(webhook_id: int):
    try:
        return hooks.own_webhook(webhook_id, current_user)
    except hooks.WebhookGone:
        abort(404)


@bp.get("/webhooks")
def webhooks():
    """List my webhooks with their latest deliveries, and the form to add one."""
    return _page(_form(events=list(EVENTS)))


@bp.post("/webhooks")
def webhook_create():
    """Add a webhook; the page that follows shows its signing secret, this once."""
    form = _form()
    if not form.validate():
        return _page(form, 422)
    data = {"url": form.url.data or "", "events": list(form.events.data or [])}
    try:
        hook, secret = hooks.create_webhook(current_user, data, now=now())
    except ValidationFailed as exc:
        db.session.rollback()
        errors_beside(form, exc.errors, fallback=form.url)
        return _page(form, 422)
    db.session.commit()
    # Shown in this answer only: a secret kept for a later page would sit in the session cookie.
    return _page(_form(events=list(EVENTS)), 201, created=hook, secret=secret)


@bp.post("/webhooks/<int:webhook_id>/delete")
def webhook_delete(webhook_id: int):
    """Remove one of my webhooks; nothing more is sent to it."""
    hook = _own(webhook_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    url = hook.url
    hooks.delete_webhook(hook, now=now())
    db.session.commit()
    flash(_("The webhook to %(url)s is removed.", url=url), "success")
    return redirect(url_for(".webhooks"), 303)


@bp.post("/webhooks/<int:webhook_id>/test")
def webhook_test(webhook_id: int):
    """Queue a test delivery to one of my webhooks (the worker sends it)."""
    hook = _own(webhook_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    hooks.send_test(hook, now=now())
    db.session.commit()
    flash(_("A test delivery is on its way to %(url)s.", url=hook.url), "success")
    return redirect(url_for(".webhooks"), 303)


@bp.post("/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
def webhook_delivery_retry(webhook_id: int, delivery_id: int):
    """Send a delivery of one of my webhooks again (same message id and body)."""
    hook = _own(webhook_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        delivery = hooks.own_delivery(hook, delivery_id)
    except hooks.WebhookGone:
        abort(404)
    hooks.send_again(delivery, now=now())
    db.session.commit()
    flash(_("The delivery will be sent again."), "success")
    return redirect(url_for(".webhooks"), 303)
