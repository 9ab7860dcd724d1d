"""Requests the organizer approves (SPEC §9): a pending booking holds its slot, the attendee hears
"request received" without an invitation, the organizer answers from the email's links, /me or
the API, and the worker declines what is left unanswered. Real SMTP server, emails parsed."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import Clock, soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ATTENDEE = "rita@example.org"
ORGANIZER = "olga@example.com"


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


@pytest.fixture
def olga(app, make_user, make_token, client):
    """Olga in Stockholm, with a meeting type she approves ("ask": answered within 24 hours)."""
    user = make_user(
        email=ORGANIZER, name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    response = client.post(
        "/api/v1/me/meeting-types",
        json={
            "title": "Ask first",
            "slug": "ask",
            "duration_minutes": 30,
            "requires_confirmation": True,
            "pending_hours": 24,
            "reminders_minutes": [60, 1440],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json["requires_confirmation"] is True
    return {**user, "headers": headers}


def request_at(client, at: datetime, email: str = ATTENDEE, name: str = "Rita Requester"):
    return client.post(
        "/api/v1/pages/olga/types/ask/bookings",
        json={"start": at.isoformat(), "name": name, "email": email, "note": "About the plan"},
    )


def ask(client, at: datetime, **kwargs) -> dict:
    """Request a time; return the booking JSON with the manage token."""
    response = request_at(client, at, **kwargs)
    assert response.status_code == 201, response.text
    return {**response.json["booking"], "token": response.json["manage_url"].rsplit("/", 1)[1]}


def worker(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def mails(sink, to: str) -> list:
    return [m for m in sink.messages if m["To"] == to]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def calendar_parts(message) -> list:
    return [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def invitation(message) -> Calendar:
    (part,) = calendar_parts(message)
    return Calendar.from_ical(part.get_payload(decode=True))


def link(message, label: str) -> str:
    """The path and query of the email's button with that label."""
    anchor = soup(message.get_body(("html",)).get_content()).find("a", string=label)
    assert anchor is not None, f"no {label!r} link"
    parts = urlsplit(anchor["href"])
    assert parts.netloc == "bwm.example.com"
    return f"{parts.path}?{parts.query}"


def status_of(client, token: str) -> str:
    return client.get(f"/api/v1/bookings/{token}").json["booking"]["status"]


def free_starts(client, at: datetime) -> list[str]:
    day = at.date().isoformat()
    response = client.get(
        "/api/v1/pages/olga/types/ask/slots",
        query_string={"start": day, "end": day, "tz": "Europe/Stockholm"},
    )
    assert response.status_code == 200
    return response.json["slots"]


def test_a_request_is_pending_and_the_attendee_gets_no_invitation(
    app, client, olga, smtp_sink, start
):
    booking = ask(client, start)
    assert booking["status"] == "pending"
    worker(app)
    assert smtp_sink.wait_for(2)

    (received,) = mails(smtp_sink, ATTENDEE)
    assert received["Subject"].startswith("Request received: Ask first with Olga Organizer")
    assert calendar_parts(received) == []
    assert not [p for p in received.walk() if (p.get_filename() or "").endswith(".ics")]
    body = text_of(received)
    assert "Olga Organizer will confirm or decline it" in body
    assert f"http://bwm.example.com/m/{booking['token']}" in body

    (to_olga,) = mails(smtp_sink, ORGANIZER)
    assert to_olga["Subject"].startswith("Request to approve: Ask first with Rita Requester")
    assert calendar_parts(to_olga) == []
    assert "Rita Requester asks to meet you" in text_of(to_olga)
    assert link(to_olga, "Approve").startswith("/d/")
    assert link(to_olga, "Decline").startswith("/d/")

    # The attendee's page says it waits; it can be cancelled, not moved; no calendar file yet.
    page = soup(client.get(f"/m/{booking['token']}"))
    assert "waiting for the organizer" in page.find("h1").get_text()
    assert page.find("a", string="Reschedule") is None
    assert page.find("button", string="Cancel booking") is not None
    assert client.get(f"/m/{booking['token']}/invite.ics").status_code == 404
    assert client.get(f"/m/{booking['token']}/reschedule").status_code == 409
    moved = client.patch(
        f"/api/v1/bookings/{booking['token']}",
        json={"start": (start + timedelta(hours=2)).isoformat()},
    )
    assert moved.status_code == 409 and moved.json["reason"] == "pending"


