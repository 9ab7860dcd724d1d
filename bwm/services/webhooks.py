"""Webhooks (SPEC §10): receivers of booking events, per organizer or for the whole organization.

A booking's change queues one delivery per webhook that asked for the event, in the change's own
transaction (through the booking_changed signal), with its body and message id fixed then. The
worker's "webhooks" lane posts them, signed as Standard Webhooks say, with a 10 s time limit,
retrying with backoff for 24 hours (the same webhook-id every time) and in order per booking: a
booking's later event waits until the earlier one is delivered or given up. A webhook that has
failed for 24 hours is turned off and its owner told by email. No request talks to a receiver.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from .. import outbox
from ..core.addresses import AddressRefused, check_public_url, flag
from ..core.signals import booking_changed
from ..core.urls import external_url
from ..extensions import db
from ..jobs.lanes import lane
from ..jobs.queue import PASS_BUDGET, JobQueue
from ..models import Booking, User, Webhook, WebhookAttempt, WebhookDelivery
from ..schemas import With, dump, load
from ..schemas.bookings import BookingOut
from ..schemas.webhooks import EVENTS, TEST_EVENT, WebhookIn
from . import audit
from .addresses import check_address

# booking_changed's kinds (services/bookings.py) and the events they are; a reminder is none.
EVENT_OF_KIND = {
    "booked": "booking.created",
    "confirmed": "booking.confirmed",
    "declined": "booking.declined",
    "rescheduled": "booking.rescheduled",
    "cancelled": "booking.cancelled",
}
assert set(EVENT_OF_KIND.values()) == set(EVENTS)

GIVE_UP_AFTER = timedelta(hours=24)
# After the n-th failure: soon at first (a receiver restarting), then ever more patiently; the
# queue puts the last try at 24 hours after the first failure.
DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=8),
)
BATCH = 100
LOG_SIZE = 20  # deliveries shown per webhook
TRIES_SHOWN = 10  # attempts shown per delivery
SECRET_BYTES = 24


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt."""
    return DELAYS[min(max(attempts, 1), len(DELAYS)) - 1]


_Earlier = aliased(WebhookDelivery)
# A delivery waits while an earlier one of the same booking to the same webhook is still to do.
_NOTHING_EARLIER = ~exists().where(
    _Earlier.webhook_id == WebhookDelivery.webhook_id,
    _Earlier.booking_id == WebhookDelivery.booking_id,
    _Earlier.status == "pending",
    _Earlier.id < WebhookDelivery.id,
)

QUEUE = JobQueue(
    WebhookDelivery,
    done="delivered",
    give_up_after=GIVE_UP_AFTER,
    backoff=backoff,
    extra=(_NOTHING_EARLIER,),
)


class WebhookGone(Exception):
    """No such webhook (or delivery) for this owner."""


def deny_private() -> bool:
    """Tell whether receivers at loopback and private-network addresses are refused."""
    return flag(current_app.config.get("WEBHOOK_DENY_PRIVATE_ADDRESSES", False))


def timeout() -> float:
    return float(current_app.config.get("WEBHOOK_TIMEOUT", 10))


def new_secret() -> str:
    """Make a signing secret as Standard Webhooks write them: whsec_ + base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# --- the receivers ------------------------------------------------------------------------------


def create_webhook(
    user: User, data: object, *, now: datetime, scope: str = "organizer"
) -> tuple[Webhook, str]:
    """Add a webhook (WebhookIn's values); return it and its secret, to be shown once."""
    cleaned = load(WebhookIn(), data)
    check_address(cleaned["url"], deny_private=deny_private())
    secret = new_secret()
    hook = Webhook(
        user_id=user.id,
        scope=scope,
        url=cleaned["url"],
        events=list(cleaned["events"]),
        secret=secret,
        enabled=True,
        created_at=now,
    )
    db.session.add(hook)
    db.session.flush()
    if scope == "organization":  # an admin action (SPEC §11): in the audit trail
        audit.record(
            "webhook.create",
            now=now,
            target_type="webhook",
            target=hook.url,
            after={"url": hook.url, "events": list(hook.events)},
            only_changes=False,
        )
    return hook, secret


def _scoped(scope: str, user: User):
    query = select(Webhook).where(Webhook.scope == scope)
    if scope == "organizer":  # an organization's webhook is every administrator's to manage
        query = query.where(Webhook.user_id == user.id)
    return query


def webhooks_of(user: User, scope: str = "organizer") -> list[Webhook]:
    """Return the organizer's webhooks (or the organization's), oldest first."""
    return list(db.session.scalars(_scoped(scope, user).order_by(Webhook.id)))


def own_webhook(webhook_id: int, user: User, scope: str = "organizer") -> Webhook:
    """Return the webhook of that id the user may manage; WebhookGone otherwise."""
    hook = db.session.scalar(_scoped(scope, user).where(Webhook.id == webhook_id))
    if hook is None:
        raise WebhookGone()
    return hook


def delete_webhook(hook: Webhook, *, now: datetime) -> None:
    """Remove a webhook, with its deliveries: nothing more is sent to it."""
    if hook.scope == "organization":
        audit.record(
            "webhook.delete",
            now=now,
            target_type="webhook",
            target=hook.url,
            before={"url": hook.url, "events": list(hook.events)},
            only_changes=False,
        )
    db.session.delete(hook)
    db.session.flush()


def deliveries_of(hook: Webhook, limit: int = LOG_SIZE) -> list[With]:
    """Return the webhook's latest deliveries, newest first, each with its latest attempts."""
    rows = list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
    tries: dict[int, list[WebhookAttempt]] = {row.id: [] for row in rows}
    if rows:
        for attempt in db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(tries)))
            .order_by(WebhookAttempt.id.desc())
        ):
            if len(tries[attempt.delivery_id]) < TRIES_SHOWN:
                tries[attempt.delivery_id].append(attempt)
    return [With(row, tries=tries[row.id]) for row in rows]


