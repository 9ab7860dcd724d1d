"""Bots (SPEC §11): the honeypot on every public form refuses a filled POST, nothing stored."""

from __future__ import annotations

from datetime import datetime

import pytest

from bwm.extensions import db
from bwm.models import Booking
from tests.conftest import soup
from tests.test_booking import book_api, monday_at

BOOK = "/b/olga/30-minute-meeting/book"


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


def _form(**extra) -> dict:
    return {
        "start": monday_at(10).isoformat(),
        "timezone": "Europe/Stockholm",
        "name": "Anna Attendee",
        "email": "anna@example.org",
        "note": "",
        **extra,
    }


def _bookings(app) -> int:
    with app.app_context():
        return db.session.query(Booking).count()


def test_the_booking_form_carries_a_hidden_honeypot(client, organizer):
    page = soup(client.get(f"{BOOK}?start={monday_at(10).isoformat()}&tz=Europe/Stockholm"))
    field = page.find("input", attrs={"name": "website"})
    assert field is not None
    assert field["tabindex"] == "-1" and field["autocomplete"] == "off"
    box = field.find_parent(class_="honeypot")
    assert box["aria-hidden"] == "true"
    assert box.find("label").get_text(strip=True) == "Leave this empty"


def test_a_filled_honeypot_books_nothing(app, client, organizer):
    refused = client.post(BOOK, data=_form(website="http://spam.example"))
    assert refused.status_code == 422
    assert "could not be sent" in soup(refused).get_text()
    assert _bookings(app) == 0
    booked = client.post(BOOK, data=_form(website=""))
    assert booked.status_code == 303
    assert _bookings(app) == 1


def test_the_manage_forms_refuse_a_filled_honeypot(app, client, organizer):
    token = book_api(client, monday_at(10)).json["manage_url"].rsplit("/", 1)[1]
    page = soup(client.get(f"/m/{token}"))
    assert page.find("input", attrs={"name": "website"}) is not None
    assert client.post(f"/m/{token}/cancel", data={"website": "x"}).status_code == 422
    assert client.get(f"/api/v1/bookings/{token}").json["booking"]["status"] == "confirmed"
    moved = client.post(
        f"/m/{token}/reschedule/confirm",
        data={"start": monday_at(14).isoformat(), "website": "x"},
    )
    assert moved.status_code == 422
    booking = client.get(f"/api/v1/bookings/{token}").json["booking"]
    assert datetime.fromisoformat(booking["start"]) == monday_at(10)


@pytest.mark.parametrize("path", ["/login", "/login/forgot"])
def test_sign_in_forms_refuse_a_filled_honeypot(client, organizer, path):
    page = soup(client.get(path))
    assert page.find("input", attrs={"name": "website"}) is not None
    refused = client.post(
        path, data={"email": "olga@example.com", "password": "x", "website": "spam"}
    )
    assert refused.status_code == 422


def test_the_api_books_without_a_honeypot(app, client, organizer):
    assert book_api(client, monday_at(10)).status_code == 201
    assert _bookings(app) == 1