def test_a_pending_request_holds_its_slot(app, client, olga, start):
    before = free_starts(client, start)
    assert start.isoformat() in before
    ask(client, start)
    assert start.isoformat() not in free_starts(client, start)
    taken = request_at(client, start, email="someone@example.net", name="Someone Else")
    assert taken.status_code == 409
    # A normal type of the same organizer can't have that time either.
    other = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": start.isoformat(), "name": "Someone", "email": "someone@example.net"},
    )
    assert other.status_code == 409


def test_the_emails_approve_link_shows_a_page_and_only_its_post_approves(
    app, client, olga, smtp_sink, start
):
    booking = ask(client, start)
    worker(app)
    assert smtp_sink.wait_for(2)
    (to_olga,) = mails(smtp_sink, ORGANIZER)
    approve = link(to_olga, "Approve")

    # Opened (by Olga, or by a mail scanner): nothing changes. No sign-in needed.
    for _ in range(2):
        page = client.get(approve)
        assert page.status_code == 200
        assert status_of(client, booking["token"]) == "pending"
    html = soup(page)
    assert "Approve the request of Rita Requester?" in html.find("h1").get_text()
    assert "Rita Requester" in html.get_text() and "About the plan" in html.get_text()
    form = html.find("form", method="post")
    assert form.find("button", string="Approve") is not None

    answered = client.post(form["action"], data={})
    assert answered.status_code == 303
    assert "The request is approved" in soup(client.get(answered.headers["Location"])).get_text()
    assert status_of(client, booking["token"]) == "confirmed"

    worker(app)
    assert smtp_sink.wait_for(4)
    invited = [m for m in smtp_sink.messages if calendar_parts(m)]
    assert sorted(m["To"] for m in invited) == sorted([ATTENDEE, ORGANIZER])
    for message in invited:
        assert message["Subject"].startswith("Booked: Ask first")
        cal = invitation(message)
        assert cal["METHOD"] == "REQUEST"
        (event,) = [c for c in cal.walk() if c.name == "VEVENT"]
        assert str(event["UID"]) == booking["uid"]
        assert event.start == start
        assert "rita@example.org" in str(event["ATTENDEE"]).lower()
    attendee_mail = next(m for m in invited if m["To"] == ATTENDEE)
    assert "confirmed your request" in text_of(attendee_mail)
    assert "invite.ics" in str(
        soup(client.get(f"/m/{booking['token']}")).find("a", string="Add to calendar (.ics)")
    )

    # A second answer, from either link, is refused; nothing more is sent.
    again = client.post(form["action"], data={})
    assert again.status_code == 409
    assert "already been answered" in soup(again).get_text()
    decline = link(to_olga, "Decline")
    page = soup(client.get(decline))
    assert page.find("button", string="Decline") is None
    assert client.post(decline.split("?")[0], data={"reason": "No"}).status_code == 409
    assert status_of(client, booking["token"]) == "confirmed"
    worker(app)
    assert len(smtp_sink.messages) == 4


def test_the_emails_decline_link_declines_with_the_reason(app, client, olga, smtp_sink, start):
    booking = ask(client, start)
    worker(app)
    assert smtp_sink.wait_for(2)
    decline = link(mails(smtp_sink, ORGANIZER)[0], "Decline")
    page = soup(client.get(decline))
    assert status_of(client, booking["token"]) == "pending"
    form = page.find("form", method="post")
    assert form.find("label", string="Reason (optional)") is not None
    response = client.post(form["action"], data={"reason": "I am away that week."})
    assert response.status_code == 303
    assert status_of(client, booking["token"]) == "declined"
    assert start.isoformat() in free_starts(client, start)  # the time is free again

    worker(app)
    assert smtp_sink.wait_for(3)
    (declined,) = [m for m in mails(smtp_sink, ATTENDEE) if m["Subject"].startswith("Declined")]
    assert "Olga Organizer declined your request." in text_of(declined)
    assert "Reason: I am away that week." in text_of(declined)
    assert "I am away that week." in declined.get_body(("html",)).get_content()
    assert calendar_parts(declined) == []  # no invitation was ever sent: nothing to withdraw
    assert len(mails(smtp_sink, ORGANIZER)) == 1

    manage = soup(client.get(f"/m/{booking['token']}"))
    assert "Your request was declined" in manage.find("h1").get_text()
    assert "I am away that week." in manage.get_text()
    assert manage.find("button", string="Cancel booking") is None


