"""The email check (SPEC §11): a type with verify_email holds a booking as "unverified" (its time
held) until the attendee confirms from the emailed link (GET shows, POST confirms); the worker
releases holds not confirmed within 30 minutes; with requests (§9) it is verified, then pending.
Real SMTP server, emails parsed; a clock the tests set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bwm.extensions import db
from bwm.models import Booking, PrivateLink
from tests.conftest import Clock, soup
from tests.helpers import next_weekday
from tests.test_requests import (
    ATTENDEE,
    ORGANIZER,
    STOCKHOLM,
    calendar_parts,
    invitation,
    link,
    mails,
    status_of,
    text_of,
    worker,
)


@pytest.fixture
def start() -> datetime:
    """A Wednesday at 10:00 in Stockholm, at least five days ahead."""
    day = next_weekday(2, at_least=5)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def clock(start) -> Clock:
    return Clock(start - timedelta(days=3))


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


def make_type(client, headers, slug: str, **extra) -> int:
    response = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Checked", "slug": slug, "duration_minutes": 30, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json["verify_email"] is extra.get("verify_email", False)
    return response.json["id"]


@pytest.fixture
def olga(app, make_user, make_token, client):
    user = make_user(
        email=ORGANIZER, name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    checked = make_type(client, headers, "checked", verify_email=True)
    make_type(
        client, headers, "ask", verify_email=True, requires_confirmation=True, pending_hours=24
    )
    return {**user, "headers": headers, "checked": checked}


def book(client, at, slug="checked", email=ATTENDEE, name="Rita Requester"):
    return client.post(
        f"/api/v1/pages/olga/types/{slug}/bookings",
        json={"start": at.isoformat(), "name": name, "email": email, "note": "About the plan"},
    )


def hold(client, at, slug="checked") -> dict:
    response = book(client, at, slug)
    assert response.status_code == 201, response.text
    return {**response.json["booking"], "token": response.json["manage_url"].rsplit("/", 1)[1]}


def free(client, at, slug="checked") -> list[str]:
    day = at.date().isoformat()
    response = client.get(
        f"/api/v1/pages/olga/types/{slug}/slots",
        query_string={"start": day, "end": day, "tz": "Europe/Stockholm"},
    )
    return response.json["slots"]


def confirm_link(app, smtp_sink, count: int = 1) -> str:
    worker(app)
    assert smtp_sink.wait_for(count)
    message = mails(smtp_sink, ATTENDEE)[-1]
    return link(message, "Confirm your booking").split("?")[0]


def test_the_booking_holds_unverified_and_only_the_attendee_hears_of_it(
    app, client, olga, smtp_sink, start
):
    assert start.isoformat() in free(client, start)
    booking = hold(client, start)
    assert booking["status"] == "unverified"
    assert start.isoformat() not in free(client, start)  # the time is held
    assert book(client, start, email="someone@example.net").status_code == 409

    worker(app)
    assert smtp_sink.wait_for(1)
    assert mails(smtp_sink, ORGANIZER) == []
    (received,) = mails(smtp_sink, ATTENDEE)
    assert received["Subject"].startswith("Confirm your booking: Checked with Olga Organizer")
    assert calendar_parts(received) == []
    body = text_of(received)
    assert "Please confirm your email address" in body
    assert "/m/" not in body  # no manage link until confirmed
    assert link(received, "Confirm your booking").startswith("/v/")

    # The organizer's list leaves the hold out until it is confirmed (asked for, it is there).
    listed = client.get("/api/v1/me/bookings", headers=olga["headers"]).json["bookings"]
    assert listed == []
    held = client.get("/api/v1/me/bookings?status=unverified", headers=olga["headers"])
    assert [b["uid"] for b in held.json["bookings"]] == [booking["uid"]]

    # The attendee's page says to check the email; it can be cancelled, not moved.
    page = soup(client.get(f"/m/{booking['token']}"))
    assert "Check your email" in page.find("h1").get_text()
    assert page.find("a", string="Reschedule") is None
    moved = client.patch(
        f"/api/v1/bookings/{booking['token']}",
        json={"start": (start + timedelta(hours=2)).isoformat()},
    )
    assert moved.status_code == 409 and moved.json["reason"] == "unverified"


def test_the_link_shows_a_page_and_only_its_post_confirms(app, client, olga, smtp_sink, start):
    booking = hold(client, start)
    confirm = confirm_link(app, smtp_sink)
    for _ in range(2):  # opened by the attendee or a mail scanner: nothing changes
        page = client.get(confirm)
        assert page.status_code == 200
        assert status_of(client, booking["token"]) == "unverified"
    html = soup(page)
    assert "Confirm your booking" in html.find("h1").get_text()
    assert ATTENDEE in html.get_text()
    form = html.find("form", method="post")
    assert form.find("button", string="Confirm my booking") is not None

    answered = client.post(form["action"], data={})
    assert answered.status_code == 303
    assert answered.headers["Location"].endswith(f"/m/{booking['token']}")
    assert status_of(client, booking["token"]) == "confirmed"
    assert "Your booking is confirmed" in soup(client.get(f"/m/{booking['token']}")).get_text()

    worker(app)
    assert smtp_sink.wait_for(3)
    to_rita = mails(smtp_sink, ATTENDEE)[-1]
    assert to_rita["Subject"].startswith("Booked: Checked with Olga Organizer")
    assert str(invitation(to_rita).walk("VEVENT")[0]["UID"]) == booking["uid"]
    (to_olga,) = mails(smtp_sink, ORGANIZER)
    assert to_olga["Subject"].startswith("Booked: Checked with Rita Requester")

    # Confirming again (a second click) changes nothing and sends nothing.
    assert client.post(confirm, data={}).status_code == 303
    assert client.get(confirm).status_code == 303
    worker(app)
    assert len(smtp_sink.messages) == 3


def test_with_a_request_it_is_verified_then_pending(app, client, olga, smtp_sink, start, clock):
    booking = hold(client, start, slug="ask")
    assert booking["status"] == "unverified"
    confirm = confirm_link(app, smtp_sink)
    clock.advance(minutes=10)
    assert client.post(confirm, data={}).status_code == 303
    assert status_of(client, booking["token"]) == "pending"
    # The organizer's 24 hours to answer start at the confirmation.
    with app.app_context():
        row = db.session.query(Booking).filter_by(uid=booking["uid"]).one()
        assert row.pending_until == clock.now + timedelta(hours=24)
        assert row.verified_at == clock.now
    worker(app)
    assert smtp_sink.wait_for(3)
    (to_olga,) = mails(smtp_sink, ORGANIZER)
    assert to_olga["Subject"].startswith("Request to approve: Checked with Rita Requester")
    assert mails(smtp_sink, ATTENDEE)[-1]["Subject"].startswith("Request received")


def test_an_unconfirmed_hold_is_released_after_30_minutes(
    app, client, olga, smtp_sink, start, clock
):
    booking = hold(client, start)
    assert (
        booking["verify_until"]
        == (clock.now + timedelta(minutes=30)).astimezone(start.tzinfo).isoformat()
    )
    confirm = confirm_link(app, smtp_sink)
    clock.advance(minutes=29)
    worker(app)
    assert status_of(client, booking["token"]) == "unverified"
    assert start.isoformat() not in free(client, start)

    clock.advance(minutes=1)  # 30 minutes: the hold is over even before the worker gets to it
    refused = client.post(confirm, data={})
    assert refused.status_code == 410
    assert "not confirmed in time" in soup(refused).get_text()
    assert status_of(client, booking["token"]) == "unverified"

    worker(app)
    assert status_of(client, booking["token"]) == "released"
    assert start.isoformat() in free(client, start)  # free again for others
    page = soup(client.get(confirm))
    assert "This time was released" in page.find("h1").get_text()
    assert page.find("a", string="Book again")["href"] == "/b/olga/checked"
    assert "This time was released" in soup(client.get(f"/m/{booking['token']}")).get_text()
    assert client.post(confirm, data={}).status_code == 410
    # The organizer never heard of it, and does not now; the slot can be booked again.
    assert mails(smtp_sink, ORGANIZER) == []
    assert len(smtp_sink.messages) == 1
    assert hold(client, start)["status"] == "unverified"


def test_the_hold_never_outlasts_the_start(app, client, olga, start, clock):
    clock.now = start - timedelta(minutes=10)
    response = client.patch(
        f"/api/v1/me/meeting-types/{olga['checked']}",
        json={"min_notice_minutes": 0},
        headers=olga["headers"],
    )
    assert response.status_code == 200, response.text
    booking = hold(client, start)
    with app.app_context():
        row = db.session.query(Booking).filter_by(uid=booking["uid"]).one()
        assert row.verify_until == start


def test_cancelling_a_hold_tells_nobody_but_frees_the_time(app, client, olga, smtp_sink, start):
    booking = hold(client, start)
    worker(app)
    assert smtp_sink.wait_for(1)
    page = soup(client.get(f"/m/{booking['token']}"))
    form = page.find("form", action=f"/m/{booking['token']}/cancel")
    assert client.post(form["action"], data={"reason": ""}).status_code == 303
    assert status_of(client, booking["token"]) == "cancelled"
    assert start.isoformat() in free(client, start)
    worker(app)
    assert len(smtp_sink.messages) == 1 and mails(smtp_sink, ORGANIZER) == []


def test_a_released_hold_gives_its_single_use_link_back(app, client, olga, smtp_sink, start, clock):
    made = client.post(
        f"/api/v1/me/meeting-types/{olga['checked']}/links",
        json={"single_use": True},
        headers=olga["headers"],
    )
    assert made.status_code == 201, made.text
    url = made.json["url"]
    token = url.rsplit("/", 1)[1]
    booked = client.post(
        f"/api/v1/links/{token}/bookings",
        json={"start": start.isoformat(), "name": "Rita", "email": ATTENDEE},
    )
    assert booked.status_code == 201, booked.text
    with app.app_context():
        assert db.session.query(PrivateLink).one().used_at is not None
    clock.advance(minutes=31)
    worker(app)
    with app.app_context():
        link_row = db.session.query(PrivateLink).one()
        assert link_row.used_at is None and link_row.used_booking_id is None
    again = client.post(
        f"/api/v1/links/{token}/bookings",
        json={"start": start.isoformat(), "name": "Rita", "email": ATTENDEE},
    )
    assert again.status_code == 201, again.text


def test_a_tampered_link_is_not_found(client, olga, start):
    assert client.get("/v/not-a-token").status_code == 404
    assert client.post("/v/not-a-token", data={}).status_code == 404


def test_the_type_editor_turns_the_check_on(app, client, olga, login):
    login(olga)
    page = soup(client.get(f"/me/types/{olga['checked']}/edit"))
    box = page.find("input", attrs={"name": "verify_email"})
    assert box is not None and box.has_attr("checked")
    assert "30 minutes" in box.find_parent("div").get_text()


def test_the_hold_is_told_in_the_attendees_zone_across_a_dst_change(
    app, client, olga, smtp_sink, clock
):
    # 00:45 UTC on 28 March 2027: Stockholm's clocks jump from 02:00 to 03:00 at 01:00 UTC.
    clock.now = datetime(2027, 3, 28, 0, 45, tzinfo=UTC)
    start = datetime(2027, 3, 31, 10, 0, tzinfo=STOCKHOLM)
    response = client.post(
        "/api/v1/pages/olga/types/checked/bookings",
        json={
            "start": start.isoformat(),
            "name": "Rita",
            "email": ATTENDEE,
            "timezone": "Europe/Stockholm",
        },
    )
    assert response.status_code == 201, response.text
    # 01:15 UTC is 03:15 summer time (not 02:15, the hour that never was).
    assert response.json["booking"]["verify_until"] == "2027-03-28T03:15:00+02:00"
    worker(app)
    assert smtp_sink.wait_for(1)
    assert "until 03:15" in text_of(mails(smtp_sink, ATTENDEE)[0])
