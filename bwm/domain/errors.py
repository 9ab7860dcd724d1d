"""Errors with meaning, raised by the domain and the services, mapped to HTTP in one place.

Their messages are English (the API answers in English) and marked for the catalogues with `_l`;
a `Message` keeps its template and values, so a page can show it in the reader's language.
"""

from __future__ import annotations

from typing import Any


def _l(template: str) -> str:
    """Mark a message for the catalogues; it is translated where it is shown."""
    return template


class Message(str):
    """An English message that remembers its template and values, to be shown translated."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        self = super().__new__(cls, template % values if values else template)
        self.template = template
        self.values = values
        return self


class ValidationFailed(Exception):
    """Bad input, with one message per field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


class Conflict(Exception):
    """The request clashes with what is stored (a slug already taken)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class SlotTaken(Exception):
    """The time asked for is not (or no longer) free."""


class BookingClosed(Exception):
    """A cancelled, declined or past booking can't be changed; a decided request can't be
    decided again; a pending request can't be moved."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "cancelled", "declined", "past", "decided" or "pending"


class ChangeTooLate(Exception):
    """The attendee may not move or cancel a booking this close to its start (the type's
    cut-off, in minutes); the organizer still may."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes
