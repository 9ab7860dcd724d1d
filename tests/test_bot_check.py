"""The proof-of-work bot check (SPEC §11, BWM_BOT_CHECK=pow): the booking form and the API ask
for a solved ALTCHA challenge (self-hosted), each good once and until it expires by the app's
clock; off by default, the form books without JavaScript. Real threaded server for the race."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest
from altcha import ChallengeV1, solve_challenge_v1
from sqlalchemy import func, select

from bwm.extensions import db
from bwm.models import Booking, UsedChallenge
from tests.conftest import soup
from tests.servers import race, serve
from tests.test_booking import monday_at

BOOK = "/b/olga/30-minute-meeting/book"
API = "/api/v1/pages/olga/types/30-minute-meeting/bookings"


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock, BOT_CHECK="pow", BOT_CHECK_MAX_NUMBER=2000)


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )


def solved(client) -> str:
    """Fetch a challenge and solve it as the widget does; return the payload it sends."""
    response = client.get("/altcha/challenge")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    made = response.json
    assert set(made) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert made["maxNumber"] == 2000
    challenge = ChallengeV1(
        made["algorithm"], made["challenge"], made["maxNumber"], made["salt"], made["signature"]
    )
    solution = solve_challenge_v1(challenge)
    assert solution is not None
    payload = {
        "algorithm": made["algorithm"],
        "challenge": made["challenge"],
        "number": solution.number,
        "salt": made["salt"],
        "signature": made["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def form(hour: int, **extra) -> dict:
    return {
        "start": monday_at(hour).isoformat(),
        "timezone": "Europe/Stockholm",
        "name": "Anna Attendee",
        "email": "anna@example.org",
        **extra,
    }


def api_body(hour: int, **extra) -> dict:
    return {
        "start": monday_at(hour).isoformat(),
        "name": "Anna",
        "email": "anna@example.org",
        **extra,
    }


def bookings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def test_the_form_carries_the_widget_served_from_here(client, organizer):
    page = soup(client.get(f"{BOOK}?start={monday_at(10).isoformat()}&tz=Europe/Stockholm"))
    widget = page.find("altcha-widget")
    assert widget["name"] == "altcha" and widget["auto"] == "onload"
    assert widget["challengeurl"] == "/altcha/challenge"
    assert json.loads(widget["strings"])["label"] == "I am not a robot"
    for url in (
        widget["workerurl"],
        page.find("script", src=lambda s: s and "altcha" in s)["src"],
        page.find("link", href=lambda s: s and "altcha" in s)["href"],
    ):
        assert url.startswith("/static/vendor/altcha-2.3.0/")
        with client.get(url) as response:
            assert response.status_code == 200
    assert "needs JavaScript" in page.find("noscript").get_text()


def test_a_form_without_a_solution_books_nothing(app, client, organizer):
    refused = client.post(BOOK, data=form(10))
    assert refused.status_code == 422
    error = soup(refused).find(id="altcha-error")
    assert "wait for the check that you are not a robot" in error.get_text()
    assert soup(refused).find("input", attrs={"name": "name"})["value"] == "Anna Attendee"
    assert bookings(app) == 0


def test_a_solution_books_once(app, client, organizer):
    payload = solved(client)
    assert client.post(BOOK, data=form(10, altcha=payload)).status_code == 303
    again = client.post(BOOK, data=form(11, altcha=payload))
    assert again.status_code == 422
    assert "already used" in soup(again).find(id="altcha-error").get_text()
    assert bookings(app) == 1


def test_a_solution_expires_by_the_apps_clock(app, client, organizer, clock):
    payload = solved(client)
    clock.advance(minutes=20)
    refused = client.post(BOOK, data=form(10, altcha=payload))
    assert refused.status_code == 422
    assert "has expired" in soup(refused).find(id="altcha-error").get_text()
    assert bookings(app) == 0


def test_a_forged_or_garbled_solution_is_refused(app, client, organizer):
    real = json.loads(base64.b64decode(solved(client)))
    forged = {**real, "number": real["number"] + 1}
    for payload in (
        base64.b64encode(json.dumps(forged).encode()).decode(),
        "not base64 at all",
        base64.b64encode(b"[1, 2]").decode(),
    ):
        refused = client.post(BOOK, data=form(10, altcha=payload))
        assert refused.status_code == 422, payload
        assert "failed" in soup(refused).find(id="altcha-error").get_text()
    assert bookings(app) == 0


def test_the_api_asks_for_it_too(app, client, organizer):
    refused = client.post(API, json=api_body(10))
    assert refused.status_code == 422
    assert "altcha" in refused.json["errors"]
    booked = client.post(API, json=api_body(10, altcha=solved(client)))
    assert booked.status_code == 201, booked.text


def test_spent_solutions_are_pruned_once_expired(app, client, organizer, clock):
    assert client.post(API, json=api_body(10, altcha=solved(client))).status_code == 201
    clock.advance(minutes=21)
    assert client.post(API, json=api_body(11, altcha=solved(client))).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UsedChallenge)) == 1


def test_racing_with_one_solution_books_once(app, client, organizer):
    payload = solved(client)
    with serve(app) as base:
        outcomes = race([(base + API, api_body(9 + i, altcha=payload)) for i in range(6)])
    assert outcomes == Counter({201: 1, 422: 5})
    assert bookings(app) == 1


def test_off_by_default_the_form_books_without_it(make_app, make_user):
    app = make_app()
    make_user(email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm")
    client = app.test_client()
    assert client.get("/altcha/challenge").status_code == 404
    page = soup(client.get(f"{BOOK}?start={monday_at(10).isoformat()}&tz=Europe/Stockholm"))
    assert page.find("altcha-widget") is None
    assert client.post(BOOK, data=form(10)).status_code == 303
    assert bookings(app) == 1
