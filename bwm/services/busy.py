"""Busy blocks the organizer enters by hand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..domain.errors import ValidationFailed
from ..extensions import db
from ..models import BusyBlock, User
from . import validate

MAX_BLOCK = timedelta(days=366)


def list_blocks(user: User) -> list[BusyBlock]:
    return list(
        db.session.scalars(
            select(BusyBlock).where(BusyBlock.user_id == user.id).order_by(BusyBlock.start)
        )
    )


def create_block(user: User, data: dict) -> BusyBlock:
    """Add a busy block from {"start", "end", "title"?}."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "give a JSON object"})
    errors: dict[str, str] = {}
    values = {}
    for field, check in (
        ("start", lambda: validate.aware_datetime(data, "start")),
        ("end", lambda: validate.aware_datetime(data, "end")),
        ("title", lambda: validate.text(data, "title")),
    ):
        try:
            values[field] = check()
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if not errors and values["end"] <= values["start"]:
        errors["end"] = "must be after the start"
    if not errors and values["end"] - values["start"] > MAX_BLOCK:
        errors["end"] = "a busy block may last at most a year"
    if errors:
        raise ValidationFailed(errors)
    block = BusyBlock(user_id=user.id, **values)
    db.session.add(block)
    db.session.flush()
    return block


def block_to_dict(block: BusyBlock) -> dict:
    return {
        "id": block.id,
        "start": block.start.isoformat(),
        "end": block.end.isoformat(),
        "title": block.title,
    }
