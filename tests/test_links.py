"""Private meeting types and private links: visibility, expiry, single use, revocation, tampering.

Times are relative to now; the app's clock (CLOCK) is conftest's `clock`, which the tests move by
hand, so a link that expires seconds after it was made is tested without sleeping.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from tests.conftest import soup
from tests.helpers import next_weekday
from tests.servers import race, serve

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BASE = "http://bwm.example.com"


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token, client):
    """Olga, with the starter types and a private type "secret" (30 minutes)."""
    user = make_user(name="Olga Organizer", slug="olga", timezone="Europe/Stockholm")
    headers = make_token(user["id"])
    response = client.post(
        "/api/v1/me/meeting-types",
        json={
            "title": "Secret chat",
            "slug": "secret",
            "duration_minutes": 30,
            "visibility": "private",
            "description": "Only for people I invite.",
        },
        headers=headers,
    )
    assert response.status_code == 201
    return {**user, "headers": headers, "type_id": response.json["id"]}


def text_of(response) -> str:
    return " ".join(soup(response).get_text(" ").split())


def monday_at(hour: int, minute: int = 0) -> datetime:
    day = next_weekday(0)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM)


def make_link(client, organizer, **body) -> dict:
    response = client.post(
        f"/api/v1/me/meeting-types/{organizer['type_id']}/links",
        json=body,
        headers=organizer["headers"],
    )
    assert response.status_code == 201, response.json
    return response.json


def path_of(link: dict) -> str:
    return urlsplit(link["url"]).path


def book_api(client, link: dict, start: datetime, **extra):
    body = {"start": start.isoformat(), "name": "Anna Attendee", "email": "anna@example.org"}
    return client.post(f"/api/v1/links/{link['token']}/bookings", json={**body, **extra})


def states(client, organizer) -> dict[int, str]:
    response = client.get(
        f"/api/v1/me/meeting-types/{organizer['type_id']}/links", headers=organizer["headers"]
    )
    assert response.status_code == 200
    return {link["id"]: link["state"] for link in response.json["links"]}


def slots_range() -> dict:
    day = next_weekday(0).isoformat()
    return {"start": day, "end": day, "tz": "Europe/Stockholm"}


# --- visibility -----------------------------------------------------------------------------


def test_a_private_type_is_nowhere_public(client, organizer):
    page = soup(client.get("/b/olga"))
    assert "Secret chat" not in page.get_text()
    assert client.get("/b/olga/secret").status_code == 404
    assert client.get("/b/olga/secret/book").status_code == 404
    listed = client.get("/api/v1/pages/olga").json["meeting_types"]
    assert "secret" not in [mt["slug"] for mt in listed]
    slots = client.get("/api/v1/pages/olga/types/secret/slots", query_string=slots_range())
    assert slots.status_code == 404
    booked = client.post(
        "/api/v1/pages/olga/types/secret/bookings",
        json={"start": monday_at(10).isoformat(), "name": "A", "email": "a@example.org"},
    )
    assert booked.status_code == 404


def test_a_private_link_shows_that_type_alone_with_the_picker(client, organizer):
    link = make_link(client, organizer)
    assert link["url"] == f"{BASE}/p/{link['token']}"
    monday = next_weekday(0)
    response = client.get(
        path_of(link),
        query_string={
            "tz": "Europe/Stockholm",
            "month": monday.strftime("%Y-%m"),
            "date": monday.isoformat(),
        },
    )
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Secret chat"
    assert "Only for people I invite." in page.get_text()
    text = page.get_text()
    assert "15 minute meeting" not in text and "30 minute meeting" not in text
    assert page.find("a", href="/b/olga") is None  # no way out to the public page
    # Every picker link stays under the private link; the times lead to its booking form.
    hrefs = [a["href"] for a in page.select("#picker a")]
    assert hrefs and all(h.startswith(path_of(link)) for h in hrefs)
    times = page.select(".times a")
    assert times[0].get_text(strip=True) == "09:00"
    assert times[0]["href"].startswith(f"{path_of(link)}/book?")
    # htmx gets the picker alone
    fragment = client.get(path_of(link), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert soup(fragment).find("html") is None and soup(fragment).find(id="picker")


def test_book_through_a_private_link_without_javascript(client, organizer, app):
    link = make_link(client, organizer)
    monday = next_weekday(0)
    picker = soup(
        client.get(
            path_of(link),
            query_string={
                "tz": "America/New_York",
                "month": monday.strftime("%Y-%m"),
                "date": monday.isoformat(),
            },
        )
    )
    first = picker.select_one(".times a")
    form_page = client.get(first["href"])
    assert form_page.status_code == 200
    page = soup(form_page)
    for label in ("Name", "Email", "Note"):
        assert page.find("label", string=label) is not None
    form = page.find("form", method="post")
    assert form["action"] == f"{path_of(link)}/book"
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    data.update(name="Anna Attendee", email="anna@example.org", note="see you")
    response = client.post(form["action"], data=data)
    assert response.status_code == 303
    manage = response.headers["Location"]
    assert manage.startswith("/m/")
    assert "confirmed" in text_of(client.get(manage))
    with app.app_context():
        from bwm.extensions import db
        from bwm.models import Booking

        booking = db.session.scalar(select(Booking))
        assert booking.private_link_id == link["id"]
        assert booking.meeting_type.slug == "secret"
    # A multi-use link keeps working.
    assert client.get(path_of(link)).status_code == 200
    assert states(client, organizer) == {link["id"]: "active"}


def test_the_booking_form_of_a_taken_time_is_409_with_fresh_times(client, organizer):
    link = make_link(client, organizer)
    assert book_api(client, link, monday_at(10)).status_code == 201
    response = client.get(
        f"{path_of(link)}/book",
        query_string={"start": monday_at(10).isoformat(), "tz": "Europe/Stockholm"},
    )
    assert response.status_code == 409
    assert "just taken" in text_of(response)
    posted = client.post(
        f"{path_of(link)}/book",
        data={
            "start": monday_at(10).isoformat(),
            "timezone": "Europe/Stockholm",
            "name": "Bo",
            "email": "bo@example.org",
        },
    )
    assert posted.status_code == 409
    times = [a.get_text(strip=True) for a in soup(posted).select(".times a")]
    assert "10:00" not in times and "10:30" in times


def test_the_link_api_answers_like_the_public_type_api(client, organizer):
    link = make_link(client, organizer)
    assert set(link) >= {"id", "url", "token", "single_use", "expires_at"}
    assert link["single_use"] is False
    slots = client.get(f"/api/v1/links/{link['token']}/slots", query_string=slots_range())
    assert slots.status_code == 200
    assert slots.json["timezone"] == "Europe/Stockholm"
    assert slots.json["slots"][0] == monday_at(9).isoformat()
    bad = client.get(f"/api/v1/links/{link['token']}/slots", query_string={"start": "x"})
    assert bad.status_code == 422 and "start" in bad.json["errors"]
    booked = book_api(client, link, monday_at(10), timezone="America/New_York")
    assert booked.status_code == 201
    assert booked.json["booking"]["status"] == "confirmed"
    assert booked.json["booking"]["meeting_type"] == "secret"
    assert booked.json["manage_url"].startswith(f"{BASE}/m/")
    again = book_api(client, link, monday_at(10))
    assert again.status_code == 409 and "error" in again.json
    invalid = book_api(client, link, monday_at(11), email="not an address")
    assert invalid.status_code == 422 and "email" in invalid.json["errors"]
    after = client.get(f"/api/v1/links/{link['token']}/slots", query_string=slots_range())
    assert monday_at(10).isoformat() not in after.json["slots"]


# --- single use -----------------------------------------------------------------------------


def test_a_single_use_link_books_once(client, organizer, app):
    link = make_link(client, organizer, single_use=True)
    assert link["single_use"] is True
    first = book_api(client, link, monday_at(10))
    assert first.status_code == 201
    second = book_api(client, link, monday_at(14))
    assert second.status_code == 410
    assert second.json["reason"] == "used"
    page = client.get(path_of(link))
    assert page.status_code == 410
    text = text_of(page)
    assert "This link has already been used." in text
    assert "Ask the organizer for a new link." in text
    assert (
        client.get(
            f"{path_of(link)}/book", query_string={"start": monday_at(14).isoformat()}
        ).status_code
        == 410
    )
    slots = client.get(f"/api/v1/links/{link['token']}/slots", query_string=slots_range())
    assert slots.status_code == 410 and slots.json["reason"] == "used"
    assert states(client, organizer) == {link["id"]: "used"}
    with app.app_context():
        from bwm.extensions import db
        from bwm.models import Booking, PrivateLink

        row = db.session.get(PrivateLink, link["id"])
        booking = db.session.scalar(select(Booking))
        assert row.used_booking_id == booking.id and row.used_at is not None
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_used_links_booking_can_still_be_moved_and_cancelled(client, organizer):
    link = make_link(client, organizer, single_use=True)
    manage_url = book_api(client, link, monday_at(10)).json["manage_url"]
    manage = urlsplit(manage_url).path
    token = manage.rsplit("/", 1)[1]
    assert client.get(manage).status_code == 200
    moved = client.patch(f"/api/v1/bookings/{token}", json={"start": monday_at(13).isoformat()})
    assert moved.status_code == 200
    assert moved.json["booking"]["start"] == monday_at(13).isoformat()
    picker = client.get(f"{manage}/reschedule")
    assert picker.status_code == 200
    cancelled = client.post(f"{manage}/cancel", data={"reason": "sorry"})
    assert cancelled.status_code == 303
    assert "cancelled" in text_of(client.get(manage))
    # Cancelling does not give the link back.
    assert client.get(path_of(link)).status_code == 410
    assert book_api(client, link, monday_at(15)).status_code == 410
    assert states(client, organizer) == {link["id"]: "used"}


def test_a_single_use_link_through_the_pages(client, organizer):
    link = make_link(client, organizer, single_use=True)
    data = {
        "start": monday_at(10).isoformat(),
        "timezone": "Europe/Stockholm",
        "name": "Anna",
        "email": "anna@example.org",
    }
    assert client.post(f"{path_of(link)}/book", data=data).status_code == 303
    again = client.post(f"{path_of(link)}/book", data={**data, "start": monday_at(11).isoformat()})
    assert again.status_code == 410
    assert "already been used" in text_of(again)


def test_a_failed_booking_leaves_a_single_use_link_unused(client, organizer):
    link = make_link(client, organizer, single_use=True)
    assert book_api(client, link, monday_at(10), email="nope").status_code == 422
    assert book_api(client, link, monday_at(10, 10)).status_code == 409  # not a slot
    assert states(client, organizer) == {link["id"]: "active"}
    assert book_api(client, link, monday_at(10)).status_code == 201


RACERS = 8


@pytest.fixture
def racing_app(make_app):
    from bwm.extensions import db
    from bwm.services import links, meeting_types
    from bwm.services.organizers import create_organizer
    from bwm.web import now

    app = make_app()
    with app.test_request_context():
        user = create_organizer(
            "race@example.com", "Racer", "long-password", slug="race", timezone="Europe/Stockholm"
        )
        mt = meeting_types.create(
            user.page,
            {"title": "Secret", "slug": "secret", "duration_minutes": 30, "visibility": "private"},
        )
        current = now()
        link = links.create_link(
            mt, single_use=True, expires_at=current + timedelta(days=1), now=current
        )
        db.session.commit()
        app.config["RACE_TOKEN"] = links.token_of(link)
    return app


def test_attendees_racing_one_single_use_link_for_different_times_get_one_booking(racing_app):
    from bwm.extensions import db
    from bwm.models import Booking, PrivateLink

    token = racing_app.config["RACE_TOKEN"]
    # Eight different free times: only the link, not the slot, can stop the others.
    starts = [monday_at(9 + i // 2, 30 * (i % 2)) for i in range(RACERS)]
    with serve(racing_app) as base:
        outcomes = race(
            [
                (
                    f"{base}/api/v1/links/{token}/bookings",
                    {"start": s.isoformat(), "name": f"Racer {i}", "email": f"r{i}@example.org"},
                )
                for i, s in enumerate(starts)
            ]
        )
    assert outcomes == Counter({201: 1, 410: RACERS - 1})
    with racing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
        link = db.session.scalar(select(PrivateLink))
        booking = db.session.scalar(select(Booking))
        assert link.used_booking_id == booking.id
        assert booking.private_link_id == link.id


# --- expiry ---------------------------------------------------------------------------------


def test_links_expire_after_the_configured_days_by_default(client, organizer, clock):
    link = make_link(client, organizer)
    assert datetime.fromisoformat(link["expires_at"]) == clock.now + timedelta(days=90)
    clock.advance(days=90, seconds=-1)
    assert client.get(path_of(link)).status_code == 200
    clock.advance(seconds=1)
    response = client.get(path_of(link))
    assert response.status_code == 410
    assert "This link has expired." in text_of(response)
    assert "Ask the organizer for a new link." in text_of(response)


def test_the_number_of_days_comes_from_the_config(make_app, make_user, make_token, clock):
    app = make_app(CLOCK=clock, PRIVATE_LINK_DAYS=7)
    client = app.test_client()
    user = make_user(slug="seven")
    headers = make_token(user["id"])
    type_id = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"][0]["id"]
    url = f"/api/v1/me/meeting-types/{type_id}/links"
    made = client.post(url, json={}, headers=headers)
    assert made.status_code == 201
    assert datetime.fromisoformat(made.json["expires_at"]) == clock.now + timedelta(days=7)
    late = (clock.now + timedelta(days=7, seconds=1)).isoformat()
    refused = client.post(url, json={"expires_at": late}, headers=headers)
    assert refused.status_code == 422
    assert "7 days" in refused.json["errors"]["expires_at"]


def test_a_link_that_expires_seconds_after_it_was_made(client, organizer, clock):
    expires = clock.now + timedelta(seconds=30)
    link = make_link(client, organizer, expires_at=expires.astimezone(STOCKHOLM).isoformat())
    assert datetime.fromisoformat(link["expires_at"]) == expires
    assert client.get(path_of(link)).status_code == 200
    slots = f"/api/v1/links/{link['token']}/slots"
    assert client.get(slots, query_string=slots_range()).status_code == 200
    clock.advance(seconds=29)
    assert client.get(path_of(link)).status_code == 200
    clock.advance(seconds=1)
    page = client.get(path_of(link))
    assert page.status_code == 410
    assert "This link has expired." in text_of(page)
    api = client.get(slots, query_string=slots_range())
    assert api.status_code == 410 and api.json["reason"] == "expired"
    booked = book_api(client, link, monday_at(10))
    assert booked.status_code == 410 and booked.json["reason"] == "expired"
    assert states(client, organizer) == {link["id"]: "expired"}


def test_a_link_that_expires_between_the_form_and_the_booking(client, organizer, clock):
    link = make_link(client, organizer, expires_at=(clock.now + timedelta(seconds=5)).isoformat())
    form = client.get(f"{path_of(link)}/book", query_string={"start": monday_at(10).isoformat()})
    assert form.status_code == 200
    clock.advance(seconds=5)
    posted = client.post(
        f"{path_of(link)}/book",
        data={
            "start": monday_at(10).isoformat(),
            "timezone": "Europe/Stockholm",
            "name": "Late",
            "email": "late@example.org",
        },
    )
    assert posted.status_code == 410
    assert "expired" in text_of(posted)


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        (lambda now: (now + timedelta(days=90, seconds=1)).isoformat(), "at most 90 days"),
        (lambda now: (now + timedelta(days=200)).isoformat(), "at most 90 days"),
        (lambda now: (now - timedelta(seconds=1)).isoformat(), "in the future"),
        (lambda now: now.replace(tzinfo=None).isoformat(), "offset"),
        (lambda now: "next tuesday", "ISO 8601"),
    ],
)
def test_a_bad_expiry_is_422_naming_expires_at(client, organizer, clock, expires_at, message):
    response = client.post(
        f"/api/v1/me/meeting-types/{organizer['type_id']}/links",
        json={"single_use": True, "expires_at": expires_at(clock.now)},
        headers=organizer["headers"],
    )
    assert response.status_code == 422
    assert message in response.json["errors"]["expires_at"]
    assert states(client, organizer) == {}


def test_single_use_must_be_a_boolean(client, organizer):
    response = client.post(
        f"/api/v1/me/meeting-types/{organizer['type_id']}/links",
        json={"single_use": "perhaps"},
        headers=organizer["headers"],
    )
    assert response.status_code == 422 and "single_use" in response.json["errors"]


# --- revocation and other organizers ------------------------------------------------------


def test_a_revoked_link_is_410(client, organizer):
    link = make_link(client, organizer)
    other = make_link(client, organizer)
    response = client.delete(f"/api/v1/me/links/{link['id']}", headers=organizer["headers"])
    assert response.status_code == 204
    page = client.get(path_of(link))
    assert page.status_code == 410
    assert "This link was withdrawn by the organizer." in text_of(page)
    assert "Ask the organizer for a new link." in text_of(page)
    api = client.get(f"/api/v1/links/{link['token']}/slots", query_string=slots_range())
    assert api.status_code == 410 and api.json["reason"] == "revoked"
    assert book_api(client, link, monday_at(10)).status_code == 410
    assert states(client, organizer) == {link["id"]: "revoked", other["id"]: "active"}
    assert client.get(path_of(other)).status_code == 200
    # Revoking again changes nothing.
    again = client.delete(f"/api/v1/me/links/{link['id']}", headers=organizer["headers"])
    assert again.status_code == 204


def test_an_organizer_never_sees_or_revokes_another_organizers_links(
    client, organizer, make_user, make_token
):
    link = make_link(client, organizer)
    stranger = make_token(make_user(slug="stranger")["id"])
    type_url = f"/api/v1/me/meeting-types/{organizer['type_id']}/links"
    assert client.get(type_url, headers=stranger).status_code == 404
    assert client.post(type_url, json={}, headers=stranger).status_code == 404
    assert client.delete(f"/api/v1/me/links/{link['id']}", headers=stranger).status_code == 404
    assert client.delete("/api/v1/me/links/999999", headers=organizer["headers"]).status_code == 404
    assert client.get(type_url).status_code == 401
    assert client.get(path_of(link)).status_code == 200


def test_the_list_answer_carries_every_link_with_its_state(client, organizer, clock):
    older = make_link(client, organizer)
    clock.advance(seconds=1)
    newer = make_link(client, organizer, single_use=True)
    listed = client.get(
        f"/api/v1/me/meeting-types/{organizer['type_id']}/links", headers=organizer["headers"]
    ).json
    assert list(listed) == ["links"]
    assert [link["id"] for link in listed["links"]] == [newer["id"], older["id"]]
    assert listed["links"] == [newer, older]  # the same fields as the create answer
    assert newer["state"] == "active" and newer["used_at"] is None


# --- tampering ------------------------------------------------------------------------------


def _flip(token: str) -> str:
    i = len(token) - 3
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def test_tampered_and_foreign_tokens_are_404(client, organizer):
    link = make_link(client, organizer)
    forged = URLSafeSerializer("another-secret", salt="bwm.private-link").dumps("x")
    wrong_salt = URLSafeSerializer("test-secret", salt="bwm.manage").dumps(link["token"])
    unknown = URLSafeSerializer("test-secret", salt="bwm.private-link").dumps("no-such-id")
    for token in (
        _flip(link["token"]),
        link["token"][:-1],
        "nonsense",
        forged,
        wrong_salt,
        unknown,
    ):
        page = client.get(f"/p/{token}")
        assert page.status_code == 404, token
        assert "This link is not valid." in text_of(page)
        assert b"Traceback" not in page.data
        api = client.get(f"/api/v1/links/{token}/slots", query_string=slots_range())
        assert api.status_code == 404 and api.json["reason"] == "invalid"
        assert client.post(f"/api/v1/links/{token}/bookings", json={}).status_code == 404
    # A manage link's token is not a private link, and the other way round.
    manage = urlsplit(book_api(client, link, monday_at(10)).json["manage_url"]).path
    assert client.get(f"/p/{manage.rsplit('/', 1)[1]}").status_code == 404
    assert client.get(f"/m/{link['token']}").status_code == 404


# --- publishing -----------------------------------------------------------------------------


def test_unpublishing_takes_the_page_types_and_links_offline_until_republished(client, organizer):
    link = make_link(client, organizer)
    headers = organizer["headers"]
    urls = ["/b/olga", "/b/olga/30-minute-meeting", path_of(link)]
    api_get = [f"/api/v1/links/{link['token']}/slots", "/api/v1/pages/olga"]
    assert (
        client.patch("/api/v1/me/page", json={"published": False}, headers=headers).status_code
        == 200
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "not available" in text_of(response)
    for url in api_get:
        assert client.get(url, query_string=slots_range()).status_code == 404, url
    assert book_api(client, link, monday_at(10)).status_code == 404
    # Nothing was deleted: the organizer still lists the link as active.
    assert states(client, organizer) == {link["id"]: "active"}
    assert (
        client.patch("/api/v1/me/page", json={"published": True}, headers=headers).status_code
        == 200
    )
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get(api_get[0], query_string=slots_range()).status_code == 200
    assert book_api(client, link, monday_at(10)).status_code == 201


def test_deleting_a_type_without_bookings_deletes_its_links(client, organizer):
    link = make_link(client, organizer)
    deleted = client.delete(
        f"/api/v1/me/meeting-types/{organizer['type_id']}", headers=organizer["headers"]
    )
    assert deleted.status_code == 204
    assert client.get(path_of(link)).status_code == 404


# --- the organizer's pages ------------------------------------------------------------------


@pytest.fixture
def signed_in(client, organizer, login):
    login(organizer)
    return organizer


def links_page(client, type_id: int) -> BeautifulSoup:
    response = client.get(f"/me/types/{type_id}/links")
    assert response.status_code == 200
    return soup(response)


def rows(page: BeautifulSoup) -> list[dict]:
    return [
        {
            "url": tr.select_one(".link-url").get_text(strip=True),
            "state": tr["data-state"],
            "kind": tr.find_all("td")[1].get_text(strip=True),
            "copy": tr.find("button", attrs={"data-copy": True}),
            "revoke": tr.find("form"),
        }
        for tr in page.select("tbody tr")
    ]


def test_the_organizer_makes_copies_and_revokes_links_on_the_page(client, signed_in, clock):
    type_id = signed_in["type_id"]
    types = soup(client.get("/me/types"))
    assert types.find("a", href=f"/me/types/{type_id}/links") is not None
    assert "No links yet." in links_page(client, type_id).get_text()

    made = client.post(f"/me/types/{type_id}/links", data={"single_use": "y"})
    assert made.status_code == 303
    flashed = text_of(client.get(made.headers["Location"]))
    multi = client.post(f"/me/types/{type_id}/links", data={})
    assert multi.status_code == 303
    table = rows(links_page(client, type_id))
    assert [r["kind"] for r in table] == ["Multi-use", "Single use"]
    assert all(r["state"] == "active" for r in table)
    single_url = table[1]["url"]
    assert single_url.startswith(f"{BASE}/p/") and single_url in flashed
    assert table[1]["copy"]["data-copy"] == single_url

    # Used, expired and revoked, each shown as such.
    token = urlsplit(single_url).path.rsplit("/", 1)[1]
    assert book_api(client, {"token": token}, monday_at(10)).status_code == 201
    revoke = table[0]["revoke"]
    assert client.post(revoke["action"]).status_code == 303
    short = client.post(
        f"/me/types/{type_id}/links",
        data={"expires_on": clock.now.astimezone(STOCKHOLM).date().isoformat()},
    )
    assert short.status_code == 303
    clock.advance(days=1)
    table = rows(links_page(client, type_id))
    assert [r["state"] for r in table] == ["expired", "revoked", "used"]
    assert all(r["copy"] is None and r["revoke"] is None for r in table)
    page = links_page(client, type_id)
    assert page.find("a", string="See the booking") is not None


def test_the_expiry_date_on_the_page_is_checked(client, signed_in, clock):
    type_id = signed_in["type_id"]
    today = clock.now.astimezone(STOCKHOLM).date()
    for day, message in (
        (today - timedelta(days=1), "today or later"),
        (today + timedelta(days=91), "at most 90 days"),
    ):
        response = client.post(f"/me/types/{type_id}/links", data={"expires_on": day.isoformat()})
        assert response.status_code == 422
        error = soup(response).select_one("#expires_on-error")
        assert message in error.get_text()
    assert rows(links_page(client, type_id)) == []
    last = today + timedelta(days=89)
    assert (
        client.post(f"/me/types/{type_id}/links", data={"expires_on": last.isoformat()}).status_code
        == 303
    )


def test_organizer_pages_of_another_organizers_links_are_404(
    client, signed_in, make_user, make_token, app
):
    stranger = make_user(slug="stranger")
    headers = make_token(stranger["id"])
    their_type = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"][0]
    made = client.post(
        f"/api/v1/me/meeting-types/{their_type['id']}/links", json={}, headers=headers
    ).json
    assert client.get(f"/me/types/{their_type['id']}/links").status_code == 404
    assert client.post(f"/me/types/{their_type['id']}/links").status_code == 404
    assert client.post(f"/me/links/{made['id']}/revoke").status_code == 404
    assert client.get(urlsplit(made["url"]).path).status_code == 200


def test_revoking_on_the_page_needs_the_csrf_token(make_app, organizer, clock):
    app = make_app(CLOCK=clock, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login_page = soup(client.get("/login"))
    csrf = login_page.find("input", attrs={"name": "csrf_token"})["value"]
    client.post(
        "/login",
        data={"email": organizer["email"], "password": organizer["password"], "csrf_token": csrf},
    )
    link = make_link(client, organizer)
    assert client.post(f"/me/links/{link['id']}/revoke").status_code == 400
    assert client.get(path_of(link)).status_code == 200
    page = links_page(client, organizer["type_id"])
    form = page.select_one("tbody tr form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    assert client.post(form["action"], data={"csrf_token": token}).status_code == 303
    assert client.get(path_of(link)).status_code == 410


def test_booking_through_a_link_is_rate_limited(make_app, organizer, clock):
    app = make_app(CLOCK=clock, RATELIMIT_ENABLED=True, RATELIMIT_BOOKING="2 per minute")
    client = app.test_client()
    link = make_link(client, organizer)
    codes = [book_api(client, link, monday_at(10 + i)).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    form = {
        "start": monday_at(14).isoformat(),
        "timezone": "Europe/Stockholm",
        "name": "A",
        "email": "a@example.org",
    }
    codes = [client.post(f"{path_of(link)}/book", data=form).status_code for _ in range(3)]
    assert codes[-1] == 429
