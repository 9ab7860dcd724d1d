"""Retention (SPEC §11): the worker's retention lane erases the attendee's data from bookings
that ended more than N days ago, with a clock the test sets; the booking stays as history."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Clock
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ATTENDEE = "rita@example.org"


@pytest.fixture
def start() -> datetime:
    day = next_weekday(2, at_least=5)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def clock(start) -> Clock:
    return Clock(start - timedelta(days=3))


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def olga(app, make_user, make_token, client):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    response = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Chat", "slug": "chat", "duration_minutes": 30},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return {**user, "headers": headers}


def book(client, at: datetime, email: str = ATTENDEE) -> str:
    response = client.post(
        "/api/v1/pages/olga/types/chat/bookings",
        json={"start": at.isoformat(), "name": "Rita R", "email": email, "note": "My plan"},
    )
    assert response.status_code == 201, response.text
    return response.json["manage_url"].rsplit("/", 1)[1]


def cli(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def rows(app):
    from bwm.extensions import db
    from bwm.models import Booking

    with app.app_context():
        return [
            (b.attendee_name, b.attendee_email, b.note, b.anonymized_at is not None, b.status)
            for b in db.session.scalars(db.select(Booking).order_by(Booking.start))
        ]


def test_only_bookings_ended_more_than_n_days_ago_are_erased(app, client, olga, clock, start):
    first = book(client, start)
    book(client, start + timedelta(days=1))
    cli(app, "worker", "--once")  # the emails go out, copies stay in the outbox
    end = start + timedelta(minutes=30)
    clock.now = end + timedelta(days=30)
    cli(app, "worker", "--once")  # keep is the default: nothing erased
    assert [r[3] for r in rows(app)] == [False, False]

    cli(app, "org", "set", "--retention-days", "30")
    cli(app, "worker", "--once")  # exactly 30 days: not yet
    assert [r[3] for r in rows(app)] == [False, False]

    clock.advance(seconds=1)
    cli(app, "worker", "--once")
    assert rows(app) == [
        ("", "", "", True, "confirmed"),
        ("Rita R", ATTENDEE, "My plan", False, "confirmed"),
    ]
    # The manage link is dead: a friendly page, not the data.
    page = client.get(f"/m/{first}")
    assert page.status_code == 404 and b"Rita" not in page.data
    assert client.get(f"/api/v1/bookings/{first}").status_code == 404

    # The outbox keeps no copy of that booking's data.
    from bwm.extensions import db
    from bwm.models import OutboxMessage

    with app.app_context():
        messages = list(db.session.scalars(db.select(OutboxMessage)))
        assert len(messages) == 4
        erased = [m for m in messages if m.to == "erased"]
        assert len(erased) == 2
        assert all(not m.facts and not m.body_text for m in erased)
        kept = [m for m in messages if m.to != "erased"]
        assert any("Rita R" in (m.facts or "") + m.body_text for m in kept)

    # The organizer sees an erased attendee as "Erased", in the list and the spreadsheet.
    client.post("/login", data={"email": olga["email"], "password": olga["password"]})
    past = client.get("/me/bookings", query_string={"show": "past"})
    assert past.status_code == 200 and b"Erased" in past.data
    spreadsheet = client.get("/me/bookings.csv", query_string={"status": "confirmed"})
    assert spreadsheet.status_code == 200 and "Erased" in spreadsheet.text

    # Idempotent: another pass changes nothing.
    before = rows(app)
    cli(app, "worker", "--once")
    assert rows(app) == before


def test_the_lane_works_in_batches(app, client, olga, clock, start):
    from bwm.extensions import db
    from bwm.services import privacy

    for hour in range(5):
        book(client, start + timedelta(hours=hour), email=f"p{hour}@example.org")
    cli(app, "org", "set", "--retention-days", "1")
    clock.now = start + timedelta(days=3)
    with app.app_context():
        assert privacy.anonymize_due(clock(), batch=2) == 2
        assert privacy.anonymize_due(clock(), batch=2) == 2
        assert privacy.anonymize_due(clock(), batch=2) == 1
        assert privacy.anonymize_due(clock(), batch=2) == 0
        db.session.rollback()
    assert all(r[3] and r[1] == "" for r in rows(app))


def test_the_stored_webhook_bodies_of_an_erased_booking_are_blanked(
    app, client, olga, clock, start
):
    from bwm.extensions import db
    from bwm.models import WebhookDelivery

    hook = client.post(
        "/api/v1/me/webhooks",
        json={"url": "https://hooks.example.com/olga", "events": ["booking.created"]},
        headers=olga["headers"],
    )
    assert hook.status_code == 201, hook.text
    book(client, start)
    with app.app_context():
        (delivery,) = db.session.scalars(db.select(WebhookDelivery))
        assert ATTENDEE in delivery.body and "Rita R" in delivery.body
        delivery.status = "delivered"  # as if the receiver had it
        db.session.commit()
    cli(app, "org", "set", "--retention-days", "30")
    clock.now = start + timedelta(days=31)
    cli(app, "worker", "--once", "--lanes", "retention")
    with app.app_context():
        (delivery,) = db.session.scalars(db.select(WebhookDelivery))
        assert delivery.body == "{}"