def test_a_tampered_decision_link_is_404(app, client, olga, smtp_sink, start):
    ask(client, start)
    worker(app)
    assert smtp_sink.wait_for(2)
    approve = link(mails(smtp_sink, ORGANIZER)[0], "Approve").split("?")[0]
    assert client.get(approve + "x").status_code == 404
    assert client.post(approve + "x").status_code == 404
    # A manage token is no decision token.
    token = mails(smtp_sink, ATTENDEE)[0]
    manage = next(w for w in text_of(token).split() if "/m/" in w).rsplit("/", 1)[1]
    assert client.get(f"/d/{manage}").status_code == 404


def test_the_decision_page_needs_its_csrf_token(make_app, smtp_sink, clock, start, make_user):
    app = make_app(
        MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock, WTF_CSRF_ENABLED=True
    )
    client = app.test_client()
    from bwm.extensions import db
    from bwm.models import User
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    with app.app_context():
        user = create_organizer(ORGANIZER, "Olga Organizer", "long-password", slug="olga")
        meeting_types.create(
            user.page,
            {
                "title": "Ask first",
                "slug": "ask",
                "duration_minutes": 30,
                "requires_confirmation": True,
            },
        )
        db.session.commit()
        assert db.session.get(User, user.id) is not None
    booking = ask(client, start)
    worker(app)
    assert smtp_sink.wait_for(2)
    approve = link(mails(smtp_sink, ORGANIZER)[0], "Approve")
    form = soup(client.get(approve)).find("form", method="post")
    assert client.post(form["action"], data={}).status_code == 400
    assert status_of(client, booking["token"]) == "pending"
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    assert client.post(form["action"], data={"csrf_token": token}).status_code == 303
    assert status_of(client, booking["token"]) == "confirmed"


# --- the API --------------------------------------------------------------------------------


def test_confirm_and_decline_through_the_api(
    app, client, olga, smtp_sink, start, make_user, make_token
):
    first = ask(client, start)
    second = ask(client, start + timedelta(hours=2), email="sam@example.net", name="Sam")
    listed = client.get("/api/v1/me/bookings?status=pending", headers=olga["headers"]).json
    assert [b["uid"] for b in listed["bookings"]] == [first["uid"], second["uid"]]

    # Another organizer sees neither.
    other = make_token(make_user(email="other@example.com")["id"])
    assert (
        client.post(f"/api/v1/me/bookings/{first['uid']}/confirm", headers=other).status_code == 404
    )

    confirmed = client.post(f"/api/v1/me/bookings/{first['uid']}/confirm", headers=olga["headers"])
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json["booking"]["status"] == "confirmed"
    assert confirmed.json["booking"]["uid"] == first["uid"]

    declined = client.post(
        f"/api/v1/me/bookings/{second['uid']}/decline",
        json={"reason": "Fully booked."},
        headers=olga["headers"],
    )
    assert declined.status_code == 200, declined.text
    assert declined.json["booking"]["status"] == "declined"

    for uid in (first["uid"], second["uid"]):
        for verb in ("confirm", "decline"):
            again = client.post(f"/api/v1/me/bookings/{uid}/{verb}", headers=olga["headers"])
            assert again.status_code == 409, again.text
            assert again.json["reason"] == "decided"
    # A booking that was never a request can't be approved either.
    plain = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={
            "start": (start + timedelta(hours=4)).isoformat(),
            "name": "P",
            "email": "p@example.net",
        },
    ).json["booking"]
    refused = client.post(f"/api/v1/me/bookings/{plain['uid']}/confirm", headers=olga["headers"])
    assert refused.status_code == 409
    # A cancelled request: 410, as every change of a cancelled booking.
    third = ask(client, start + timedelta(hours=5), email="tom@example.net", name="Tom")
    assert client.delete(f"/api/v1/bookings/{third['token']}").status_code == 200
    gone = client.post(f"/api/v1/me/bookings/{third['uid']}/confirm", headers=olga["headers"])
    assert gone.status_code == 410 and gone.json["reason"] == "cancelled"

    worker(app)
    assert smtp_sink.wait_for(12)
    sam = [m for m in mails(smtp_sink, "sam@example.net") if m["Subject"].startswith("Declined")]
    assert len(sam) == 1 and "Reason: Fully booked." in text_of(sam[0])
    rita = [m for m in mails(smtp_sink, ATTENDEE) if calendar_parts(m)]
    assert len(rita) == 1 and invitation(rita[0])["METHOD"] == "REQUEST"
    # Tom cancelled a request that never had an invitation: no CANCEL goes out either.
    assert [calendar_parts(m) for m in mails(smtp_sink, "tom@example.net")] == [[], []]


