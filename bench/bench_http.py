"""HTTP benchmark: gunicorn wsgi:app on SQLite under wrk, on loopback, bounded in time.

Measures requests per second and p50/p99 latency of
  (a) a trivial route (/healthz), the ceiling;
  (b) the public booking page;
  (c) the slot API for a month against 1,000 busy intervals;
  (d) booking POSTs, each for a different free time;
then checks that (d) made no error and no double booking, and measures (c) again against a
server that keeps no answers (BWM_ANSWER_CACHE_SIZE=0), to show what computing one costs.
Run: python bench/bench_http.py (BENCH_WORKERS, BENCH_CLIENTS, BENCH_DURATION to vary it).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DURATION = os.environ.get("BENCH_DURATION", "8s")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
# One sync worker per core: the work is CPU-bound, and wrk shares the cores.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
TARGETS = {"page": 2000, "slots": 1000, "book": 300}
SLOTS_P99_MS = 50.0

BOOK_LUA = """
local idx = 0
function setup(thread) thread:set("id", idx); idx = idx + 1 end
function init(args) counter = 0 end
request = function()
  local n = id + counter * %(threads)d
  counter = counter + 1
  local start = os.date("!%%Y-%%m-%%dT%%H:%%M:%%S+00:00", %(base)d + n * 300)
  local body = '{"start":"' .. start .. '","name":"Bench","email":"bench@example.com"}'
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(instance: str) -> dict:
    """Make the database: an organizer, a month with 1,000 busy intervals, an always-open type."""
    os.environ["BWM_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance}/bench.sqlite"
    from flask import Flask

    original = Flask.__init__

    def init(self, *args, **kwargs):
        kwargs["instance_path"] = instance
        original(self, *args, **kwargs)

    Flask.__init__ = init
    from flask_migrate import upgrade

    from bwm import create_app
    from bwm.extensions import db
    from bwm.models import BusyBlock
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    app = create_app()
    Flask.__init__ = original
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
        user = create_organizer(
            "bench@example.com", "Bench", "long-password", slug="bench", timezone="Europe/Stockholm"
        )
        meeting_types.create(
            user.page,
            {"title": "Month", "slug": "month", "duration_minutes": 30, "max_days_ahead": 400},
        )
        every_day = {
            d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        }
        meeting_types.create(
            user.page,
            {
                "title": "Quick",
                "slug": "quick",
                "duration_minutes": 5,
                "max_days_ahead": 400,
                "hours": every_day,
            },
        )
        rng = random.Random(42)
        month = datetime(2027, 3, 1, tzinfo=UTC)
        for _ in range(1000):
            start = month + timedelta(minutes=rng.randrange(0, 31 * 24 * 60))
            db.session.add(
                BusyBlock(
                    user_id=user.id,
                    start=start,
                    end=start + timedelta(minutes=rng.choice((15, 30, 60))),
                    title="busy",
                )
            )
        db.session.commit()
    # Bookings start tomorrow (UTC), on the 5-minute grid.
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"book_base": int((base + timedelta(days=2)).timestamp())}


def wrk(url: str, threads: int = 2, script: str | None = None) -> dict:
    args = ["wrk", f"-t{threads}", f"-c{CLIENTS}", f"-d{DURATION}", "--latency", url]
    if script:
        args[1:1] = ["-s", script]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        lat[pct] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "p50": lat["50"],
        "p99": lat["99"],
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
        "requests": requests,
    }


@contextlib.contextmanager
def serving(env: dict):
    """Run gunicorn wsgi:app on a free loopback port until the block ends; yield its base URL."""
    port = free_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); skipping the HTTP benchmark")
        return 0
    instance = tempfile.mkdtemp(prefix="bwm-bench-")
    facts = prepare(instance)
    env = {
        **os.environ,
        "BWM_SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite",
        "BWM_RATELIMIT_ENABLED": "false",
        "BWM_SECRET_KEY": "bench",
        "BWM_MAIL_DIR": os.path.join(instance, "mail"),
    }
    slots_url = "/api/v1/pages/bench/types/month/slots?start=2027-03-01&end=2027-03-31"
    slots_url += "&tz=Europe/Stockholm"
    with serving(env) as base:
        results = {
            "trivial": wrk(base + "/healthz"),
            "page": wrk(base + "/b/bench"),
            "slots": wrk(base + slots_url),
        }
        script = os.path.join(instance, "book.lua")
        with open(script, "w") as f:
            f.write(
                BOOK_LUA
                % {
                    "threads": 2,
                    "base": facts["book_base"],
                    "path": "/api/v1/pages/bench/types/quick/bookings",
                }
            )
        results["book"] = wrk(base, script=script)
    # The same free times with nothing kept: what each answer costs to compute (no target).
    with serving({**env, "BWM_ANSWER_CACHE_SIZE": "0"}) as base:
        computed = wrk(base + slots_url)
    ok = True
    ceiling = results["trivial"]["rps"]
    print(f"gunicorn {WORKERS} workers, wrk 2 threads, {CLIENTS} connections, {DURATION} each")
    for name, r in results.items():
        print(
            f"{name:8s} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms"
            f"  ({r['rps'] / ceiling:.2f} of the ceiling)  non-2xx {r['non2xx']}"
        )
    print(
        f"(slots, nothing kept: {computed['rps']:.0f} req/s, p50 {computed['p50']:.2f} ms,"
        f" p99 {computed['p99']:.2f} ms: what computing each answer costs)"
    )
    for name, target in TARGETS.items():
        passed = results[name]["rps"] >= target
        ok &= passed
        print(f"{'PASS' if passed else 'FAIL'}: {name} {results[name]['rps']:.0f}/s >= {target}/s")
    passed = results["slots"]["p99"] < SLOTS_P99_MS
    ok &= passed
    print(
        f"{'PASS' if passed else 'FAIL'}: slots p99 {results['slots']['p99']:.1f} ms"
        f" < {SLOTS_P99_MS} ms"
    )
    ok &= check_bookings(instance, results["book"])
    shutil.rmtree(instance, ignore_errors=True)
    return 0 if ok else 1


def check_bookings(instance: str, result: dict) -> bool:
    """Every booking POST answered 201, and no two confirmed bookings overlap."""
    import sqlite3

    conn = sqlite3.connect(os.path.join(instance, "bench.sqlite"))
    rows = conn.execute(
        "SELECT start, end FROM bookings WHERE status = 'confirmed' ORDER BY start"
    ).fetchall()
    conn.close()
    overlaps = sum(1 for (s1, e1), (s2, _) in zip(rows, rows[1:], strict=False) if s2 < e1)
    no_errors = result["non2xx"] == 0 and not result["socket_errors"]
    print(
        f"{'PASS' if no_errors else 'FAIL'}: bookings: {len(rows)} stored,"
        f" {result['non2xx']} non-2xx answers {result['socket_errors']}"
    )
    print(f"{'PASS' if overlaps == 0 else 'FAIL'}: {overlaps} overlapping bookings")
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}))
    return no_errors and overlaps == 0


if __name__ == "__main__":
    sys.exit(main())
