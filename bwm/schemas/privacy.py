"""The organization's privacy settings (SPEC §11): how long attendees' data is kept, and the
consent the booking forms ask for."""

from marshmallow import fields

from . import In, Out
from .fields import Email, Text, Whole

RETENTION_MAX_DAYS = 3650
CONSENT_MAX = 2000


class PrivacySettingsIn(In):
    retention_days = Whole(
        1,
        RETENTION_MAX_DAYS,
        allow_none=True,
        metadata={
            "description": "erase attendees' personal data this many days after a booking "
            "ends; null keeps it"
        },
    )
    consent_text = Text(
        max_length=CONSENT_MAX,
        metadata={"description": "the booking forms' required checkbox; empty asks nothing"},
    )


class PrivacySettingsOut(Out):
    retention_days = fields.Integer(required=True, allow_none=True)
    consent_text = fields.String(required=True)


class AttendeeIn(In):
    email = Email(required=True, metadata={"description": "the attendee's email address"})
