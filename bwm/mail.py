"""The outbox: enqueue emails in the caller's transaction; deliver them later, with retries.

`enqueue` only adds a row, so an email exists exactly when the change that caused it was
committed. The worker (`deliver_pending`) claims due rows CLAIM_CHUNK at a time with a
conditional UPDATE, commits the claims, sends, and records the outcomes; a request claims its
own emails as it enqueues them and sends them right after its commit (`deliver_after_commit`).
So several workers and processes can run at once on SQLite and PostgreSQL, and each message is
sent once. A failed attempt counts in `attempts` and waits 1, 2, 4 ... minutes (at most 60) for the
next; the 8th failure, or a recipient the server refuses for good (5xx), marks it `failed`.

Delivery: with `MAIL_SERVER` set, over SMTP; otherwise each message is written as an `.eml` file
into `MAIL_DIR` (default `<instance>/mail`). SMTP goes through `smtplib` with Flask-Mail's
`MAIL_*` keys rather than through `bwm.extensions.mail`: Flask-Mail's `Message` cannot express
the iMIP structure (a `text/calendar; method=...` alternative plus the same calendar attached),
and its `Connection` opens `smtplib.SMTP` without a timeout, so a server that accepts the TCP
connection and then stalls would hang the worker past its claim. `MAIL_TIMEOUT` (seconds, 30 by
default) bounds every SMTP operation. `MAIL_SUPPRESS_SEND` (default: `TESTING`, as in
Flask-Mail) records messages as sent without delivering them.
"""

from __future__ import annotations

import os
import re
import secrets
import smtplib
import ssl
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, func, or_, select, update

from .extensions import db
from .models import OutboxMessage
from .services.locks import queue_for_write

MAX_ATTEMPTS = 8
MAX_DELAY_MINUTES = 60
# How long a claim keeps other workers away; far longer than one send (MAIL_TIMEOUT bounds it).
CLAIM_FOR = timedelta(minutes=10)
CLAIM_CHUNK = 10  # messages claimed (and their outcomes written) at a time
ICS_METHODS = ("REQUEST", "CANCEL", "PUBLISH")
STATUSES = ("pending", "sent", "failed")

_SUBJECT_MAX = 500  # the column's length
_TO_MAX = 254
_ERROR_MAX = 2000


def enqueue(
    to: str,
    subject: str,
    text: str,
    html: str = "",
    *,
    ics: bytes | str | None = None,
    ics_method: str | None = None,
    now: datetime,
    after_commit: bool = False,
) -> OutboxMessage:
    """Add an email to the outbox in the caller's transaction (flushed, not committed).

    A recipient with a line break is refused (ValueError); line breaks in the subject become
    spaces, so user input never reaches a header as a new line. With `ics`, `ics_method`
    (REQUEST, CANCEL or PUBLISH) is taken from the calendar's METHOD when not given, and must
    agree with it when both are.

    after_commit: in a request, the message is claimed for that request (in this transaction)
    and sent by `deliver_after_commit` once the request has committed; should the request die
    before, the claim lapses and the worker sends it.
    """
    [message] = enqueue_all(
        [Email(to, subject, text, html, ics, ics_method)], now=now, after_commit=after_commit
    )
    return message


@dataclass(frozen=True)
class Email:
    """One email to put in the outbox (see enqueue for what is checked)."""

    to: str
    subject: str
    text: str
    html: str = ""
    ics: bytes | str | None = None
    ics_method: str | None = None


def enqueue_all(
    emails: Iterable[Email], *, now: datetime, after_commit: bool = False
) -> list[OutboxMessage]:
    """enqueue, for several emails at once: they are checked, then written in one flush."""
    return enqueue_prepared(prepare(emails, now=now), now=now, after_commit=after_commit)


def prepare(emails: Iterable[Email], *, now: datetime) -> list[OutboxMessage]:
    """Check emails and make their outbox rows, not yet in the session (see enqueue)."""
    return [_outbox_row(email, now) for email in emails]


def enqueue_prepared(
    rows: list[OutboxMessage], *, now: datetime, after_commit: bool = False
) -> list[OutboxMessage]:
    """Add rows made by `prepare` to the session and flush, with whatever else it holds."""
    claim = (
        after_commit
        and has_request_context()
        and current_app.config.get("MAIL_DELIVER_AFTER_COMMIT", True)
    )
    for row in rows:
        if claim:
            row.locked_until = now + CLAIM_FOR
        db.session.add(row)
    db.session.flush()
    if claim:
        g.setdefault("outbox_claimed", []).extend(Outgoing.of(row) for row in rows)
    return rows