# --- the worker ------------------------------------------------------------------------------


def test_the_worker_declines_a_request_left_unanswered(app, client, olga, smtp_sink, clock, start):
    booking = ask(client, start)
    worker(app)
    assert smtp_sink.wait_for(2)
    clock.advance(hours=23, minutes=59)  # 24 hours to answer
    worker(app)
    assert status_of(client, booking["token"]) == "pending"
    clock.advance(minutes=1)
    assert "requests 1" in worker(app)
    assert status_of(client, booking["token"]) == "declined"
    assert smtp_sink.wait_for(3)
    (declined,) = [m for m in mails(smtp_sink, ATTENDEE) if m["Subject"].startswith("Declined")]
    assert "not answered in time" in text_of(declined)
    assert calendar_parts(declined) == []
    assert start.isoformat() in free_starts(client, start)
    assert "requests 0" in worker(app)
    assert len(smtp_sink.messages) == 3
    # Too late for the organizer now.
    late = client.post(f"/api/v1/me/bookings/{booking['uid']}/confirm", headers=olga["headers"])
    assert late.status_code == 409


def test_a_request_close_to_its_start_is_declined_at_the_start(app, client, olga, clock, start):
    clock.now = start - timedelta(hours=2)  # less than the 24 hours to answer
    booking = ask(client, start)
    clock.now = start - timedelta(minutes=1)
    worker(app)
    assert status_of(client, booking["token"]) == "pending"
    clock.now = start
    worker(app)
    assert status_of(client, booking["token"]) == "declined"


def test_several_workers_decline_each_request_once(app, client, olga, smtp_sink, clock, start):
    from bwm.services.requests import decline_expired_requests

    tokens = [
        ask(client, start.replace(hour=hour), email=f"p{hour}@example.net")["token"]
        for hour in (9, 10, 11, 13)
    ]
    worker(app)
    assert smtp_sink.wait_for(8)
    clock.advance(days=2)
    barrier = threading.Barrier(4)
    declined: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                barrier.wait()
                declined.append(decline_expired_requests(clock))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(declined) == 4
    assert {status_of(client, token) for token in tokens} == {"declined"}
    worker(app)
    assert smtp_sink.wait_for(12)
    assert len([m for m in smtp_sink.messages if m["Subject"].startswith("Declined")]) == 4
    assert len(smtp_sink.messages) == 12


def test_no_reminders_for_a_request_until_it_is_confirmed(
    app, client, olga, smtp_sink, clock, start
):
    clock.now = start - timedelta(hours=30)  # 24 hours to answer: until 6 hours before
    booking = ask(client, start)
    declined = ask(client, start + timedelta(hours=2), email="sam@example.net")
    assert (
        client.post(
            f"/api/v1/me/bookings/{declined['uid']}/decline", headers=olga["headers"]
        ).status_code
        == 200
    )
    clock.now = start - timedelta(hours=23)  # past the one-day reminder; still pending
    worker(app)
    assert smtp_sink.wait_for(5)
    assert not [m for m in smtp_sink.messages if m["Subject"].startswith("Reminder")]
    assert status_of(client, booking["token"]) == "pending"
    confirmed = client.post(
        f"/api/v1/me/bookings/{booking['uid']}/confirm", headers=olga["headers"]
    )
    assert confirmed.status_code == 200
    worker(app)
    # The day-before reminder's moment came before the confirmation: not sent late.
    assert not [m for m in smtp_sink.messages if m["Subject"].startswith("Reminder")]
    clock.now = start - timedelta(minutes=59)
    worker(app)
    assert smtp_sink.wait_for(9)
    reminders = [m for m in smtp_sink.messages if m["Subject"].startswith("Reminder")]
    assert sorted(m["To"] for m in reminders) == sorted([ORGANIZER, ATTENDEE])


