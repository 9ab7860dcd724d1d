"""Transports: SMTP (with a timeout on every operation), `.eml` files, or nothing (tests).

SMTP goes through `smtplib` with Flask-Mail's `MAIL_*` keys rather than through Flask-Mail:
its `Message` cannot express the iMIP structure (a `text/calendar; method=...` alternative plus
the same calendar attached), and its `Connection` opens `smtplib.SMTP` without a timeout, so a
server that accepts the connection and then stalls would hang the lane past its claim.
`MAIL_TIMEOUT` (seconds, 20 by default) bounds every SMTP operation. Without `MAIL_SERVER`,
each message is written as an `.eml` file into `MAIL_DIR` (default `<instance>/mail`).
`MAIL_SUPPRESS_SEND` (default: `TESTING`, as in Flask-Mail) records messages as sent.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from datetime import UTC, datetime
from email.message import Message
from email.utils import parseaddr

from flask import current_app

from .message import Outgoing


class TransportUnavailable(Exception):
    """The mail server could not be reached or refused the session."""


class Refused(Exception):
    """The server refused this message for good (5xx for its recipient)."""


def open_transport() -> Null | SMTPTransport | FileTransport:
    """Return the transport the configuration asks for."""
    cfg = current_app.config
    if cfg.get("MAIL_SUPPRESS_SEND", current_app.testing):
        return Null()
    if cfg.get("MAIL_SERVER"):
        return SMTPTransport(cfg)
    return FileTransport(cfg.get("MAIL_DIR") or os.path.join(current_app.instance_path, "mail"))


class Null:
    """MAIL_SUPPRESS_SEND: deliver nothing, record as sent."""

    def send(self, row: Outgoing, msg: Message, now: datetime) -> None:
        msg.as_bytes()  # still build it, so a message that cannot be built fails here too

    def close(self) -> None:
        pass


class SMTPTransport:
    """One SMTP session per pass, opened at the first message, reopened after an error."""

    def __init__(self, cfg) -> None:
        self.cfg = cfg
        self.host: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        cfg = self.cfg
        use_ssl = bool(cfg.get("MAIL_USE_SSL"))
        port = int(cfg.get("MAIL_PORT") or (465 if use_ssl else 25))
        timeout = float(cfg["MAIL_TIMEOUT"])
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
                raise Refused(f"{exc.recipients}") from exc
            raise
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            # Stalled (the timeout) or dropped mid-message: the server, not this message, is
            # the trouble; end the pass rather than wait out the timeout once per message.
            self._drop()
            raise TransportUnavailable(str(exc) or type(exc).__name__) from exc
        except Exception:
            self.close()  # the session may be unusable; the next message opens a new one
            raise

    def _drop(self) -> None:
        host, self.host = self.host, None
        if host is not None:
            host.close()

    def close(self) -> None:
        if self.host is None:
            return
        host, self.host = self.host, None
        try:
            host.quit()
        except (OSError, smtplib.SMTPException):
            host.close()


class FileTransport:
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
