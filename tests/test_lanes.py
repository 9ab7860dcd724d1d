"""The worker's lanes don't wait for one another: a stuck calendar never delays a confirmation."""

from __future__ import annotations

import threading
import time

import pytest

from tests.test_booking import book_api, monday_at
from tests.test_calendars import ics


@pytest.fixture
def olga(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


@pytest.fixture
def app(make_app, smtp_sink):
    return make_app(
        worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CALENDAR_TIMEOUT=30
    )


def test_a_feed_that_takes_its_time_never_delays_a_confirmation(app, olga, feed, smtp_sink):
    reading = threading.Event()
    feed.route("/slow.ics", ics(), delay=6)

    class Seen(list):
        def append(self, request):  # the feed server records a request before it waits
            super().append(request)
            reading.set()

    feed.requests = Seen()
    client = app.test_client()
    response = client.post(
        "/api/v1/me/calendars",
        json={"kind": "ics", "url": feed.url("/slow.ics")},
        headers=olga["headers"],
    )
    assert response.status_code == 201
    assert reading.wait(10), "the calendar lane never asked the feed"

    booked_at = time.monotonic()
    assert book_api(client, monday_at(10)).status_code == 201
    assert smtp_sink.wait_for(2, timeout=5)
    delivered_in = time.monotonic() - booked_at
    with app.app_context():
        from bwm.extensions import db
        from bwm.models import ConnectedCalendar

        # The feed is still being read: the confirmation did not wait behind it.
        assert db.session.scalar(db.select(ConnectedCalendar.status)) == "pending"
    assert delivered_in < 3


def test_every_lane_records_its_heartbeat(app):
    from bwm.extensions import db
    from bwm.jobs.heartbeat import worker_state
    from bwm.models import WorkerLane
    from bwm.web import now

    deadline = time.monotonic() + 10
    names: list[str] = []
    while time.monotonic() < deadline:
        with app.app_context():
            names = sorted(db.session.scalars(db.select(WorkerLane.name)))
            if len(names) == 9:
                assert worker_state(now()) == "ok"
                break
        time.sleep(0.05)
    assert names == [
        "calendar_sync",
        "calendar_write_back",
        "follow_ups",
        "mail",
        "reminders",
        "requests",
        "retention",
        "verifications",
        "webhooks",
    ]
