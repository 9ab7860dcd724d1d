"""Webhooks (SPEC §10): an organizer's under /me/webhooks, the organization's for administrators
under /admin/webhooks; the same shapes. Nothing here talks to a receiver: a test or a "send
again" only queues a delivery for the worker."""

from flask import abort, g

from ..extensions import db
from ..schemas import With
from ..schemas.webhooks import (
    DeliveryEnvelope,
    DeliveryList,
    WebhookCreated,
    WebhookIn,
    WebhookList,
)
from ..services import webhooks
from ..web import now
from .auth import admin_token_required, token_required
from .blueprint import bp

NO_WEBHOOK = "no such webhook"
NO_DELIVERY = "no such delivery"


def _hook(id: int, scope: str):
    try:
        return webhooks.own_webhook(id, g.api_user, scope)
    except webhooks.WebhookGone:
        abort(404, description=NO_WEBHOOK)


def _list(scope: str) -> dict:
    return {"webhooks": webhooks.webhooks_of(g.api_user, scope)}


def _create(values: dict, scope: str):
    hook, secret = webhooks.create_webhook(g.api_user, values, now=now(), scope=scope)
    db.session.commit()
    return With(hook, secret=secret)


def _delete(id: int, scope: str) -> None:
    webhooks.delete_webhook(_hook(id, scope), now=now())
    db.session.commit()


def _deliveries(id: int, scope: str) -> dict:
    return {"deliveries": webhooks.deliveries_of(_hook(id, scope))}


def _test(id: int, scope: str) -> dict:
    delivery = webhooks.send_test(_hook(id, scope), now=now())
    db.session.commit()
    return {"delivery": webhooks.seen_delivery(delivery)}


def _retry(id: int, delivery_id: int, scope: str) -> dict:
    hook = _hook(id, scope)
    try:
        delivery = webhooks.own_delivery(hook, delivery_id)
    except webhooks.WebhookGone:
        abort(404, description=NO_DELIVERY)
    webhooks.send_again(delivery, now=now())
    db.session.commit()
    return {"delivery": webhooks.seen_delivery(delivery)}


# --- the organizer's ----------------------------------------------------------------------------


@bp.get("/me/webhooks")
@token_required
@bp.response(200, WebhookList)
def webhook_list():
    """List the organizer's webhooks, oldest first (their secrets are not shown again)."""
    return _list("organizer")


@bp.post("/me/webhooks")
@token_required
@bp.arguments(WebhookIn)
@bp.response(201, WebhookCreated)
def webhook_create(values: dict):
    """Add a webhook for some booking events; the answer shows its signing secret, this once."""
    return _create(values, "organizer")


@bp.delete("/me/webhooks/<int:id>")
@token_required
@bp.response(204)
def webhook_delete(id: int):
    """Remove a webhook and its deliveries."""
    _delete(id, "organizer")


@bp.get("/me/webhooks/<int:id>/deliveries")
@token_required
@bp.response(200, DeliveryList)
def webhook_deliveries(id: int):
    """List the webhook's latest deliveries, newest first, each with its latest attempts."""
    return _deliveries(id, "organizer")


@bp.post("/me/webhooks/<int:id>/test")
@token_required
@bp.response(202, DeliveryEnvelope)
def webhook_test(id: int):
    """Queue a test delivery (type webhook.test, an example booking); turns the webhook on."""
    return _test(id, "organizer")


@bp.post("/me/webhooks/<int:id>/deliveries/<int:delivery_id>/retry")
@token_required
@bp.response(202, DeliveryEnvelope)
def webhook_delivery_retry(id: int, delivery_id: int):
    """Send a delivery again, with its message id and body; turns the webhook on."""
    return _retry(id, delivery_id, "organizer")


# --- the organization's -------------------------------------------------------------------------


@bp.get("/admin/webhooks")
@admin_token_required
@bp.response(200, WebhookList)
def admin_webhook_list():
    """List the organization's webhooks (told every organizer's events), oldest first."""
    return _list("organization")


@bp.post("/admin/webhooks")
@admin_token_required
@bp.arguments(WebhookIn)
@bp.response(201, WebhookCreated)
def admin_webhook_create(values: dict):
    """Add an organization webhook; the answer shows its signing secret, this once."""
    return _create(values, "organization")


@bp.delete("/admin/webhooks/<int:id>")
@admin_token_required
@bp.response(204)
def admin_webhook_delete(id: int):
    """Remove an organization webhook and its deliveries."""
    _delete(id, "organization")


@bp.get("/admin/webhooks/<int:id>/deliveries")
@admin_token_required
@bp.response(200, DeliveryList)
def admin_webhook_deliveries(id: int):
    """List the organization webhook's latest deliveries, newest first."""
    return _deliveries(id, "organization")


@bp.post("/admin/webhooks/<int:id>/test")
@admin_token_required
@bp.response(202, DeliveryEnvelope)
def admin_webhook_test(id: int):
    """Queue a test delivery to an organization webhook; turns it on."""
    return _test(id, "organization")


@bp.post("/admin/webhooks/<int:id>/deliveries/<int:delivery_id>/retry")
@admin_token_required
@bp.response(202, DeliveryEnvelope)
def admin_webhook_delivery_retry(id: int, delivery_id: int):
    """Send a delivery of an organization webhook again; turns it on."""
    return _retry(id, delivery_id, "organization")
