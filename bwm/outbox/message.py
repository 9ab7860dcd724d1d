"""Building a message: MIME with text, HTML and the invitation as iMIP, from an outbox row."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from urllib.parse import urlsplit

from flask import current_app

from ..models import OutboxMessage
from . import COMPOSERS, Email, check_email


@dataclass(frozen=True)
class Outgoing:
    """What sending a message needs from its row, kept apart from the session."""

    id: int
    to: str
    subject: str
    body_text: str
    body_html: str
    ics: str | None
    ics_method: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: OutboxMessage) -> Outgoing:
        """Take a row's message; a draft's is built now, from the facts it stored."""
        if row.template:
            email = check_email(COMPOSERS[row.template](json.loads(row.facts)))
        else:
            email = Email(
                row.to, row.subject, row.body_text, row.body_html, row.ics, row.ics_method
            )
        return cls(
            id=row.id,
            to=row.to,
            subject=email.subject,
            body_text=email.text,
            body_html=email.html,
            ics=email.ics,
            ics_method=email.ics_method,
            created_at=row.created_at,
        )


# Messages are built with the compat32 MIME classes: the `email.policy.default` API parses each
# header it is given through the header registry, which made building a booking's two messages
# cost more than the rest of the booking. Lines end in CRLF, as SMTP has them.
class _Wire(Compat32):
    """compat32 with CRLF, writing a short ASCII header as it is: compat32 runs every header
    through email.header.Header to fold it, which was most of the time spent writing a message.
    Anything long, non-ASCII or with a line break still goes the standard way."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + len(value) + 2 <= 78
            and "\r" not in value
            and "\n" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


WIRE = _Wire(linesep="\r\n")
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP  # readable text parts, like set_content() gives


def build_message(row: Outgoing) -> Message:
    """Build the MIME message: text, HTML alternative, and the invitation as iMIP and attached.

    With an invitation: multipart/mixed [multipart/alternative [text/plain, text/html,
    text/calendar; method=...], application/ics "invite.ics"]. The inline part is what
    iMIP-aware clients (Outlook, Apple Mail, Gmail) act on; the attachment is for the rest.
    """
    cfg = current_app.config
    alternatives = [_text(row.body_text, "plain")]
    if row.body_html:
        alternatives.append(_text(row.body_html, "html"))
    if row.ics:
        calendar = _text(row.ics, "calendar")
        calendar.set_param("method", row.ics_method or "REQUEST")
        alternatives.append(calendar)
    if len(alternatives) == 1:
        msg = alternatives[0]
    else:
        msg = MIMEMultipart("alternative", boundary=_boundary(), policy=WIRE)
        for part in alternatives:
            msg.attach(part)
    if row.ics:
        attachment = MIMEBase("application", "ics", policy=WIRE)
        attachment.set_payload(row.ics.encode("utf-8"))
        encode_base64(attachment)
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        mixed = MIMEMultipart("mixed", boundary=_boundary(), policy=WIRE)
        mixed.attach(msg)
        mixed.attach(attachment)
        msg = mixed
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]  # the MIME classes give every part one; the top says it
    msg["From"] = _sender_header(cfg.get("MAIL_DEFAULT_SENDER"))
    msg["To"] = row.to
    msg["Subject"] = _header(" ".join(row.subject.splitlines()))
    msg["Date"] = format_datetime(_aware(row.created_at))
    msg["Message-ID"] = message_id(row)
    return msg


def _boundary() -> str:
    """A boundary no part can contain: every part is quoted-printable or base64, and neither
    ever writes "=_" (the generator would otherwise search each part for its random one)."""
    return f"=_bwm_{secrets.token_hex(12)}"


def _text(body: str, subtype: str) -> MIMEText:
    return MIMEText(body, subtype, UTF8_QP, policy=WIRE)


def _header(value: str) -> str | Header:
    """A header value as is when ASCII, else as RFC 2047 encoded words."""
    return value if value.isascii() else Header(value, "utf-8")


def message_id(row: Outgoing) -> str:
    """Return the row's Message-ID: the same on every retry, so a receiver can drop a resend."""
    stamp = _aware(row.created_at).strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{row.id}.{stamp}@{_domain()}>"


def _sender_header(sender) -> str:
    if isinstance(sender, tuple | list):
        return formataddr(tuple(sender), charset="utf-8")
    return sender or "bwm@localhost"


def _domain() -> str:
    base = current_app.config.get("BASE_URL") or ""
    return urlsplit(base).hostname or "bwm.local"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
