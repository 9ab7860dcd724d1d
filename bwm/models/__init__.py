"""ORM rows only, a module per feature; importing the package loads them all (Alembic, backups).

Every row is importable from here (`from bwm.models import Booking`).
"""

from .audit import AuditEvent
from .bots import UsedChallenge
from .calendars import BookingFeed, CalendarBusy, CalendarWriteBack, ConnectedCalendar
from .rows import (
    ApiToken,
    Booking,
    BookingPage,
    BusyBlock,
    CalendarShare,
    DateOverride,
    EmailChange,
    HoursWindow,
    MeetingType,
    OrgSettings,
    OutboxMessage,
    PageImage,
    PrivateLink,
    ReminderSent,
    User,
    UserInvite,
    UTCDateTime,
    WorkerLane,
    now_utc,
    password_fingerprint,
)
from .webhooks import Webhook, WebhookAttempt, WebhookDelivery

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Booking",
    "BookingFeed",
    "BookingPage",
    "BusyBlock",
    "CalendarBusy",
    "CalendarShare",
    "CalendarWriteBack",
    "ConnectedCalendar",
    "DateOverride",
    "EmailChange",
    "HoursWindow",
    "MeetingType",
    "OrgSettings",
    "OutboxMessage",
    "PageImage",
    "PrivateLink",
    "ReminderSent",
    "UTCDateTime",
    "User",
    "UsedChallenge",
    "UserInvite",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WorkerLane",
    "now_utc",
    "password_fingerprint",
]
