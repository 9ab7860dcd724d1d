"""`flask dev` (make run): the server and a worker as two processes; Ctrl-C stops both."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def _healthy(base: str) -> bool:
    try:
        return _get_json(base + "/healthz")["status"] == "ok"
    except OSError:
        return False


def test_dev_serves_runs_a_worker_and_ctrl_c_stops_both(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    mail = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BWM_", "FLASK_"))}
    env.update(
        BWM_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite",
        BWM_MAIL_DIR=str(mail),
        BWM_SECRET_KEY="dev-test",
        BWM_BASE_URL=base,
    )
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run(
            [FLASK, "--app", "bwm", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    dev = subprocess.Popen(
        [FLASK, "--app", "bwm", "dev", "--port", str(port), "--worker-interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(dev.stdout), daemon=True)
    reader.start()
    pids: list[int] = []
    try:
        started = _until(
            lambda: next((m for m in map(_started, list(lines)) if m), None), 60, "children"
        )
        pids = [int(started.group(1)), int(started.group(2))]
        _until(lambda: _healthy(base), 60, "the server answering")
        _until(lambda: any("worker: lanes" in line for line in lines), 60, "the worker")

        day = date.today() + timedelta(days=2)
        slots = _get_json(
            f"{base}/api/v1/pages/demo/types/intro/slots?start={day}&end={day + timedelta(days=7)}"
        )["slots"]
        body = {"start": slots[0], "name": "Dev", "email": "dev@example.com"}
        request = urllib.request.Request(
            f"{base}/api/v1/pages/demo/types/intro/bookings",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 201
        # The attendee's confirmation and the organizer's notice, written by the worker.
        _until(lambda: mail.is_dir() and len(list(mail.glob("*.eml"))) == 2, 30, "two .eml files")

        dev.send_signal(signal.SIGINT)
        assert dev.wait(timeout=30) == 0
        _until(lambda: not any(_alive(pid) for pid in pids), 5, "both children gone")
        reader.join(timeout=5)
        output = "".join(lines)
        assert "worker | worker: stopped" in output
        assert "dev: stopped" in output
    finally:
        if dev.poll() is None:
            dev.kill()
            dev.wait()
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        reader.join(timeout=5)
        dev.stdout.close()


def _started(line: str):
    return re.search(r"dev: web \(pid (\d+)\).*worker \(pid (\d+)\)", line)
