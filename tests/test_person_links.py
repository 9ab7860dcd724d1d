"""A private link for one person (SPEC §9): their name and email filled in, the link emailed with
the organizer's message; and, in /me, many single-use links at once, each sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from tests.conftest import soup


@pytest.fixture
def app(make_app, smtp_sink, clock):
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token, client):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    types = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    type_id = next(t["id"] for t in types if t["slug"] == "30-minute-meeting")
    return {**user, "headers": headers, "type_id": type_id}


def links_of(client, organizer) -> list[dict]:
    url = f"/api/v1/me/meeting-types/{organizer['type_id']}/links"
    return client.get(url, headers=organizer["headers"]).json["links"]


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_link_for_one_person_is_sent_and_opens_with_their_details(client, organizer, smtp_sink):
    url = f"/api/v1/me/meeting-types/{organizer['type_id']}/links"
    made = client.post(
        url,
        json={
            "single_use": True,
            "name": "Bo Berg",
            "email": "Bo@Example.org",
            "message": "Let's talk about the offer.",
            "send": True,
        },
        headers=organizer["headers"],
    )
    assert made.status_code == 201, made.json
    link = made.json
    assert (link["name"], link["email"]) == ("Bo Berg", "bo@example.org")

    assert smtp_sink.wait_for(1)
    (message,) = smtp_sink.messages
    assert message["To"] == "bo@example.org"
    text = body_of(message)
    assert "Let's talk about the offer." in text and link["url"] in text
    assert "books one meeting" in text

    # The booking form opens with their name and email filled in.
    path = urlsplit(link["url"]).path
    slots = client.get(f"/api/v1/links/{path.rsplit('/', 1)[1]}/slots").json["slots"]
    form = soup(client.get(f"{path}/book", query_string={"start": slots[0]})).select_one(
        "form.card"
    )
    assert form.find(id="name")["value"] == "Bo Berg"
    assert form.find(id="email")["value"] == "bo@example.org"


def test_sending_needs_an_address_and_makes_nothing_without_one(client, organizer, smtp_sink):
    url = f"/api/v1/me/meeting-types/{organizer['type_id']}/links"
    refused = client.post(url, json={"send": True, "name": "Bo"}, headers=organizer["headers"])
    assert refused.status_code == 422
    assert refused.json["errors"] == {"email": "is required to send the link"}
    bad = client.post(url, json={"email": "not an address"}, headers=organizer["headers"])
    assert bad.status_code == 422 and "email" in bad.json["errors"]
    assert links_of(client, organizer) == []
    # Without send, a link for one person is made and not emailed.
    quiet = client.post(url, json={"email": "bo@example.org"}, headers=organizer["headers"])
    assert quiet.status_code == 201
    assert not smtp_sink.wait_for(1, timeout=0.5)


def test_the_organizer_sends_single_use_links_to_a_list(client, organizer, smtp_sink, login, clock):
    login(organizer)
    page_url = f"/me/types/{organizer['type_id']}/links"
    page = soup(client.get(page_url))
    send_form = page.find("form", action=f"{page_url}/send")
    assert send_form.find("label", attrs={"for": "addresses"}) is not None

    # One bad address: a message beside the field, no link made, nothing sent.
    refused = client.post(
        f"{page_url}/send",
        data={"addresses": "ann@example.org\nnot-an-address", "message": "Pick a time"},
    )
    assert refused.status_code == 422
    assert "not a valid email address" in soup(refused).find(id="addresses-error").get_text()
    assert links_of(client, organizer) == []

    sent = client.post(
        f"{page_url}/send",
        data={
            "addresses": "ann@example.org, bo@example.org\nANN@example.org\n\ncy@example.net",
            "message": "Pick a time for our review.",
        },
    )
    assert sent.status_code == 303
    assert "3 links" in soup(client.get(sent.headers["Location"])).get_text()
    made = links_of(client, organizer)
    assert sorted(link["email"] for link in made) == [
        "ann@example.org",
        "bo@example.org",
        "cy@example.net",
    ]
    assert all(link["single_use"] for link in made)

    assert smtp_sink.wait_for(3)
    by_to = {m["To"]: body_of(m) for m in smtp_sink.messages}
    assert set(by_to) == {"ann@example.org", "bo@example.org", "cy@example.net"}
    urls = {
        to: re.search(r"http://bwm\.example\.com/p/\S+", text).group(0)
        for to, text in by_to.items()
    }
    assert len(set(urls.values())) == 3  # each their own link
    assert all("Pick a time for our review." in text for text in by_to.values())
    assert {link["url"] for link in made} == set(urls.values())

    # The listing says whom each link is for.
    table = soup(client.get(page_url))
    assert "For cy@example.net" in table.get_text()