def _outbox_row(email: Email, now: datetime) -> OutboxMessage:
    to = email.to
    if _has_line_break(to) or not to.strip() or len(to) > _TO_MAX:
        raise ValueError(f"not a single recipient address: {to!r}")
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
    return OutboxMessage(
        to=to.strip(),
        subject=subject,
        body_text=email.text,
        body_html=email.html or "",
        ics=ics_text,
        ics_method=ics_method,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        locked_until=None,
    )


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
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def deliver_after_commit(now: datetime) -> int:
    """Send the messages this request claimed (enqueue(after_commit=True)), after its commit.

    They are sent from what enqueue kept, with no need to read them back. A failure is recorded
    for the worker to retry; the request's own change stands.
    """
    claimed = g.pop("outbox_claimed", None)
    if not claimed:
        return 0
    result = _Pass(tried=len(claimed))
    transport = _transport()
    try:
        _send(claimed, transport, now, result)
    finally:
        transport.close()
    return result.sent


def deliver_pending(ids: Iterable[int] | None = None, *, now: datetime, limit: int = 100) -> int:
    """Send up to `limit` due messages (only those in `ids` when given); return how many were sent.

    It commits db.session (each claim and each outcome), so call it outside a unit of work:
    after the request's commit, or from the worker.
    """
    return _deliver(ids, now=now, limit=limit).sent


def deliver_all_due(*, now: datetime, batch: int = 100) -> int:
    """Send every message due at `now`, in batches; return how many were sent."""
    total = 0
    while True:
        result = _deliver(None, now=now, limit=batch)
        total += result.sent
        # A short batch means nothing more was due; a server that is down ends the pass.
        if result.tried < batch or result.stopped:
            return total


def outbox_counts() -> dict[str, int]:
    """Count the outbox's messages by status (every status present, 0 when none)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


def retry_delay(attempts: int) -> timedelta:
    """Wait 1, 2, 4, 8 ... minutes after the n-th failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), MAX_DELAY_MINUTES))


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


# Claiming and recording


@dataclass
class _Pass:
    sent: int = 0
    tried: int = 0  # candidates looked at, claimed or not
    stopped: bool = False  # the transport could not be opened


class TransportUnavailable(Exception):
    """The mail server could not be reached or refused the session."""


class _Refused(Exception):
    """The server refused this message for good (5xx for its recipient)."""


def _claimable(now: datetime):
    return (
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )


def _deliver(ids: Iterable[int] | None, *, now: datetime, limit: int) -> _Pass:
    """Claim due messages (those of `ids` when given), CLAIM_CHUNK at a time, and send them."""
    result = _Pass()
    if ids is not None:
        candidates = list(ids)[:limit]  # the claim tells which of them are still due
    else:
        candidates = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(*_claimable(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
        )
        db.session.commit()  # end the read before the claims
    result.tried = len(candidates)
    if not candidates:
        return result
    transport = _transport()
    try:
        for first in range(0, len(candidates), CLAIM_CHUNK):
            ours = _claim(candidates[first : first + CLAIM_CHUNK], now)
            rows = db.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.id.in_(ours), OutboxMessage.status == "pending"
                )
            )
            by_id = {row.id: Outgoing.of(row) for row in rows}
            db.session.commit()  # end the read
            if not _send([by_id[i] for i in ours if i in by_id], transport, now, result):
                break
    finally:
        transport.close()
    return result


def _send(messages: list[Outgoing], transport, now: datetime, result: _Pass) -> bool:
    """Send claimed messages and record the outcomes; False when the transport is down."""
    sent: list[int] = []
    try:
        for n, message in enumerate(messages):
            try:
                transport.send(message, build_message(message), now)
            except TransportUnavailable as exc:
                _release([m.id for m in messages[n + 1 :]])
                _record_failure(message.id, exc.__cause__ or exc, now)
                result.stopped = True
                return False
            except _Refused as exc:
                _record_failure(message.id, exc, now, permanent=True)
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the pass
                _record_failure(message.id, exc, now)
            else:
                sent.append(message.id)
                result.sent += 1
        return True
    finally:
        if sent:  # the outcomes in one write
            queue_for_write()
            db.session.execute(_MARK_SENT, {"ids": sent, "now": now})
            db.session.commit()


# Built once: every booking request runs it, right after its commit.
_MARK_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .values(status="sent", sent_at=bindparam("now"), locked_until=None)
    .execution_options(synchronize_session=False)
)


