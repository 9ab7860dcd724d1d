"""Webhooks (SPEC §10): a receiver and its events, the deliveries made to it, the event body."""

from urllib.parse import urlsplit, urlunsplit

from marshmallow import fields

from . import In, Out
from .bookings import BookingOut
from .fields import NOT_LIST, Choice, Instant, Text, _l, fail

EVENTS = (
    "booking.created",
    "booking.confirmed",
    "booking.declined",
    "booking.rescheduled",
    "booking.cancelled",
)
TEST_EVENT = "webhook.test"
SCOPES = ("organizer", "organization")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
MAX_URL = 2000


class Receiver(Text):
    """A receiver's address: http:// or https:// with a host; the service checks the rest."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(format="uri", example="https://hooks.example.com/bwm")
        super().__init__(max_length=MAX_URL, required=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https"):
                raise fail(_l("must be an http:// or https:// address"))
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise fail(_l("is not a valid address")) from None
        if not host:
            raise fail(_l("must name a host (like https://hooks.example.com/)"))
        return urlunsplit(parts._replace(fragment=""))


class Events(fields.List):
    """One or more of the events, each once; kept in the order of EVENTS."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(minItems=1, maxItems=len(EVENTS), uniqueItems=True)
        super().__init__(Choice(EVENTS), **kwargs)
        self.error_messages.update(
            required=_l("is required"), null=_l("is required"), invalid=NOT_LIST
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise fail(NOT_LIST)
        chosen = {self.inner.deserialize(item) for item in value}
        if not chosen:
            raise fail(_l("choose at least one event"))
        return [event for event in EVENTS if event in chosen]


class WebhookIn(In):
    url = Receiver()
    events = Events(required=True)


class WebhookOut(Out):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(metadata={"enum": list(EVENTS)}), required=True)
    scope = fields.String(required=True, metadata={"enum": list(SCOPES)})
    enabled = fields.Boolean(
        required=True, metadata={"description": "false once it failed for 24 hours"}
    )
    failing_since = Instant(required=True, allow_none=True)
    disabled_at = Instant(required=True, allow_none=True)
    created_at = Instant(required=True)


class WebhookCreated(WebhookOut):
    secret = fields.String(
        required=True,
        metadata={"description": "whsec_ + base64: shown this once; verifies each delivery"},
    )


class WebhookList(Out):
    webhooks = fields.List(fields.Nested(WebhookOut), required=True)


class AttemptOut(Out):
    attempted_at = Instant(required=True)
    status_code = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the answer's code; null: none"}
    )
    error = fields.String(required=True)


class DeliveryOut(Out):
    id = fields.Integer(required=True)
    message_id = fields.String(required=True, metadata={"description": "the webhook-id header"})
    event = fields.String(required=True, metadata={"enum": [*EVENTS, TEST_EVENT]})
    status = fields.String(required=True, metadata={"enum": list(DELIVERY_STATUSES)})
    status_code = fields.Integer(
        attribute="last_status_code",
        required=True,
        allow_none=True,
        metadata={"description": "the last answer's code; null: no answer yet"},
    )
    error = fields.String(attribute="last_error", required=True)
    attempts = fields.Integer(required=True)
    created_at = Instant(required=True)
    attempted_at = Instant(attribute="last_attempt_at", required=True, allow_none=True)
    next_attempt_at = fields.Method(
        "_next", required=True, metadata={"type": ["string", "null"], "format": "date-time"}
    )
    tries = fields.List(fields.Nested(AttemptOut), required=True)

    def _next(self, delivery):
        if delivery.status != "pending":
            return None
        return delivery.next_attempt_at.isoformat()


class DeliveryList(Out):
    deliveries = fields.List(fields.Nested(DeliveryOut), required=True)


class DeliveryEnvelope(Out):
    delivery = fields.Nested(DeliveryOut, required=True)


class EventData(Out):
    booking = fields.Nested(BookingOut, required=True)


class WebhookEvent(Out):
    """The body of every delivery, signed as Standard Webhooks say."""

    type = fields.String(required=True, metadata={"enum": [*EVENTS, TEST_EVENT]})
    timestamp = Instant(required=True, metadata={"description": "when the change happened"})
    data = fields.Nested(EventData, required=True)