# --- /me --------------------------------------------------------------------------------------


def test_me_shows_requests_first_and_answers_them(app, client, olga, login, smtp_sink, start):
    first = ask(client, start)
    second = ask(client, start + timedelta(hours=2), email="sam@example.net", name="Sam Second")
    third = ask(client, start + timedelta(hours=4), email="tom@example.net", name="Tom Third")
    login(olga)

    dashboard = soup(client.get("/me/"))
    section = dashboard.find(id="booking-requests")
    assert section is not None
    # Requests come first: before the page link and the next bookings.
    assert dashboard.find("h1").find_next("section") is section
    rows = section.select("li")
    assert len(rows) == 3
    assert ["Rita Requester" in rows[0].get_text(), "Sam Second" in rows[0].get_text()] == [
        True,
        False,
    ]
    buttons = [b.get_text(" ", strip=True) for b in rows[0].find_all("button")]
    assert buttons[0].startswith("Approve") and buttons[1].startswith("Decline")
    assert "Rita Requester" in buttons[0]  # its accessible name says which request

    # Without JavaScript: a POST form, back to the dashboard with a message.
    form = rows[0].find("form")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    response = client.post(form["action"], data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/me/"
    page = soup(client.get("/me/"))
    assert "The request of Rita Requester is approved" in page.get_text()
    assert len(page.find(id="booking-requests").select("li")) == 2
    assert status_of(client, first["token"]) == "confirmed"
    assert "Rita Requester" in page.find(id="week").get_text()

    # With htmx, from the bookings list: the requests section comes back, swapped in place.
    listing = soup(client.get("/me/bookings"))
    section = listing.find(id="booking-requests")
    assert section.find_next(id="bookings-list") is not None
    decline_form = section.select("li")[0].find_all("form")[1]
    assert decline_form["hx-target"] == "#booking-requests"
    data = {i["name"]: i.get("value", "") for i in decline_form.find_all("input")}
    fragment = client.post(decline_form["hx-post"], data=data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    part = soup(fragment)
    assert part.find("section")["id"] == "booking-requests" and part.find("html") is None
    assert "The request of Sam Second is declined" in part.get_text()
    assert [("Tom Third" in li.get_text()) for li in part.select("li")] == [True]
    assert status_of(client, second["token"]) == "declined"
    cancelled = soup(client.get("/me/bookings?show=cancelled"))
    assert "Sam Second" in cancelled.get_text() and "Declined" in cancelled.get_text()

    # The booking's page: its status, and both answers (the decline with a reason).
    listed = client.get("/api/v1/me/bookings?status=pending", headers=olga["headers"]).json
    (pending,) = listed["bookings"]
    detail_link = soup(client.get("/me/")).find(id="booking-requests").find("a")["href"]
    detail = soup(client.get(detail_link))
    assert "Waiting for your answer" in detail.find(id="booking-details").get_text()
    decline = detail.find("form", action=lambda a: a and a.endswith("/decline"))
    assert decline.find("button", string="Decline") is not None
    assert detail.find("form", action=lambda a: a and a.endswith("/confirm")) is not None
    assert detail.find("button", string="Cancel booking") is None
    response = client.post(decline["action"], data={"reason": "Not this one."})
    assert response.status_code == 303
    detail = soup(client.get(response.headers["Location"]))
    assert "Declined" in detail.find(id="booking-details").get_text()
    assert "Not this one." in detail.get_text()
    assert status_of(client, third["token"]) == "declined"
    assert pending["uid"] == third["uid"]

    # A second answer from /me is refused, and says so.
    again = client.post(decline["action"].replace("/decline", "/confirm"), data={})
    assert again.status_code == 303
    assert "already been answered" in soup(client.get(again.headers["Location"])).get_text()
    assert status_of(client, third["token"]) == "declined"
    assert soup(client.get("/me/")).find(id="booking-requests") is None

    worker(app)
    assert smtp_sink.wait_for(6 + 2 + 2)
    tom = [m for m in mails(smtp_sink, "tom@example.net") if m["Subject"].startswith("Declined")]
    assert "Reason: Not this one." in text_of(tom[0])


def test_an_attendee_may_cancel_a_request(app, client, olga, smtp_sink, start):
    booking = ask(client, start)
    page = soup(client.get(f"/m/{booking['token']}"))
    form = page.find("form", action=f"/m/{booking['token']}/cancel")
    response = client.post(form["action"], data={"reason": "Found another time"})
    assert response.status_code == 303
    assert status_of(client, booking["token"]) == "cancelled"
    assert start.isoformat() in free_starts(client, start)
    confirm = client.post(f"/api/v1/me/bookings/{booking['uid']}/confirm", headers=olga["headers"])
    assert confirm.status_code == 410


# --- calendars ------------------------------------------------------------------------------


def test_the_bookings_feed_has_a_request_only_once_confirmed(app, client, olga, start):
    from bwm.extensions import db
    from bwm.services.calendars.feed import new_feed_secret

    with app.app_context():
        secret = new_feed_secret(olga["id"], now=start - timedelta(days=3)).secret
        db.session.commit()
    pending = ask(client, start)
    declined = ask(client, start + timedelta(hours=2), email="sam@example.net")
    cancelled = ask(client, start + timedelta(hours=4), email="tom@example.net")
    client.post(f"/api/v1/me/bookings/{declined['uid']}/decline", headers=olga["headers"])
    client.delete(f"/api/v1/bookings/{cancelled['token']}")

    def uids() -> set[str]:
        response = client.get(f"/feeds/{secret}.ics")
        assert response.status_code == 200
        cal = Calendar.from_ical(response.data)
        return {str(c["UID"]) for c in cal.walk() if c.name == "VEVENT"}

    assert uids() == set()
    client.post(f"/api/v1/me/bookings/{pending['uid']}/confirm", headers=olga["headers"])
    assert uids() == {pending["uid"]}


def test_caldav_gets_a_request_only_once_confirmed(app, client, olga, start):
    from caldav.lib.error import NotFoundError

    from tests.calendar_servers import Radicale

    radicale = Radicale().start()
    try:
        url = radicale.make_calendar("olga", "work")
        body = {
            "kind": "caldav",
            "url": url,
            "username": "olga",
            "password": "pw",
            "write_bookings": True,
        }
        assert (
            client.post("/api/v1/me/calendars", json=body, headers=olga["headers"]).status_code
            == 201
        )
        worker(app)

        def remote(uid: str):
            client_, cal = radicale.calendar(url, "olga")
            with client_:
                return cal.get_event_by_uid(uid)

        booking = ask(client, start)
        declined = ask(client, start + timedelta(hours=2), email="sam@example.net")
        assert "calendar_write_back 0" in worker(app)
        for uid in (booking["uid"], declined["uid"]):
            with pytest.raises(NotFoundError):
                remote(uid)
        client.post(f"/api/v1/me/bookings/{declined['uid']}/decline", headers=olga["headers"])
        client.post(f"/api/v1/me/bookings/{booking['uid']}/confirm", headers=olga["headers"])
        assert "calendar_write_back 1" in worker(app)
        assert str(remote(booking["uid"]).icalendar_component["UID"]) == booking["uid"]
        with pytest.raises(NotFoundError):
            remote(declined["uid"])
    finally:
        radicale.close()


def test_the_booking_form_says_it_sends_a_request(client, olga, start):
    from tests.conftest import soup

    page = soup(client.get("/b/olga/ask/book", query_string={"start": start.isoformat()}))
    assert "you get the answer by email" in page.find(id="needs-approval").get_text()
    assert page.select_one("form.card button[type=submit]").get_text() == "Send request"
    plain = soup(
        client.get("/b/olga/30-minute-meeting/book", query_string={"start": start.isoformat()})
    )
    assert plain.find(id="needs-approval") is None
    assert plain.select_one("form.card button[type=submit]").get_text() == "Book"