def seen_delivery(delivery: WebhookDelivery) -> With:
    """A delivery with its latest attempts, for DeliveryOut."""
    tries = db.session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.id.desc())
        .limit(TRIES_SHOWN)
    ).all()
    return With(delivery, tries=list(tries))


def _enable(hook: Webhook) -> None:
    """Turn a webhook back on: its owner asked for a delivery, so the receiver should be back."""
    hook.enabled = True
    hook.disabled_at = None
    hook.failing_since = None


def send_test(hook: Webhook, *, now: datetime) -> WebhookDelivery:
    """Queue a test delivery (an example booking); the worker sends it, as any other."""
    _enable(hook)
    example = {
        "uid": "example@bwm",
        "start": (now + timedelta(days=1)).replace(microsecond=0).isoformat(),
        "end": (now + timedelta(days=1, minutes=30)).replace(microsecond=0).isoformat(),
        "status": "confirmed",
        "meeting_type": "example",
        "attendee": {
            "name": "Example Attendee",
            "email": "attendee@example.com",
            "timezone": "UTC",
        },
        "note": "A test delivery from bwm.",
        "online_meeting_url": None,
        "duration_minutes": 30,
        "answers": {},
    }
    delivery = _queue(hook, TEST_EVENT, _body(TEST_EVENT, example, now), None, now)
    db.session.flush()
    return delivery


def own_delivery(hook: Webhook, delivery_id: int) -> WebhookDelivery:
    """Return the webhook's delivery of that id; WebhookGone otherwise."""
    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == hook.id
        )
    )
    if delivery is None:
        raise WebhookGone()
    return delivery


def send_again(delivery: WebhookDelivery, *, now: datetime) -> WebhookDelivery:
    """Put a delivery back in the queue, due at once, with the same message id and body; its
    webhook is turned back on if it was off."""
    _enable(delivery.webhook)
    delivery.status = "pending"
    delivery.attempts = 0  # a fresh round of retries; its tries stay in the log
    delivery.failing_since = None
    delivery.locked_until = None
    delivery.next_attempt_at = now
    db.session.flush()
    return delivery


# --- queueing, in the change's transaction -----------------------------------------------------


def subscribe() -> None:
    """Queue the deliveries of every booking change (create_app calls it; once is enough)."""
    booking_changed.connect(_on_booking_changed)


def _on_booking_changed(booking: Booking, *, kind: str, now: datetime, **_) -> None:
    event = EVENT_OF_KIND.get(kind)
    if event is not None:
        queue_event(booking, event, now=now)


def _body(event: str, booking: dict, now: datetime) -> str:
    return json.dumps(
        {"type": event, "timestamp": now.astimezone(UTC).isoformat(), "data": {"booking": booking}},
        separators=(",", ":"),
    )


