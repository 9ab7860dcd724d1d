"""In-process timing of the hot paths: the fastest of N test-client requests (process time), each
also as a ratio of the trivial route's (a static file) in the same process.

The HTTP benchmark's figures swing more than 5% from run to run on a shared machine; the fastest
of many in-process requests is steady enough to compare two versions of the code:
    python bench/bench_inprocess.py            (BENCH_REQUESTS=300 by default)
Same data as bench_http.py: an organizer, a month with 1,000 busy intervals, an always-open type;
"slots computed" asks a second app that keeps no answers (ANSWER_CACHE_SIZE=0).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
MONTH = "/api/v1/pages/bench/types/month/slots?start=2027-03-01&end=2027-03-31"


def make_app(**config):
    """The app over a new SQLite file, with the benchmark's organizer and busy month."""
    from flask_migrate import upgrade

    from bwm import create_app
    from bwm.extensions import db
    from bwm.models import BusyBlock
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    instance = tempfile.mkdtemp()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "INSTANCE_PATH": instance,
            **config,
        }
    )
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
        user = create_organizer(
            "bench@example.com", "Bench", "long-password", slug="bench", timezone="Europe/Stockholm"
        )
        month = {"title": "Month", "slug": "month", "duration_minutes": 30, "max_days_ahead": 400}
        meeting_types.create(user.page, month)
        every_day = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
        every_day["sun"] = [["00:00", "24:00"]]
        quick = {"title": "Quick", "slug": "quick", "duration_minutes": 5, "max_days_ahead": 400}
        meeting_types.create(user.page, {**quick, "hours": every_day})
        rng = random.Random(42)
        first = datetime(2027, 3, 1, tzinfo=UTC)
        for _ in range(1000):
            start = first + timedelta(minutes=rng.randrange(0, 31 * 24 * 60))
            end = start + timedelta(minutes=rng.choice((15, 30, 60)))
            db.session.add(BusyBlock(user_id=user.id, start=start, end=end, title="busy"))
        db.session.commit()
    return app


def fastest(call, n: int) -> float:
    """The fastest of n calls, in milliseconds of process time; every answer must be 2xx."""
    times = []
    for _ in range(n):
        began = time.process_time()
        response = call()
        times.append(time.process_time() - began)
        assert response.status_code in (200, 201), (response.status_code, response.data[:200])
    return min(times) * 1000


def main() -> None:
    client = make_app().test_client()
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = (base + timedelta(days=2, minutes=5 * n) for n in range(100_000))

    def book():
        body = {"start": next(starts).isoformat(), "name": "B", "email": "b@example.org"}
        return client.post("/api/v1/pages/bench/types/quick/bookings", json=body)

    # A server that keeps no answers: what computing a month of slots costs.
    cold = make_app(ANSWER_CACHE_SIZE=0).test_client()

    trivial = fastest(lambda: client.get("/static/img/favicon.svg"), REQUESTS)
    figures = {
        "page": fastest(lambda: client.get("/b/bench"), REQUESTS),
        "slots kept": fastest(lambda: client.get(MONTH), REQUESTS),
        "slots computed": fastest(lambda: cold.get(MONTH), REQUESTS),
        "booking": fastest(book, REQUESTS),
    }
    shown = " | ".join(f"{k} {v:.3f} ms ({trivial / v:.3f})" for k, v in figures.items())
    print(f"in process, fastest of {REQUESTS}: trivial {trivial:.3f} ms | {shown}")


if __name__ == "__main__":
    main()
