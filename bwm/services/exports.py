"""An organizer's bookings listed and exported (the API list, GET /me/bookings.csv)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain.questions import answer_text
from ..extensions import db
from ..models import Booking, User
from .slots import day_bounds

ERASED = "Erased"  # the name of an attendee whose data is erased (SPEC §11)

# A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or return before one).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "uid",
    "status",
    "meeting_type",
    "start",
    "end",
    "duration_minutes",
    "attendee_name",
    "attendee_email",
    "attendee_timezone",
    "note",
    "online_meeting_url",
    "created_at",
    "consent_text",
)


# Listed only when asked for by status (SPEC §11's email check).
NOT_LISTED = ("unverified", "released")


def find_bookings(user: User, query: Mapping) -> list[Booking]:
    """The organizer's bookings by start, filtered as BookingsQuery says (dates in the page's
    zone, a status)."""
    tz = ZoneInfo(user.page.timezone)
    found = (
        select(Booking)
        .where(Booking.user_id == user.id)
        .options(selectinload(Booking.meeting_type))
        .order_by(Booking.start, Booking.id)
    )
    if query.get("from_"):
        found = found.where(Booking.start >= day_bounds(query["from_"], query["from_"], tz)[0])
    if query.get("to"):
        found = found.where(Booking.start < day_bounds(query["to"], query["to"], tz)[1])
    if query.get("status"):
        found = found.where(Booking.status == query["status"])
    else:  # holds waiting for an email check are not the organizer's news until confirmed
        found = found.where(Booking.status.not_in(NOT_LISTED))
    return list(db.session.scalars(found))


def safe_cell(value: object) -> str:
    """A cell's text that no spreadsheet runs as a formula: such text gets a leading '."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def bookings_csv(bookings: Iterable[Booking], tz: ZoneInfo) -> str:
    """The bookings as CSV, times in tz, with one column per question any of them answered
    (headed by its label as it was asked, in the order first seen)."""
    bookings = list(bookings)
    questions: dict[str, str] = {}
    for booking in bookings:
        for answer in booking.answers or ():
            questions.setdefault(answer["id"], answer["label"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, *(safe_cell(label) for label in questions.values())])
    for b in bookings:
        given = {answer["id"]: answer for answer in b.answers or ()}
        row = [
            b.uid,
            b.status,
            b.meeting_type.slug,
            b.start.astimezone(tz).isoformat(),
            b.end.astimezone(tz).isoformat(),
            b.duration_minutes,
            ERASED if b.anonymized_at is not None else b.attendee_name,
            b.attendee_email,
            b.attendee_timezone,
            b.note,
            b.online_meeting_url or "",
            b.created_at.astimezone(tz).isoformat(),
            b.consent_text or "",
            *(answer_text(given[q]) if q in given else "" for q in questions),
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
