"""ORM rows only, a module per feature; importing the package loads them all (Alembic, backups).

Every row is importable from here (`from bwm.models import Booking`).
"""

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
    PrivateLink,
    ReminderSent,
    User,
    UserInvite,
    UTCDateTime,
    WorkerLane,
    now_utc,
    password_fingerprint,
)

__all__ = [
    "ApiToken",
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
    "PrivateLink",
    "ReminderSent",
    "UTCDateTime",
    "User",
    "UserInvite",
    "WorkerLane",
    "now_utc",
    "password_fingerprint",
]