def _queue(
    hook: Webhook, event: str, body: str, booking_id: int | None, now: datetime
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        webhook_id=hook.id,
        booking_id=booking_id,
        message_id="msg_" + secrets.token_urlsafe(18),
        event=event,
        body=body,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    db.session.add(delivery)
    return delivery


def queue_event(booking: Booking, event: str, *, now: datetime) -> None:
    """Queue the event for every webhook that asked for it: the organizer's and the
    organization's (flushed, not committed: it stands or falls with the change)."""
    hooks = db.session.scalars(
        select(Webhook).where(
            Webhook.enabled.is_(True),
            or_(Webhook.scope == "organization", Webhook.user_id == booking.user_id),
        )
    ).all()
    hooks = [hook for hook in hooks if event in (hook.events or [])]
    if not hooks:
        return
    body = _body(event, dump(BookingOut, booking), now)
    for hook in hooks:
        _queue(hook, event, body, booking.id, now)
    db.session.flush()


# --- delivering: the worker's lane --------------------------------------------------------------


def signed_headers(secret: str, message_id: str, body: str, sent_at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    from standardwebhooks import Webhook as Signer

    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Signer(secret).sign(message_id, sent_at, body),
        "content-type": "application/json",
        "user-agent": "bwm-webhooks",
    }


def _sent_at() -> datetime:
    # The receiver checks webhook-timestamp against its own clock (replays), so it is the real
    # moment of sending, never the app's (a test's) clock.
    return datetime.now(UTC)


@lane("webhooks", interval=1.0, order=35)
def deliver_due_webhooks(clock, stop=None) -> int:
    """Post every due delivery to its receiver (the worker's lane); return how many arrived."""
    candidates = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id.in_(QUEUE.due_ids(clock(), BATCH)))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    ).all()
    db.session.commit()
    done = 0
    down: set[int] = set()  # receivers that failed in this pass: their rows wait for the next
    started = clock()
    claim_for = max(QUEUE.claim_for, timedelta(seconds=3 * timeout()))
    for row_id, webhook_id in candidates:
        if (stop is not None and stop.is_set()) or clock() - started > PASS_BUDGET:
            break
        now = clock()
        if webhook_id in down or not QUEUE.claim([row_id], now, claim_for):
            continue
        if _deliver_claimed(row_id, now):
            done += 1
        else:
            down.add(webhook_id)
    return done


def _post(url: str, headers: dict[str, str], body: str) -> tuple[int | None, str | None]:
    """Post one delivery; return the answer's code and the error (None when it was 2xx)."""
    import requests  # the worker's: web processes never post

    try:
        if deny_private():
            check_public_url(url)  # again: the name may point elsewhere by now
        response = requests.post(
            url, data=body.encode(), headers=headers, timeout=timeout(), allow_redirects=False
        )
        response.close()
    except AddressRefused as exc:
        return None, str(exc)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"the receiver answered {response.status_code}"


def _deliver_claimed(row_id: int, now: datetime) -> bool:
    """Send one claimed delivery and record the attempt. True when the receiver took it."""
    row = db.session.get(WebhookDelivery, row_id)
    db.session.refresh(row)
    hook = row.webhook
    if not hook.enabled:  # turned off since it was queued
        db.session.commit()
        QUEUE.failed(row_id, "the webhook is turned off", now, permanent=True)
        return True
    url, secret, body, message_id = hook.url, hook.secret, row.body, row.message_id
    db.session.commit()  # hold no transaction while waiting on the network
    try:
        code, error = _post(url, signed_headers(secret, message_id, body, _sent_at()), body)
    except Exception as exc:  # noqa: BLE001 - a failed delivery must not stop the pass
        current_app.logger.exception("webhook delivery %s failed", row_id)
        code, error = None, f"Unexpected error: {type(exc).__name__}: {exc}"
    db.session.rollback()
    db.session.add(
        WebhookAttempt(delivery_id=row_id, attempted_at=now, status_code=code, error=error or "")
    )
    hook = db.session.get(Webhook, hook.id)
    if hook is None:  # deleted meanwhile: its deliveries went with it
        db.session.rollback()
        return True
    db.session.refresh(hook)
    if error is None:
        hook.failing_since = None
        QUEUE.succeeded(
            [row_id],
            now,
            done_at=now,
            last_error="",
            last_status_code=code,
            last_attempt_at=now,
            attempts=WebhookDelivery.attempts + 1,
        )
        return True
    if hook.failing_since is None:
        hook.failing_since = now
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == row_id)
        .values(last_status_code=code, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    failed = QUEUE.failed(row_id, error, now)  # commits the attempt with it
    current_app.logger.warning(
        "webhook %s delivery %s: attempt %s failed: %s",
        hook.id,
        row_id,
        failed.attempts if failed is not None else "?",
        error,
    )
    hook = db.session.get(Webhook, hook.id)
    if hook is not None and hook.enabled and now - hook.failing_since >= GIVE_UP_AFTER:
        disable(hook, error, now=now)
        db.session.commit()
    return False


def disable(hook: Webhook, error: str, *, now: datetime) -> None:
    """Turn off a webhook that has failed for 24 hours: give up what waits, tell its owner."""
    hook.enabled = False
    hook.disabled_at = now
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id, WebhookDelivery.status == "pending")
        .values(status="failed", locked_until=None, last_error="the webhook was turned off")
        .execution_options(synchronize_session=False)
    )
    owner = hook.user
    context = {
        "user": owner,
        "hook": hook,
        "error": error,
        "page_url": external_url("organizer.webhooks"),
    }
    with force_locale(owner.language or "en"):
        subject = _("Your webhook to %(url)s was turned off", url=hook.url)
        text = render_template("email/webhook_disabled.txt", **context)
        html = render_template("email/webhook_disabled.html", **context)
    outbox.enqueue(owner.email, subject, text, html, now=now)
