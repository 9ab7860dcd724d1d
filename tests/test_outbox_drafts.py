"""A booking's emails are stored as facts in the request and built by the worker, later."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_booking import book_api, invitation, monday_at

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(make_app, smtp_sink):
    # No worker: the test runs its passes itself.
    return make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)


@pytest.fixture
def organizer(make_user):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return user["id"]


def test_the_request_only_writes_the_outbox(app, organizer, smtp_sink):
    from bwm.extensions import db
    from bwm.models import OutboxMessage

    client = app.test_client()
    assert book_api(client, monday_at(10)).status_code == 201
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.to, r.template, r.status) for r in rows] == [
            ("anna@example.org", "booking", "pending"),
            ("olga@example.com", "booking", "pending"),
        ]
    assert smtp_sink.received == []


def test_a_message_built_later_says_what_was_true_at_booking_time(app, organizer, smtp_sink):
    from bwm.extensions import db
    from bwm.jobs.worker import run_once
    from bwm.models import MeetingType, User

    client = app.test_client()
    answer = book_api(client, monday_at(10), note="Slides, please").json
    with app.app_context():
        # The organizer renames the type and themselves before the worker gets to the mail.
        mt = db.session.scalar(
            db.select(MeetingType).where(MeetingType.slug == "30-minute-meeting")
        )
        title = mt.title
        mt.title = "Renamed afterwards"
        db.session.get(User, organizer).name = "Someone Else"
        db.session.commit()
        assert run_once()["mail"] == 2

    mails = {m["To"]: m for m in smtp_sink.messages}
    attendee, own = mails["anna@example.org"], mails["olga@example.com"]
    for message in (attendee, own):
        assert title in str(message["Subject"])
        assert "Renamed" not in message.get_body(("plain",)).get_content()
        assert "Olga Organizer" in str(
            invitation(message).walk("VEVENT")[0]["ORGANIZER"].params["CN"]
        )
    assert answer["manage_url"] in attendee.get_body(("plain",)).get_content()
    assert "Slides, please" in own.get_body(("plain",)).get_content()


def test_a_booking_made_in_swedish_is_mailed_in_swedish_by_the_worker(app, organizer, smtp_sink):
    from bwm.jobs.worker import run_once

    client = app.test_client()
    response = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": monday_at(11).isoformat(), "name": "Åsa", "email": "asa@example.org"},
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 201
    with app.app_context():
        run_once()
    mails = {m["To"]: m for m in smtp_sink.messages}
    assert str(mails["asa@example.org"]["Subject"]).startswith("Bokat")
    assert str(mails["olga@example.com"]["Subject"]).startswith("Booked")


def test_web_processes_do_not_load_the_calendar_clients(database_url, tmp_path):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    script = (
        "import json, sys\n"
        "from bwm import create_app\n"
        "app = create_app(json.loads(sys.argv[1]))\n"
        "client = app.test_client()\n"
        "assert client.get('/healthz').status_code in (200, 503)\n"
        "assert client.get('/login').status_code == 200\n"
        "assert client.get('/b/nobody').status_code == 404\n"
        "clients = ('caldav', 'niquests', 'requests', 'authlib', 'standardwebhooks')\n"
        "print(json.dumps(sorted(m for m in clients if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
