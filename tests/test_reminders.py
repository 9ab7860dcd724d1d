"""Reminders: sent by the worker once per reminder time, never twice, never when cancelled."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Clock
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def setup(make_app, smtp_sink):
    day = next_weekday(2, at_least=5)
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)
    clock = Clock(start - timedelta(days=3))
    app = make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)
    from bwm.extensions import db
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    with app.app_context():
        user = create_organizer(
            "rem@example.com", "Rem", "long-password", slug="rem", timezone="Europe/Stockholm"
        )
        meeting_types.create(
            user.page,
            {
                "title": "Reminded",
                "slug": "reminded",
                "duration_minutes": 30,
                "reminders_minutes": [60, 1440],
            },
        )
        db.session.commit()
    client = app.test_client()

    def book(at: datetime) -> str:
        response = client.post(
            "/api/v1/pages/rem/types/reminded/bookings",
            json={"start": at.isoformat(), "name": "Rita", "email": "rita@example.org"},
        )
        assert response.status_code == 201, response.json
        return response.json["manage_url"].rsplit("/", 1)[1]

    return app, client, clock, start, book, smtp_sink


def _reminders(sink) -> list:
    return [m for m in sink.messages if m["Subject"].startswith("Reminder")]


def _worker(app):
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def test_each_reminder_once_to_both_sides(setup):
    app, client, clock, start, book, sink = setup
    book(start)
    assert sink.wait_for(2)  # the confirmations
    clock.now = start - timedelta(days=1, minutes=1)
    _worker(app)
    assert _reminders(sink) == []
    clock.now = start - timedelta(days=1) + timedelta(minutes=1)
    _worker(app)
    _worker(app)
    assert sink.wait_for(4)
    first = _reminders(sink)
    assert sorted(m["To"] for m in first) == ["rem@example.com", "rita@example.org"]
    clock.now = start - timedelta(minutes=59)
    _worker(app)
    _worker(app)
    assert sink.wait_for(6)
    assert len(_reminders(sink)) == 4
    clock.now = start + timedelta(minutes=5)
    _worker(app)
    assert len(_reminders(sink)) == 4
    assert (
        "Rita"
        in [m for m in _reminders(sink) if m["To"] == "rem@example.com"][0]
        .get_body(("plain",))
        .get_content()
    )


def test_no_reminder_for_a_cancelled_booking(setup):
    app, client, clock, start, book, sink = setup
    token = book(start)
    assert client.delete(f"/api/v1/bookings/{token}").status_code == 200
    clock.now = start - timedelta(minutes=30)
    _worker(app)
    assert _reminders(sink) == []


def test_late_worker_sends_only_the_closest_reminder(setup):
    app, client, clock, start, book, sink = setup
    book(start)
    clock.now = start - timedelta(minutes=30)
    _worker(app)
    _worker(app)
    assert sink.wait_for(4)
    assert len(_reminders(sink)) == 2  # one to each side, not one per reminder time


def test_several_workers_send_each_reminder_once(setup):
    app, client, clock, start, book, sink = setup
    for hour in (9, 10, 11, 13):
        book(start.replace(hour=hour))
    assert sink.wait_for(8)
    clock.now = start.replace(hour=9) - timedelta(minutes=59)
    from bwm.services.reminders import send_due_reminders

    barrier = threading.Barrier(4)
    sent: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                barrier.wait()
                sent.append(send_due_reminders(clock))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(sent) == 4  # one per booking, whoever claimed it
    _worker(app)
    assert sink.wait_for(16)
    reminders = _reminders(sink)
    assert len(reminders) == 8
    assert len({m["Message-ID"] for m in reminders}) == 8