def _claim(ids: list[int], now: datetime) -> list[int]:
    """Take those of the messages no other worker has, for this worker, in one statement.

    Claims go CLAIM_CHUNK at a time, so a claim is sent well within CLAIM_FOR.
    """
    claimed = set(
        db.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), *_claimable(now))
            .values(locked_until=now + CLAIM_FOR)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()  # others see the claims before we send
    return [message_id_ for message_id_ in ids if message_id_ in claimed]


def _release(ids: list[int]) -> None:
    """Give back claims this pass won't use, so the next pass needn't wait for them to lapse."""
    if ids:
        queue_for_write()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(locked_until=None)
            .execution_options(synchronize_session=False)
        )


def _record_failure(
    message_id_: int, exc: BaseException, now: datetime, *, permanent: bool = False
) -> None:
    row = db.session.get(OutboxMessage, message_id_)
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
    row.locked_until = None
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
    queue_for_write()
    db.session.commit()
    current_app.logger.warning(
        "mail %s to %s: attempt %s failed: %s", row.id, row.to, row.attempts, row.last_error
    )


# Transports


def _transport() -> _Null | _SMTPTransport | _FileTransport:
    cfg = current_app.config
    if cfg.get("MAIL_SUPPRESS_SEND", current_app.testing):
        return _Null()
    if cfg.get("MAIL_SERVER"):
        return _SMTPTransport(cfg)
    return _FileTransport(cfg.get("MAIL_DIR") or os.path.join(current_app.instance_path, "mail"))


class _Null:
    """MAIL_SUPPRESS_SEND: deliver nothing, record as sent."""

    def send(self, row: Outgoing, msg: Message, now: datetime) -> None:
        msg.as_bytes()  # still build it, so a message that cannot be built fails here too

    def close(self) -> None:
        pass


class _SMTPTransport:
    """One SMTP session per pass, opened at the first message, reopened after an error."""

    def __init__(self, cfg) -> None:
        self.cfg = cfg
        self.host: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        cfg = self.cfg
        use_ssl = bool(cfg.get("MAIL_USE_SSL"))
        port = int(cfg.get("MAIL_PORT") or (465 if use_ssl else 25))
        timeout = float(cfg.get("MAIL_TIMEOUT", 30))
        try:
            if use_ssl:
                host = smtplib.SMTP_SSL(
                    cfg["MAIL_SERVER"], port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                host = smtplib.SMTP(cfg["MAIL_SERVER"], port, timeout=timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportUnavailable(str(exc)) from exc
        try:
            if cfg.get("MAIL_USE_TLS") and not use_ssl:
                host.starttls(context=ssl.create_default_context())
            if cfg.get("MAIL_USERNAME") and cfg.get("MAIL_PASSWORD"):
                host.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as exc:
            host.close()
            raise TransportUnavailable(str(exc)) from exc
        return host

    def send(self, row: Outgoing, msg: Message, now: datetime) -> None:
        data = msg.as_bytes()
        if self.host is None:
            self.host = self._open()
        sender = parseaddr(msg["From"])[1]
        try:
            self.host.sendmail(sender, [row.to], data)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise _Refused(f"{exc.recipients}") from exc
            raise
        except Exception:
            self.close()  # the session may be unusable; the next message opens a new one
            raise

    def close(self) -> None:
        if self.host is None:
            return
        host, self.host = self.host, None
        try:
            host.quit()
        except (OSError, smtplib.SMTPException):
            host.close()


class _FileTransport:
    """No mail server: each message becomes `<id>-<timestamp>.eml` in the mail folder."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def send(self, row: Outgoing, msg: Message, now: datetime) -> None:
        data = msg.as_bytes()
        os.makedirs(self.folder, exist_ok=True)
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        # Written aside, then renamed: a reader of the folder never sees half a message.
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(self.folder, f"{row.id}-{stamp}.eml"))
        except BaseException:
            os.unlink(tmp)
            raise

    def close(self) -> None:
        pass


# Small helpers


def _has_line_break(value: str) -> bool:
    # Every separator str.splitlines() knows (CR, LF, and the Unicode ones), not just CR/LF.
    return value.splitlines() != [value]


def _calendar_method(ics: str) -> str | None:
    match = re.search(r"^METHOD:([A-Za-z-]+)\s*$", ics, re.MULTILINE)
    return match.group(1).upper() if match else None


def _sender_header(sender) -> str:
    if isinstance(sender, tuple | list):
        return formataddr(tuple(sender), charset="utf-8")
    return sender or "bwm@localhost"


def _domain() -> str:
    base = current_app.config.get("BASE_URL") or ""
    return urlsplit(base).hostname or "bwm.local"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
