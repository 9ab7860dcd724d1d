"""Busy blocks the organizer enters by hand."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import BusyBlock, User
from ..schemas import load
from ..schemas.busy import BusyIn


def list_blocks(user: User) -> list[BusyBlock]:
    return list(
        db.session.scalars(
            select(BusyBlock).where(BusyBlock.user_id == user.id).order_by(BusyBlock.start)
        )
    )


def create_block(user: User, data: dict) -> BusyBlock:
    """Add a busy block (BusyIn's values; checked here when not yet)."""
    block = BusyBlock(user_id=user.id, **load(BusyIn, data))
    db.session.add(block)
    db.session.flush()
    return block
