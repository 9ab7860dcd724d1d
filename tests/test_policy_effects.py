"""Turning Bookings with me off (the organization, one user, anonymous access): pages, types,
private links and the API answer "not available" (404); nothing is deleted; attendees can still
cancel; everything comes back when it is turned on again."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def text_of(response) -> str:
    return " ".join(soup(response).get_text(" ").split())


def monday_at(hour: int) -> datetime:
    return datetime.combine(next_weekday(0), datetime.min.time(), STOCKHOLM).replace(hour=hour)


def path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def olga(make_user, make_token, client):
    """Olga: a private type with a link, and a booking through her public type."""
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    created = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Secret", "slug": "secret", "duration_minutes": 30, "visibility": "private"},
        headers=headers,
    )
    assert created.status_code == 201
    link = client.post(f"/api/v1/me/meeting-types/{created.json['id']}/links", headers=headers)
    assert link.status_code == 201
    booked = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={
            "start": monday_at(10).isoformat(),
            "name": "Anna Attendee",
            "email": "anna@example.org",
        },
    )
    assert booked.status_code == 201, booked.json
    return {
        **user,
        "headers": headers,
        "link": path(link.json["url"]),
        "token": link.json["token"],
        "manage": path(booked.json["manage_url"]),
        "manage_token": path(booked.json["manage_url"]).rsplit("/", 1)[1],
    }


@pytest.fixture
def bo(make_user):
    """Another organizer, who stays on when only Olga is turned off."""
    return make_user(email="bo@example.com", name="Bo", slug="bo")


def attendee_urls(olga: dict) -> list[str]:
    return [
        "/b/olga",
        "/b/olga/30-minute-meeting",
        "/b/olga/30-minute-meeting/book?start=" + monday_at(11).isoformat(),
        olga["link"],
    ]


def api_urls(olga: dict) -> list[str]:
    return [
        "/api/v1/pages/olga",
        "/api/v1/pages/olga/types/30-minute-meeting/slots",
        f"/api/v1/links/{olga['token']}/slots",
    ]


def counts(app) -> dict:
    from bwm.extensions import db
    from bwm.models import Booking, BookingPage, MeetingType, PrivateLink, User

    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, BookingPage, MeetingType, PrivateLink, Booking)
        }


def cli(runner, *args: str) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


# Each way the administrator turns Olga off, and back on, with the CLI of SPEC §5.
WAYS = {
    "organization off": (["org", "set", "--bookings", "off"], ["org", "set", "--bookings", "on"]),
    "not licensed": (
        ["user", "set", "olga@example.com", "--licensed", "no"],
        ["user", "set", "olga@example.com", "--licensed", "yes"],
    ),
    "block list": (
        ["user", "set", "olga@example.com", "--bookings", "off"],
        ["user", "set", "olga@example.com", "--bookings", "on"],
    ),
    "allow list without her": (
        ["org", "set", "--user-policy", "allow"],
        ["user", "set", "olga@example.com", "--bookings", "on"],
    ),
    "anonymous access off": (
        ["org", "set", "--anonymous-sharing", "off"],
        ["org", "set", "--anonymous-sharing", "on"],
    ),
}


@pytest.mark.parametrize("way", WAYS)
def test_off_hides_everything_keeps_everything_and_on_brings_it_back(
    way, app, client, runner, olga
):
    off, on = WAYS[way]
    for url in attendee_urls(olga) + api_urls(olga):
        assert client.get(url).status_code == 200, url
    before = counts(app)

    cli(runner, *off)
    for url in attendee_urls(olga):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "not available" in text_of(response), url
        assert "Traceback" not in response.text
    for url in api_urls(olga):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.is_json and "error" in response.json
    booked = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": monday_at(11).isoformat(), "name": "Late", "email": "late@example.org"},
    )
    assert booked.status_code == 404
    through_link = client.post(
        f"/api/v1/links/{olga['token']}/bookings",
        json={"start": monday_at(11).isoformat(), "name": "Late", "email": "late@example.org"},
    )
    assert through_link.status_code == 404
    assert counts(app) == before  # nothing deleted, nothing booked

    cli(runner, *on)
    for url in attendee_urls(olga) + api_urls(olga):
        assert client.get(url).status_code == 200, url
    assert counts(app) == before


def test_turning_one_user_off_leaves_the_others_on(client, runner, olga, bo):
    cli(runner, "user", "set", "olga@example.com", "--bookings", "off")
    assert client.get("/b/olga").status_code == 404
    assert client.get("/b/bo").status_code == 200
    assert client.get("/api/v1/pages/bo").status_code == 200


def test_an_unpublished_page_stays_offline_when_bookings_come_back(client, runner, olga):
    response = client.patch("/api/v1/me/page", json={"published": False}, headers=olga["headers"])
    assert response.status_code == 200
    cli(runner, "org", "set", "--bookings", "off")
    cli(runner, "org", "set", "--bookings", "on")
    assert client.get("/b/olga").status_code == 404


def test_the_organizer_still_manages_everything_through_the_api(client, runner, olga):
    cli(runner, "org", "set", "--bookings", "off")
    headers = olga["headers"]
    assert client.get("/api/v1/me/page", headers=headers).status_code == 200
    assert len(client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]) == 3
    assert len(client.get("/api/v1/me/bookings", headers=headers).json["bookings"]) == 1
    changed = client.patch("/api/v1/me/page", json={"welcome": "Back soon"}, headers=headers)
    assert changed.status_code == 200


# --- the attendee's manage link ---------------------------------------------------------------


def test_attendees_can_still_see_and_cancel_their_booking(client, runner, olga):
    cli(runner, "org", "set", "--bookings", "off")
    page = client.get(olga["manage"])
    assert page.status_code == 200
    assert "Cancel booking" in page.text
    parsed = soup(page)
    assert parsed.find(id="cannot-reschedule") is not None
    assert not parsed.find("a", string="Reschedule")
    assert client.get(olga["manage"] + "/invite.ics").status_code == 200

    cancelled = client.post(olga["manage"] + "/cancel", data={"reason": "Plans changed"})
    assert cancelled.status_code == 303
    assert "This booking is cancelled" in text_of(client.get(olga["manage"]))


def test_attendees_can_cancel_through_the_api_when_the_organizer_is_off(client, runner, olga):
    cli(runner, "user", "set", "olga@example.com", "--licensed", "no")
    url = f"/api/v1/bookings/{olga['manage_token']}"
    assert client.get(url).json["booking"]["status"] == "confirmed"
    response = client.delete(url, json={"reason": "No longer needed"})
    assert response.status_code == 200
    assert response.json["booking"]["status"] == "cancelled"


def test_rescheduling_is_refused_clearly_while_the_organizer_is_off(client, runner, olga):
    cli(runner, "user", "set", "olga@example.com", "--bookings", "off")
    picker = client.get(olga["manage"] + "/reschedule")
    assert picker.status_code == 403
    assert "can't be moved" in text_of(picker)
    assert "You can still cancel it" in text_of(picker)
    confirm = client.post(
        olga["manage"] + "/reschedule/confirm", data={"start": monday_at(13).isoformat()}
    )
    assert confirm.status_code == 403
    moved = client.patch(
        f"/api/v1/bookings/{olga['manage_token']}", json={"start": monday_at(13).isoformat()}
    )
    assert moved.status_code == 403
    assert moved.json["reason"] == "unavailable"
    assert "can still be cancelled" in moved.json["error"]
    booking = client.get(f"/api/v1/bookings/{olga['manage_token']}").json["booking"]
    assert booking["start"] == monday_at(10).isoformat()

    cli(runner, "user", "set", "olga@example.com", "--bookings", "on")
    assert client.get(olga["manage"] + "/reschedule").status_code == 200
    moved = client.patch(
        f"/api/v1/bookings/{olga['manage_token']}", json={"start": monday_at(13).isoformat()}
    )
    assert moved.status_code == 200


# --- the organizer's banner -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("off", "reason"),
    [
        (["org", "set", "--bookings", "off"], "turned off for the whole organization"),
        (["org", "set", "--anonymous-sharing", "off"], "Anonymous calendar sharing is turned off"),
        (["user", "set", "olga@example.com", "--licensed", "no"], "does not have a"),
        (["user", "set", "olga@example.com", "--bookings", "off"], "block list"),
        (["org", "set", "--user-policy", "allow"], "not on the organization's allow list"),
    ],
)
def test_the_organizer_sees_a_banner_saying_why(client, runner, login, olga, off, reason):
    login(olga)
    assert soup(client.get("/me/")).find(id="policy-banner") is None
    cli(runner, *off)
    for url in ("/me/", "/me/types", "/me/bookings"):
        response = client.get(url)
        assert response.status_code == 200, url
        banner = soup(response).find(id="policy-banner")
        assert banner is not None, url
        words = " ".join(banner.get_text(" ").split())
        assert "Your administrator has turned off Bookings with me for you" in words
        assert reason in words
    assert soup(client.get("/me/")).find(id="offline-badge") is not None


def test_no_banner_for_people_turned_on(client, runner, login, olga, bo):
    cli(runner, "user", "set", "olga@example.com", "--bookings", "off")
    login(bo)
    assert soup(client.get("/me/")).find(id="policy-banner") is None
