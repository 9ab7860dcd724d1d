"""Sick mail servers for tests, each a real server on a free loopback port that can recover.

- `Down`: nothing listens on the port.
- `Refuses`: greets every connection with `554` (a raw socket server).
- `Defers`: aiosmtpd answering `451`/`421` to RCPT or to DATA while `sick` is set.
- `Stalls`: accepts the TCP connection and never answers (holds it until recovery).
- `DropsMidData`: speaks enough SMTP to reach DATA, then closes the connection mid-message.

`recover()` makes the port healthy and returns the `TimedSink` that receives from then on:
the socket servers stop listening, drop what they hold and hand the port to a sink; `Defers`
clears its flag (it is its own sink). `TimedSink` is the tests' SMTPSink that also records
when each message arrived, and can be slow on purpose (`delay` seconds in DATA).
"""

from __future__ import annotations

import asyncio
import email.parser
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable

from tests.smtp import Received, SMTPSink, free_port


class TimedSink(SMTPSink):
    """An SMTPSink that records each message's arrival (time.monotonic()) and can be slow.

    `delay`: seconds handle_DATA waits before taking the message (a slow server);
    `ack_delay`: seconds it waits after taking it, before answering 250 (the message is the
    server's, the client doesn't know yet); `data_started`: how many DATA commands have begun.
    """

    def __init__(
        self, port: int | None = None, *, delay: float = 0.0, ack_delay: float = 0.0
    ) -> None:
        super().__init__(port)
        self.delay = delay
        self.ack_delay = ack_delay
        self.arrived: list[float] = []  # when each of `received` arrived
        self.data_started = 0
        self.data_ids: list[str] = []  # the Message-ID of each DATA, as it begins

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def wait_data_started(self, count: int = 1, timeout: float = 30) -> bool:
        return self.wait_until(lambda: self.data_started >= count, timeout)

    def timed(self) -> list[tuple[Received, float]]:
        """Each message received, with its arrival time (time.monotonic())."""
        with self._changed:
            return list(zip(self.received, self.arrived, strict=True))

    def message_ids(self) -> Counter:
        """How many times each Message-ID arrived."""
        with self._changed:
            return Counter(r.message["Message-ID"] for r in self.received)

    def wait_for_ids(self, ids: set[str], timeout: float) -> bool:
        """Wait until every one of `ids` has arrived at least once."""

        def arrived() -> bool:
            return ids <= {r.message["Message-ID"] for r in self.received}

        return self.wait_until(arrived, timeout)

    async def handle_DATA(self, server, session, envelope):
        headers = email.parser.BytesHeaderParser().parsebytes(bytes(envelope.content))
        with self._changed:
            self.data_started += 1
            self.data_ids.append(headers["Message-ID"])
            self._changed.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        # Taken with the message, under the same lock, so `timed()` never sees one without
        # the other (all handlers run in the sink's one event-loop thread).
        with self._changed:
            answer = await super().handle_DATA(server, session, envelope)
            self.arrived.append(time.monotonic())
        if self.ack_delay:
            await asyncio.sleep(self.ack_delay)
        return answer

    # Every sick server has these; a healthy sink is its own recovery.

    def recover(self) -> TimedSink:
        return self

    def contacts(self) -> int:
        with self._changed:
            return len(self.received)


