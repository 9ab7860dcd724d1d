"""The outbox: every email is a row written in the transaction of the change that causes it.

`enqueue` only adds a row, so an email exists exactly when its change was committed; the
worker's mail lane (`delivery.deliver_due`) sends it, with retries. No request sends mail.

A row holds either a finished message (subject, text, HTML, invitation) or, for the emails of a
booking, the facts they are built from (`template` and `facts`): the request stores what the
booking, its type and page said at that moment, and the worker builds the message from that, in
the reader's language, so a message built later says exactly what it would have said then.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..jobs.queue import JobQueue
from ..models import OutboxMessage

ICS_METHODS = ("REQUEST", "CANCEL", "PUBLISH")
STATUSES = ("pending", "sent", "failed")

_SUBJECT_MAX = 500  # the column's length
_TO_MAX = 254

QUEUE = JobQueue(OutboxMessage, done="sent")


@dataclass(frozen=True)
class Email:
    """One email to put in the outbox (see enqueue for what is checked)."""

    to: str
    subject: str
    text: str
    html: str = ""
    ics: bytes | str | None = None
    ics_method: str | None = None


@dataclass(frozen=True)
class Draft:
    """An email to be built by the worker: its recipient, a composer's name and its facts."""

    to: str
    template: str
    facts: dict


# A composer turns a Draft's facts (plain JSON values) into an Email, in the worker.
COMPOSERS: dict[str, Callable[[dict], Email]] = {}


def composer(name: str):
    """Register the function that builds the emails of drafts with this template name."""

    def register(fn: Callable[[dict], Email]) -> Callable[[dict], Email]:
        COMPOSERS[name] = fn
        return fn

    return register


def enqueue(
    to: str,
    subject: str,
    text: str,
    html: str = "",
    *,
    ics: bytes | str | None = None,
    ics_method: str | None = None,
    now: datetime,
) -> OutboxMessage:
    """Add an email to the outbox in the caller's transaction (flushed, not committed).

    A recipient with a line break is refused (ValueError); line breaks in the subject become
    spaces, so user input never reaches a header as a new line. With `ics`, `ics_method`
    (REQUEST, CANCEL or PUBLISH) is taken from the calendar's METHOD when not given, and must
    agree with it when both are.
    """
    [message] = enqueue_all([Email(to, subject, text, html, ics, ics_method)], now=now)
    return message


def enqueue_all(emails: Iterable[Email | Draft], *, now: datetime) -> list[OutboxMessage]:
    """enqueue, for several emails at once: they are checked, then written in one flush."""
    return enqueue_prepared(prepare(emails, now=now))


def prepare(emails: Iterable[Email | Draft], *, now: datetime) -> list[OutboxMessage]:
    """Check emails and make their outbox rows, not yet in the session (see enqueue)."""
    return [_outbox_row(email, now) for email in emails]


def enqueue_prepared(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Add rows made by `prepare` to the session and flush, with whatever else it holds."""
    db.session.add_all(rows)
    db.session.flush()
    return rows


def outbox_counts() -> dict[str, int]:
    """Count the outbox's messages by status (every status present, 0 when none)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


def check_email(email: Email) -> Email:
    """Return the email as it will be sent, or ValueError (see enqueue)."""
    subject = " ".join(email.subject.splitlines())[:_SUBJECT_MAX]
    ics = email.ics
    ics_text = ics.decode("utf-8") if isinstance(ics, bytes) else ics
    ics_method = email.ics_method
    if ics_text is None:
        if ics_method is not None:
            raise ValueError("ics_method given without ics")
    else:
        found = _calendar_method(ics_text)
        method = (ics_method or found or "").upper()
        if method not in ICS_METHODS:
            raise ValueError(f"the invitation needs a METHOD of {ICS_METHODS}, got {method!r}")
        if found and found != method:
            raise ValueError(f"ics_method {method} differs from the calendar's METHOD {found}")
        ics_method = method
    return Email(_recipient(email.to), subject, email.text, email.html or "", ics_text, ics_method)


def _recipient(to: str) -> str:
    if _has_line_break(to) or not to.strip() or len(to) > _TO_MAX:
        raise ValueError(f"not a single recipient address: {to!r}")
    return to.strip()


def _outbox_row(email: Email | Draft, now: datetime) -> OutboxMessage:
    common = {
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
        "locked_until": None,
    }
    if isinstance(email, Draft):
        if email.template not in COMPOSERS:
            raise ValueError(f"no composer for {email.template!r}")
        return OutboxMessage(
            to=_recipient(email.to),
            subject="",
            body_text="",
            body_html="",
            template=email.template,
            facts=json.dumps(email.facts, separators=(",", ":")),
            **common,
        )
    email = check_email(email)
    return OutboxMessage(
        to=email.to,
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
        ics=email.ics,
        ics_method=email.ics_method,
        **common,
    )


def _has_line_break(value: str) -> bool:
    # Every separator str.splitlines() knows (CR, LF, and the Unicode ones), not just CR/LF.
    return value.splitlines() != [value]


def _calendar_method(ics: str) -> str | None:
    match = re.search(r"^METHOD:([A-Za-z-]+)\s*$", ics, re.MULTILINE)
    return match.group(1).upper() if match else None
