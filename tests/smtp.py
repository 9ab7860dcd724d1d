"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """Return a loopback port nobody listens on (aiosmtpd cannot be given port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


class SMTPSink:
    """Collect every message sent to 127.0.0.1:port; `reject` holds recipients refused with 550.

    Made stopped, so a test can first show what happens when no server listens on the port.
    """

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.received: list[Received] = []
        self.reject: set[str] = set()
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._changed:
            return [r.message for r in self.received]

    def start(self) -> SMTPSink:
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        """Wait until `count` messages have arrived; False when they did not in time."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.received) >= count, timeout)

    # aiosmtpd handler hooks

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = bytes(envelope.content)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._changed:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message)
            )
            self._changed.notify_all()
        return "250 Message accepted for delivery"
