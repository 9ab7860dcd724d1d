"""Proof-of-work challenges already spent (SPEC §11): each solves one booking, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .rows import UTCDateTime


class UsedChallenge(db.Model):
    """A solved challenge's signature; kept until the challenge expires, then pruned."""

    __tablename__ = "used_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(128), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
