"""The audit trail (SPEC §11): every admin action and policy change, who did it, when, and what
it changed, written in the transaction of the change (so the trail and the data never disagree).

The actor is whoever this request or command acts as: the admin views and the API name the
signed-in user (`acting_as`); a command names the command line; the worker itself.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import g, has_app_context
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, User

COMMAND_LINE = "command line"
WORKER = "worker"


def acting_as(actor: User | str) -> None:
    """Name who the changes of this request (or command) are made by."""
    g.audit_actor = actor


def _actor(actor: User | str | None = None) -> tuple[int | None, str]:
    if actor is None and has_app_context():
        actor = g.get("audit_actor")
    if isinstance(actor, User):
        return actor.id, actor.email
    if actor:
        return None, str(actor)
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        who = ""
    return None, f"{COMMAND_LINE} ({who})" if who else COMMAND_LINE


def plain(value: Any) -> Any:
    """A value as JSON keeps it (datetimes as ISO 8601)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return value


def changed(before: Mapping, after: Mapping) -> tuple[dict, dict]:
    """Only the fields that differ, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    keys += [k for k in before if k not in after]
    return (
        {k: plain(before.get(k)) for k in keys},
        {k: plain(after.get(k)) for k in keys},
    )


def record(
    action: str,
    *,
    now: datetime,
    target_type: str = "",
    target: str = "",
    before: Mapping | None = None,
    after: Mapping | None = None,
    only_changes: bool = True,
    actor: User | str | None = None,
) -> AuditEvent | None:
    """Add one event to the session (it is written with the change's own flush and commit).

    With `only_changes`, before and after keep only the fields that differ, and a change that
    changes nothing is not recorded (None). `actor` names who acts when it is not whoever
    this request or command acts as (single sign-on creating an account, say).
    """
    if only_changes and before is not None and after is not None:
        before, after = changed(before, after)
        if not before and not after:
            return None
    actor_id, actor_name = _actor(actor)
    event = AuditEvent(
        at=now,
        actor_id=actor_id,
        actor=actor_name[:254],
        action=action,
        target_type=target_type,
        target=str(target)[:254],
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
    )
    db.session.add(event)
    return event


PAGE = 50


def search(
    *,
    who: str = "",
    action: str = "",
    target: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    after_id: int | None = None,
    limit: int = PAGE,
) -> tuple[list[AuditEvent], int | None]:
    """Return the events that match, newest first, and the id to page on from (None: no more).

    `who` and `target` match part of the text (any case); `action` is exact; `start` and `end`
    bound the time (end excluded); `after_id` is the cursor of the previous page (keyset).
    """
    query = select(AuditEvent)
    if who:
        query = query.where(AuditEvent.actor.ilike(f"%{_like(who)}%", escape="\\"))
    if action:
        query = query.where(AuditEvent.action == action)
    if target:
        query = query.where(AuditEvent.target.ilike(f"%{_like(target)}%", escape="\\"))
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    if after_id is not None:
        query = query.where(AuditEvent.id < after_id)
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def events(action: str = "", limit: int = PAGE) -> list[AuditEvent]:
    """Return the newest events (of one action, when given)."""
    return search(action=action, limit=limit)[0]


def actions_seen() -> list[str]:
    """Return every action the trail holds, sorted (for a filter's choices)."""
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
