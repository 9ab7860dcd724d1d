"""The administrator's operations overview (SPEC §8)."""

from marshmallow import fields, pre_dump

from . import Out
from .fields import Instant

LANE_STATES = ("ok", "error", "late", "never")
WORKER_STATES = ("ok", "late", "never")


class LaneOut(Out):
    name = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": list(LANE_STATES)})
    worker = fields.String(required=True)
    last_pass_at = Instant(required=True, allow_none=True)
    last_ok_at = Instant(required=True, allow_none=True)
    last_count = fields.Integer(required=True)
    last_error = fields.String(required=True)


class FailedMessageOut(Out):
    id = fields.Integer(required=True)
    to = fields.String(required=True)
    subject = fields.String(required=True)
    template = fields.String(required=True, allow_none=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(required=True)
    created_at = Instant(required=True)
    failing_since = Instant(required=True, allow_none=True)


class OutboxOut(Out):
    due = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    oldest_due_at = Instant(required=True, allow_none=True)
    failed_messages = fields.List(fields.Nested(FailedMessageOut), required=True)


class CalendarInErrorOut(Out):
    id = fields.Integer(required=True)
    organizer = fields.String(required=True)
    kind = fields.String(required=True)
    url = fields.String(required=True)
    error = fields.String(required=True)
    last_synced_at = Instant(required=True, allow_none=True)
    last_attempt_at = Instant(required=True, allow_none=True)


class WriteBackProblemOut(Out):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    organizer = fields.String(required=True)
    calendar_url = fields.String(required=True)
    booking_start = Instant(required=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(required=True)
    next_attempt_at = Instant(required=True)
    failing_since = Instant(required=True, allow_none=True)


class WriteBacksOut(Out):
    pending = fields.Integer(required=True, attribute="write_backs_pending")
    failed = fields.Integer(required=True, attribute="write_backs_failed")
    failing = fields.List(
        fields.Nested(WriteBackProblemOut), required=True, attribute="write_back_problems"
    )


class WebhookFailingOut(Out):
    id = fields.Integer(required=True)
    owner = fields.String(required=True)
    scope = fields.String(required=True, metadata={"enum": ["organizer", "organization"]})
    url = fields.String(required=True)
    failing_since = Instant(required=True, allow_none=True)
    disabled_at = Instant(required=True, allow_none=True, metadata={"description": "turned off"})
    last_error = fields.String(required=True)
    last_status_code = fields.Integer(required=True, allow_none=True)


class OverviewOut(Out):
    worker = fields.String(required=True, metadata={"enum": list(WORKER_STATES)})
    lanes = fields.List(fields.Nested(LaneOut), required=True)
    outbox = fields.Nested(OutboxOut, required=True)
    calendars_in_error = fields.List(fields.Nested(CalendarInErrorOut), required=True)
    write_backs = fields.Nested(WriteBacksOut, required=True)
    webhooks_failing = fields.List(fields.Nested(WebhookFailingOut), required=True)

    @pre_dump
    def _group(self, found, **kwargs):
        """Put the failed emails under the outbox and the write-backs together."""
        return {
            "worker": found.worker,
            "lanes": found.lanes,
            "outbox": {**vars(found.outbox), "failed_messages": found.failed_messages},
            "calendars_in_error": found.calendars_in_error,
            "write_backs": found,
            "webhooks_failing": found.webhooks_failing,
        }


class MessageState(Out):
    id = fields.Integer(required=True)
    status = fields.String(required=True)


class RetriedOut(Out):
    message = fields.Nested(MessageState, required=True)
