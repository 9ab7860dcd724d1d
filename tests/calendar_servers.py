"""Real servers for the calendar tests: an HTTP feed server and Radicale (CalDAV), on loopback.

Both can be stopped and started again on the same port, so a test can take the remote calendar
down and bring it back.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    delay: float = 0  # seconds before the answer begins
    trickle: float = 0  # seconds between single bytes of the body
    repeat: int = 1  # send the body this many times (a huge answer without holding it)
    length: bool = True  # send Content-Length


class FeedServer:
    """An HTTP server whose answers the test sets: `server.route("/a.ics", body=...)`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        self.port = free_port()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", **options) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)
        return self.url(path)

    def start(self) -> FeedServer:
        feed = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                feed.requests.append((self.path, dict(self.headers)))
                route = feed.routes.get(self.path)
                if route is None:
                    route = Route(b"not found", status=404, content_type="text/plain")
                try:
                    self._answer(route)
                except OSError:
                    pass  # the client gave up (too large, too slow): that is the test

            def _answer(self, route: Route) -> None:
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.length:
                    self.send_header("Content-Length", str(len(route.body) * route.repeat))
                self.send_header("Connection", "close")
                self.end_headers()
                if route.trickle:
                    for byte in route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.trickle)
                    return
                for _ in range(route.repeat):
                    self.wfile.write(route.body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = self._thread = None


class Radicale:
    """A Radicale CalDAV server in a subprocess, any user and password accepted.

    Its storage stays in one folder, so stop() and start() bring back the same calendars.
    """

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="radicale-")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> Radicale:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--config",
                "",
                "--storage-filesystem-folder",
                self.folder,
                "--auth-type",
                "none",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def make_calendar(self, user: str, cal_id: str, name: str = "Work") -> str:
        """Create a calendar for user; return its URL."""
        import caldav

        with caldav.DAVClient(url=self.url, username=user, password="any", timeout=10) as client:
            cal = client.principal().make_calendar(name=name, cal_id=cal_id)
            return str(cal.url)

    def calendar(self, url: str, user: str):
        """Return a (client, calendar) pair to read and write one calendar; close the client."""
        import caldav

        client = caldav.DAVClient(url=url, username=user, password="any", timeout=10)
        return client, client.calendar(url=url)
