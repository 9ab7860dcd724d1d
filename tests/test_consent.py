"""Consent (SPEC §11): with the organization's consent text set, every booking form asks for a
required checkbox and the API for "consent": true; the text agreed to is stored with the booking
and shown to the organizer (the booking's page, their email, the CSV export)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bwm.extensions import db
from bwm.models import Booking
from bwm.services import policy
from tests.conftest import soup
from tests.helpers import next_weekday

CONSENT = "I agree that Olga's team keeps my name and email to run this meeting."
TYPE = "/b/olga/30-minute-meeting/book"


@pytest.fixture
def app(make_app, smtp_sink, clock):
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


@pytest.fixture
def asking(app, organizer, clock):
    """The organization asks for consent."""
    with app.app_context():
        policy.update_privacy({"consent_text": CONSENT}, now=clock.now)
        db.session.commit()
    return CONSENT


def monday_10(clock) -> str:
    monday = next_weekday(0, today=clock.now.date())
    return f"{monday.isoformat()}T10:00:00+01:00"


def api_book(client, start, **extra):
    body = {"start": start, "name": "Anna", "email": "anna@example.org", **extra}
    return client.post("/api/v1/pages/olga/types/30-minute-meeting/bookings", json=body)


def _form(client, clock):
    page = soup(client.get(TYPE, query_string={"start": monday_10(clock)}))
    form = page.select_one("form.card")
    values = {e["name"]: e.get("value", "") for e in form.select("input[type=hidden]")}
    return form, {**values, "name": "Anna", "email": "anna@example.org"}


def _stored(app) -> list[Booking]:
    with app.app_context():
        rows = db.session.query(Booking).all()
        return [(b.uid, b.consent_text) for b in rows]


def test_without_consent_text_no_checkbox_is_asked(app, client, organizer, clock):
    form, data = _form(client, clock)
    assert form.find(attrs={"name": "consent"}) is None
    assert client.post(TYPE, data=data).status_code == 303
    assert api_book(client, monday_10(clock).replace("T10:00", "T11:00")).status_code == 201
    assert [text for _, text in _stored(app)] == ["", ""]


def test_the_form_asks_for_consent_and_refuses_without_it(app, client, organizer, asking, clock):
    form, data = _form(client, clock)
    box = form.find("input", attrs={"name": "consent"})
    assert box["type"] == "checkbox"
    assert box.has_attr("required")
    label = form.find("label", attrs={"for": box["id"]})
    assert label.get_text(strip=True) == CONSENT

    response = client.post(TYPE, data=data)
    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="consent-error").get_text() == "must be ticked"
    assert page.find(id="name")["value"] == "Anna"  # what was given is kept
    assert _stored(app) == []  # nothing booked

    response = client.post(TYPE, data={**data, "consent": "y"})
    assert response.status_code == 303
    assert [text for _, text in _stored(app)] == [CONSENT]


@pytest.mark.parametrize("given", [{}, {"consent": False}])
def test_the_api_refuses_a_booking_without_consent_naming_it(
    app, client, organizer, asking, clock, given
):
    response = api_book(client, monday_10(clock), **given)
    assert response.status_code == 422
    assert response.json["errors"]["consent"] == "must be ticked"
    assert _stored(app) == []


def test_the_api_refuses_a_consent_that_is_not_a_flag(app, client, organizer, asking, clock):
    response = api_book(client, monday_10(clock), consent="maybe")
    assert response.status_code == 422
    assert "consent" in response.json["errors"]


def test_the_agreed_text_is_kept_and_shown_to_the_organizer(
    app, client, organizer, asking, clock, smtp_sink, login
):
    response = api_book(client, monday_10(clock), consent=True)
    assert response.status_code == 201, response.json
    assert response.json["booking"]["consent_text"] == CONSENT
    # A later change of the text changes no stored booking.
    with app.app_context():
        policy.update_privacy({"consent_text": "Something else"}, now=clock.now)
        db.session.commit()
    [(uid, text)] = _stored(app)
    assert text == CONSENT

    assert smtp_sink.wait_for(2)
    to_organizer = next(m for m in smtp_sink.messages if m["To"] == "olga@example.com")
    to_attendee = next(m for m in smtp_sink.messages if m["To"] == "anna@example.org")
    assert f"Agreed to: {CONSENT}" in to_organizer.get_body(("plain",)).get_content()
    assert CONSENT.replace("'", "&#39;") in to_organizer.get_body(("html",)).get_content()
    assert "Agreed to" not in to_attendee.get_body(("plain",)).get_content()

    login(organizer)
    with app.app_context():
        booking_id = db.session.query(Booking.id).filter_by(uid=uid).scalar()
    details = soup(client.get(f"/me/bookings/{booking_id}")).find(id="booking-details")
    shown = dict(
        zip(
            [dt.get_text() for dt in details.find_all("dt")],
            [dd.get_text() for dd in details.find_all("dd")],
            strict=True,
        )
    )
    assert shown["Agreed to:"] == CONSENT
    listed = client.get("/api/v1/me/bookings", headers=organizer["headers"]).json["bookings"]
    assert listed[0]["consent_text"] == CONSENT

    for response in (
        client.get("/me/bookings.csv"),
        client.get("/api/v1/me/bookings?format=csv", headers=organizer["headers"]),
    ):
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [r["consent_text"] for r in rows] == [CONSENT]
