"""The audit trail (SPEC §11): who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .rows import UTCDateTime, now_utc


class AuditEvent(db.Model):
    """One admin action or policy change, written in the transaction of the change itself."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"), Index("ix_audit_events_action", "action"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Who: a user (kept as their email at the time too, so the trail outlives the account), or
    # "command line" / "worker" with no user.
    actor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    actor: Mapped[str] = mapped_column(String(254))
    # What: a dotted name ("org.settings", "user.admin", "attendee.erase", ...).
    action: Mapped[str] = mapped_column(String(64))
    # On what: a kind ("org", "user", "attendee", "webhook", ...) and a label (an email, an id).
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target: Mapped[str] = mapped_column(String(254), default="")
    # Before -> after: the fields that changed, as plain JSON values (None: nothing before/after).
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
