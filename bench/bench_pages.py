"""What an attendee's browser gets (SPEC §12): bytes transferred on a first visit, and
Lighthouse's mobile scores, for the booking page, a meeting type and the confirmation.

Serves the app on a threaded loopback server over a new SQLite file, measures transfers with
Debian's Chromium through Playwright (a fresh browser per first visit: nothing cached), then
runs Lighthouse 12.2.3 (tests/lighthouse) on each page. Targets: at most 60 KB per first visit;
performance at least 95 and accessibility 100.
Run: python bench/bench_pages.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

BUDGET = 60 * 1024
PERFORMANCE, ACCESSIBILITY = 95, 100


def make_app():
    from flask_migrate import upgrade

    from bwm import create_app
    from bwm.extensions import db
    from bwm.services.organizers import create_organizer

    instance = tempfile.mkdtemp()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/pages.sqlite",
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "INSTANCE_PATH": instance,
            "MAIL_SUPPRESS_SEND": True,
        }
    )
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
        create_organizer(
            "ann@example.com",
            "Ann Andersson",
            "long-password",
            slug="ann",
            timezone="Europe/Stockholm",
        )
        db.session.commit()
    return app


def transferred(browser, url: str) -> int:
    """Bytes a first visit transfers (headers and encoded bodies), in a fresh browser."""
    context = browser.new_context(timezone_id="Europe/Stockholm")
    page = context.new_page()
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    total = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in requests)
    context.close()
    return total


def main() -> int:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from tests.lighthouse import run as lighthouse

    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    start = datetime.combine(monday, time(10), ZoneInfo("Europe/Stockholm"))
    booked = app.test_client().post(
        "/api/v1/pages/ann/types/30-minute-meeting/bookings",
        json={"start": start.isoformat(), "name": "Vera", "email": "vera@example.org"},
    )
    assert booked.status_code == 201, booked.text
    pages = {
        "/b/<page>": f"{base}/b/ann",
        "/b/<page>/<type>": f"{base}/b/ann/30-minute-meeting",
        "confirmation": base + "/m/" + booked.json["manage_url"].rsplit("/m/", 1)[1],
    }
    ok = True
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        sizes = {name: transferred(browser, url) for name, url in pages.items()}
        browser.close()
    why = lighthouse.available()
    print(f"{'page':<20}{'first visit':>14}{'performance':>13}{'accessibility':>15}")
    for name, url in pages.items():
        scores = lighthouse.steady(url) if why is None else {}
        perf, a11y = scores.get("performance"), scores.get("accessibility")
        print(
            f"{name:<20}{sizes[name] / 1024:>11.1f} KB{perf if perf is not None else '-':>13}"
            f"{a11y if a11y is not None else '-':>15}"
        )
        ok &= sizes[name] <= BUDGET
        if why is None:
            ok &= perf >= PERFORMANCE and a11y >= ACCESSIBILITY
    if why:
        print(f"Lighthouse not run: {why}")
    print(
        f"targets: first visit <= {BUDGET // 1024} KB, performance >= {PERFORMANCE}, "
        f"accessibility {ACCESSIBILITY}: {'met' if ok else 'MISSED'}"
    )
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