class Down:
    """Nothing listens on the port until recover() starts a sink there."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sink: TimedSink | None = None

    def start(self) -> Down:
        return self

    def contacts(self) -> int:
        return 0  # nobody to count them; the test looks at the outbox's attempts instead

    def recover(self) -> TimedSink:
        if self.sink is None:
            self.sink = TimedSink(self.port).start()
        return self.sink

    def stop(self) -> None:
        if self.sink is not None:
            self.sink.stop()


class Defers(TimedSink):
    """aiosmtpd answering `reply` (a 4xx) to RCPT (`stage="rcpt"`) or DATA while sick."""

    def __init__(self, stage: str = "rcpt", reply: str = "451 4.3.0 try later") -> None:
        super().__init__()
        assert stage in ("rcpt", "data")
        self.stage = stage
        self.reply = reply
        self.sick = True
        self.deferred = 0

    def contacts(self) -> int:
        with self._changed:
            return self.deferred

    def recover(self) -> TimedSink:
        with self._changed:
            self.sick = False
        return self

    def _defer(self) -> str | None:
        with self._changed:
            if not self.sick:
                return None
            self.deferred += 1
            self._changed.notify_all()
            return self.reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stage == "rcpt" and (reply := self._defer()):
            return reply
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        if self.stage == "data" and (reply := self._defer()):
            return reply
        return await super().handle_DATA(server, session, envelope)


class _SocketServer:
    """A raw TCP listener on a free loopback port, a thread per connection (`serve`)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.sink: TimedSink | None = None
        self._listener: socket.socket | None = None
        self._changed = threading.Condition()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._accepting: threading.Thread | None = None
        self._closing = False
        self.connections = 0  # accepted so far
        self.closed = 0  # of those, closed so far

    def start(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            with self._changed:
                if self._closing:
                    conn.close()
                    return
                self._open.add(conn)
                self.connections += 1
                self._changed.notify_all()
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            self.serve(conn, conn.makefile("rb"))
        except OSError:
            pass
        finally:
            with self._changed:
                if conn in self._open:
                    self._open.discard(conn)
                    self.closed += 1
                self._changed.notify_all()
            conn.close()

    def serve(self, conn: socket.socket, lines) -> None:
        raise NotImplementedError

    def holding(self) -> int:
        """Connections open now."""
        with self._changed:
            return len(self._open)

    def contacts(self) -> int:
        with self._changed:
            return self.connections

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def _shut(self) -> None:
        """Stop listening and drop every connection held."""
        with self._changed:
            self._closing = True
            held = list(self._open)
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept()
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        for conn in held:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._accepting is not None:
            self._accepting.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)

    def recover(self) -> TimedSink:
        """Hand the port to a healthy sink."""
        if self.sink is None:
            self._shut()
            self.sink = TimedSink(self.port).start()
        return self.sink

    def stop(self) -> None:
        self._shut()
        if self.sink is not None:
            self.sink.stop()


def _reply(conn: socket.socket, line: str) -> None:
    conn.sendall(line.encode("ascii") + b"\r\n")


class Refuses(_SocketServer):
    """Greets with `554` (no service here), then refuses whatever the client says."""

    def serve(self, conn, lines) -> None:
        _reply(conn, "554 5.3.2 sick.example.com not accepting mail")
        for line in lines:
            if line.upper().startswith(b"QUIT"):
                _reply(conn, "221 2.0.0 bye")
                return
            _reply(conn, "554 5.3.2 not accepting mail")


class Stalls(_SocketServer):
    """Accepts the connection and never says a word; holds it until the client gives up."""

    def serve(self, conn, lines) -> None:
        for _ in lines:  # read (and ignore) until the client closes or we are shut
            pass

    def wait_holding(self, timeout: float) -> bool:
        return self.wait_until(lambda: len(self._open) > 0, timeout)


class DropsMidData(_SocketServer):
    """Says 250 up to DATA, answers 354, reads part of the message and closes the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0  # connections closed during DATA

    def contacts(self) -> int:
        with self._changed:
            return self.dropped

    def serve(self, conn, lines) -> None:
        _reply(conn, "220 sick.example.com ESMTP")
        for line in lines:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                _reply(conn, "250 sick.example.com")
            elif verb == b"DATA":
                _reply(conn, "354 go ahead")
                lines.readline()  # the first line of the message, then hang up
                with self._changed:
                    self.dropped += 1
                    self._changed.notify_all()
                conn.shutdown(socket.SHUT_RDWR)
                return
            elif verb == b"QUIT":
                _reply(conn, "221 2.0.0 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                _reply(conn, "250 OK")


SICKNESSES: dict[str, Callable[[], object]] = {
    "down": Down,
    "refuses-554": Refuses,
    "defers-451-rcpt": lambda: Defers("rcpt", "451 4.3.0 try later"),
    "defers-421-data": lambda: Defers("data", "421 4.3.0 try later"),
    "stalls": Stalls,
    "drops-mid-data": DropsMidData,
}
