"""A real HTTP server for the app, in a thread, on a free loopback port."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serve(app):
    """Serve the app with a threaded server; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def race(requests: list[tuple[str, dict]]) -> Counter:
    """POST each (url, JSON body) from its own thread, all released at once; count the statuses."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[int] = []

    def post(url: str, body: dict) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                outcomes.append(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()  # its response holds the socket
            outcomes.append(exc.code)

    threads = [threading.Thread(target=post, args=pair) for pair in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)
