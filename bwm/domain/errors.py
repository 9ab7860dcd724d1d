"""Errors with meaning, raised by the domain and the services, mapped to HTTP in one place."""


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
    """A cancelled or past booking can't be changed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "cancelled" or "past"
