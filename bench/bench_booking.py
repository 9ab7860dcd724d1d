"""Where a booking's time goes, in one process (no server, no load generator).

Books N free times of the HTTP benchmark's organizer through the app's own JSON API (the test
client); each booking writes its emails as outbox rows (no worker runs, so none is sent), and
reports the median time of
  - a whole booking request;
  - the part under the organizer's lock (from taking it to the commit), which bookings of one
    organizer cannot share: on SQLite it bounds how many bookings a second any number of
    processes can make;
  - the statements one booking runs.
Run: python bench/bench_booking.py (BENCH_BOOKINGS to vary N).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "400"))
WARM_UP = 50


def main() -> int:
    from bench_http import prepare

    instance = tempfile.mkdtemp(prefix="bwm-bench-booking-")
    facts = prepare(instance)
    from sqlalchemy import event

    from bwm import create_app
    from bwm.extensions import db
    from bwm.services import bookings

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "MAIL_DIR": os.path.join(instance, "mail"),
            "INSTANCE_PATH": instance,
        }
    )
    marks: dict[str, float | int] = {}
    take_lock = bookings.lock_organizer

    def timed_lock(user_id: int) -> None:
        marks["locked"] = time.perf_counter()
        take_lock(user_id)

    bookings.lock_organizer = timed_lock
    with app.app_context():

        @event.listens_for(db.engine, "commit")
        def committed(conn) -> None:
            marks.setdefault("committed", time.perf_counter())

        @event.listens_for(db.engine, "after_cursor_execute")
        def counted(*args) -> None:
            marks["statements"] = int(marks.get("statements", 0)) + 1

    client = app.test_client()
    whole, locked, statements = [], [], []
    for n in range(WARM_UP + BOOKINGS):
        start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(facts["book_base"] + n * 300))
        marks.clear()
        began = time.perf_counter()
        answer = client.post(
            "/api/v1/pages/bench/types/quick/bookings",
            json={"start": start, "name": "Bench", "email": "bench@example.com"},
        )
        ended = time.perf_counter()
        if answer.status_code != 201:
            print(f"booking {n} answered {answer.status_code}: {answer.get_data(as_text=True)}")
            return 1
        if n >= WARM_UP:
            whole.append(ended - began)
            locked.append(marks["committed"] - marks["locked"])
            statements.append(marks["statements"])
    with app.app_context():
        from bwm.models import OutboxMessage

        mails = db.session.query(OutboxMessage).count()
    print(f"{BOOKINGS} bookings, one process, SQLite, {mails} emails in the outbox (no worker)")
    print(f"booking request   median {statistics.median(whole) * 1000:6.2f} ms")
    print(f"under the lock    median {statistics.median(locked) * 1000:6.2f} ms")
    print(f"statements        median {statistics.median(statements):6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
