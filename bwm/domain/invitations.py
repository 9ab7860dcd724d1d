"""Booking facts -> iCalendar invitations (RFC 5545 / iMIP RFC 6047)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

# icalendar is loaded on first use: a web worker that serves no calendar never needs it.
if TYPE_CHECKING:
    from icalendar import Calendar, Event, vCalAddress


@dataclass(frozen=True)
class BookingFacts:
    uid: str
    sequence: int
    start: datetime  # aware
    end: datetime  # aware
    title: str
    description: str
    location: str
    online_meeting_url: str | None
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    created: datetime  # aware; DTSTAMP
    manage_url: str | None = None  # only in the attendee's copy
    cancelled: bool = False
    # Labels in the reader's language (the caller translates; the domain has no locale).
    online_label: str = "Online meeting"
    manage_label: str = "Reschedule or cancel"
    # The booking questions' labels and answers, as lines of the description.
    answers: tuple[tuple[str, str], ...] = ()
    note: str = ""
    note_label: str = "Note"
    # The meeting type's colour (#rrggbb), for the organizer's own calendar.
    color: str | None = None
    category: str = ""  # the meeting type's title, as the event's CATEGORIES


def _address(name: str, email: str, role: str | None = None) -> vCalAddress:
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("ACCEPTED")
        address.params["RSVP"] = vText("FALSE")
    return address


def new_calendar() -> Calendar:
    """An empty VCALENDAR as bwm writes them."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//bwm//Bookings with me//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    return cal


def booking_vevent(facts: BookingFacts, *, stamp: datetime) -> Event:
    """The VEVENT fields every copy of a booking shares: UID, SEQUENCE, stamps, times, title."""
    from icalendar import Event

    event = Event()
    event.add("uid", facts.uid)
    event.add("sequence", facts.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("created", facts.created.astimezone(UTC))
    event.add("dtstart", facts.start.astimezone(UTC))
    event.add("dtend", facts.end.astimezone(UTC))
    event.add("summary", facts.title)
    return event


def build_invitation(facts: BookingFacts, method: str, *, stamp: datetime) -> bytes:
    """Return a VCALENDAR with one VEVENT; method is REQUEST, CANCEL or PUBLISH."""
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unknown iTIP method {method!r}")
    cal = new_calendar()
    cal.add("method", method)
    event = booking_vevent(facts, stamp=stamp)
    lines = [facts.description] if facts.description else []
    if facts.note:
        lines.append(f"{facts.note_label}: {facts.note}")
    if facts.answers:
        lines.append("\n".join(f"{label}: {answer}" for label, answer in facts.answers))
    if facts.online_meeting_url:
        lines.append(f"{facts.online_label}: {facts.online_meeting_url}")
        event.add("url", facts.online_meeting_url)
    if facts.manage_url:
        lines.append(f"{facts.manage_label}: {facts.manage_url}")
    if lines:
        event.add("description", "\n\n".join(lines))
    location = facts.location or facts.online_meeting_url or ""
    if location:
        event.add("location", location)
    event.add("organizer", _address(facts.organizer_name, facts.organizer_email))
    event.add("attendee", _address(facts.attendee_name, facts.attendee_email, "REQ-PARTICIPANT"))
    cancelled = facts.cancelled or method == "CANCEL"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    cal.add_component(event)
    return cal.to_ical()
