"""Field checks shared by the API and the forms: each names the field it rejects."""

from __future__ import annotations

import re
from datetime import datetime

from ..domain.errors import ValidationFailed
from ..domain.zones import get_zone

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def text(data: dict, field: str, *, required: bool = False, max_length: int = 200) -> str:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed({field: "must be text"})
    value = value.strip()
    if required and not value:
        raise ValidationFailed({field: "is required"})
    if len(value) > max_length:
        raise ValidationFailed({field: f"must be at most {max_length} characters"})
    return value


def integer(data: dict, field: str, *, low: int, high: int, nullable: bool = False) -> int | None:
    value = data.get(field)
    if value is None or value == "":
        if nullable:
            return None
        raise ValidationFailed({field: "is required"})
    if isinstance(value, bool):
        raise ValidationFailed({field: "must be a whole number"})
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValidationFailed({field: "must be a whole number"}) from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValidationFailed({field: "must be a whole number"})
    if not low <= value <= high:
        raise ValidationFailed({field: f"must be between {low} and {high}"})
    return value


def boolean(data: dict, field: str) -> bool:
    value = data.get(field)
    if isinstance(value, bool):
        return value
    if value in (None, "", "false", "0", "off", "no"):
        return False
    if value in ("true", "1", "on", "yes", "y"):
        return True
    raise ValidationFailed({field: "must be true or false"})


def choice(data: dict, field: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = data.get(field, default)
    if value not in choices:
        raise ValidationFailed({field: "must be one of " + ", ".join(choices)})
    return value


def slug(data: dict, field: str = "slug") -> str:
    value = text(data, field, required=True, max_length=64).lower()
    if not SLUG_RE.match(value):
        raise ValidationFailed(
            {field: "use lowercase letters, digits and single hyphens (like my-page)"}
        )
    return value


def zone(data: dict, field: str = "timezone") -> str:
    value = data.get(field)
    if get_zone(value) is None:
        raise ValidationFailed({field: "is not a known IANA time zone (like Europe/Stockholm)"})
    return value


def aware_datetime(data: dict, field: str) -> datetime:
    """Parse an ISO 8601 date-time that carries its offset."""
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise ValidationFailed({field: "is required (ISO 8601 with offset)"})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed({field: "is not an ISO 8601 date-time"}) from None
    if parsed.tzinfo is None:
        raise ValidationFailed({field: "must carry an offset (like 2027-03-01T09:00:00+01:00)"})
    return parsed
