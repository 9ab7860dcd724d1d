"""Booking end to end: picker, form, confirmation, emails with invitations, manage link, API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    """Olga, in Stockholm, with the headers of an API token."""
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


def monday_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(next_weekday(0), datetime.min.time(), STOCKHOLM).replace(
        hour=hour, minute=minute
    )


def invitation(message) -> Calendar:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def event(message):
    return next(c for c in invitation(message).walk() if c.name == "VEVENT")


def by_recipient(sink) -> dict[str, list]:
    out: dict[str, list] = {}
    for message in sink.messages:
        out.setdefault(message["To"], []).append(message)
    return out


def book_api(client, start: datetime, **extra):
    body = {
        "start": start.isoformat(),
        "name": "Anna Attendee",
        "email": "anna@example.org",
        "timezone": "America/New_York",
        **extra,
    }
    return client.post("/api/v1/pages/olga/types/30-minute-meeting/bookings", json=body)


def test_book_through_the_pages_without_javascript(client, organizer, smtp_sink, clock):
    # In January New York is 6 hours behind Stockholm: the first time, 09:00 there, is 03:00.
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    monday = next_weekday(0, today=clock.now.date())
    picker = soup(
        client.get(
            "/b/olga/30-minute-meeting",
            query_string={
                "tz": "America/New_York",
                "month": monday.strftime("%Y-%m"),
                "date": monday.isoformat(),
            },
        )
    )
    first = picker.select_one(".times a")
    assert first.get_text(strip=True) == "03:00"
    form_page = client.get(first["href"])
    assert form_page.status_code == 200
    page = soup(form_page)
    for label in ("Name", "Email", "Note"):
        assert page.find("label", string=label) is not None
    assert page.find("button", string="Book") is not None
    assert monday.strftime("%A") in page.get_text()
    form = page.find("form", method="post")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    data.update(name="Anna Attendee", email="anna@example.org", note="<b>bring</b> slides")
    response = client.post(form["action"], data=data)
    assert response.status_code == 303
    manage_path = response.headers["Location"]
    assert manage_path.startswith("/m/")
    confirmation = soup(client.get(manage_path))
    text = confirmation.get_text(" ")
    assert "confirmed" in text
    assert "America/New York" in text and "Europe/Stockholm" in text
    assert confirmation.find("a", href=f"{manage_path}/invite.ics") is not None
    assert smtp_sink.wait_for(2)
    mails = by_recipient(smtp_sink)
    (attendee,) = mails["anna@example.org"]
    (organizer_mail,) = mails["olga@example.com"]
    assert "http://bwm.example.com" + manage_path in attendee.get_body(("plain",)).get_content()
    html = organizer_mail.get_body(("html",)).get_content()
    assert "&lt;b&gt;bring&lt;/b&gt; slides" in html and "<b>bring</b>" not in html
    for message in (attendee, organizer_mail):
        cal = invitation(message)
        assert cal["METHOD"] == "REQUEST"
        ev = event(message)
        assert ev["DTSTART"].dt.utcoffset() == timedelta(0)
        assert ev["SEQUENCE"] == 0
        assert str(ev["ORGANIZER"]) == "mailto:olga@example.com"
        assert str(ev["ATTENDEE"]) == "mailto:anna@example.org"
    assert event(attendee)["UID"] == event(organizer_mail)["UID"]
    assert manage_path in str(event(attendee)["DESCRIPTION"])
    assert "DESCRIPTION" not in event(organizer_mail) or manage_path not in str(
        event(organizer_mail)["DESCRIPTION"]
    )
    ics = client.get(f"{manage_path}/invite.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert Calendar.from_ical(ics.data).walk("VEVENT")[0]["UID"] == event(attendee)["UID"]


def test_api_booking_answers_201_and_takes_the_slot(client, organizer, smtp_sink):
    start = monday_at(10)
    response = book_api(client, start, note="hi")
    assert response.status_code == 201
    body = response.json
    booking = body["booking"]
    assert booking["status"] == "confirmed"
    assert datetime.fromisoformat(booking["start"]) == start
    assert datetime.fromisoformat(booking["end"]) == start + timedelta(minutes=30)
    assert body["manage_url"].startswith("http://bwm.example.com/m/")
    token = body["manage_url"].rsplit("/", 1)[1]
    shown = client.get(f"/api/v1/bookings/{token}").json["booking"]
    assert shown["uid"] == booking["uid"]
    assert shown["attendee"] == {
        "name": "Anna Attendee",
        "email": "anna@example.org",
        "timezone": "America/New_York",
    }
    assert shown["note"] == "hi"
    assert shown["meeting_type"] == "30-minute-meeting"
    day = start.date().isoformat()
    slots = client.get(
        f"/api/v1/pages/olga/types/30-minute-meeting/slots?start={day}&end={day}"
    ).json["slots"]
    assert start.isoformat() not in slots
    assert len(slots) == 15
    again = book_api(client, start)
    assert again.status_code == 409
    assert "error" in again.json
    # The 60-minute type overlapping 10:00-10:30 loses 09:30 and 10:00 too.
    client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Hour", "slug": "hour", "duration_minutes": 60, "slot_step_minutes": 30},
        headers=organizer["headers"],
    )
    hours = client.get(f"/api/v1/pages/olga/types/hour/slots?start={day}&end={day}").json["slots"]
    assert monday_at(9, 30).isoformat() not in hours
    assert monday_at(10).isoformat() not in hours
    assert monday_at(9).isoformat() in hours and monday_at(10, 30).isoformat() in hours


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"start": "monday"}, "start"),
        ({"start": "2027-03-01T10:00:00"}, "start"),
        ({"timezone": "Moon/Base"}, "timezone"),
        ({"note": "x" * 3000}, "note"),
    ],
)
def test_api_booking_bad_input_is_422(client, organizer, change, field):
    body = {"start": monday_at(10).isoformat(), "name": "A", "email": "a@example.org", **change}
    response = client.post("/api/v1/pages/olga/types/30-minute-meeting/bookings", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_a_time_that_is_not_a_slot_is_409(client, organizer, clock):
    assert book_api(client, monday_at(10, 10)).status_code == 409  # not on the 30-minute grid
    assert book_api(client, monday_at(20)).status_code == 409  # outside hours
    past = clock.now.astimezone(STOCKHOLM) - timedelta(days=7)
    assert (
        book_api(client, past.replace(hour=10, minute=0, second=0, microsecond=0)).status_code
        == 409
    )


def test_reschedule_and_cancel_through_the_api(client, organizer, smtp_sink):
    created = book_api(client, monday_at(10)).json
    token = created["manage_url"].rsplit("/", 1)[1]
    assert smtp_sink.wait_for(2)
    moved = client.patch(f"/api/v1/bookings/{token}", json={"start": monday_at(14).isoformat()})
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json["booking"]["start"]) == monday_at(14)
    assert smtp_sink.wait_for(4)
    day = monday_at(10).date().isoformat()
    slots = client.get(
        f"/api/v1/pages/olga/types/30-minute-meeting/slots?start={day}&end={day}"
    ).json["slots"]
    assert monday_at(10).isoformat() in slots  # the old time is free again
    assert monday_at(14).isoformat() not in slots
    rescheduled = [m for m in smtp_sink.messages[2:] if m["To"] == "anna@example.org"][0]
    assert event(rescheduled)["UID"] == created["booking"]["uid"]
    assert event(rescheduled)["SEQUENCE"] == 1
    assert invitation(rescheduled)["METHOD"] == "REQUEST"
    assert created["manage_url"].split("/m/")[1] in str(event(rescheduled)["DESCRIPTION"])
    cancelled = client.delete(f"/api/v1/bookings/{token}", json={"reason": "Ill"})
    assert cancelled.status_code == 200
    assert cancelled.json["booking"]["status"] == "cancelled"
    assert smtp_sink.wait_for(6)
    cancel_mails = smtp_sink.messages[4:]
    assert {m["To"] for m in cancel_mails} == {"anna@example.org", "olga@example.com"}
    for message in cancel_mails:
        assert invitation(message)["METHOD"] == "CANCEL"
        assert event(message)["SEQUENCE"] == 2
        assert "Ill" in message.get_body(("plain",)).get_content()
    assert (
        client.patch(
            f"/api/v1/bookings/{token}", json={"start": monday_at(15).isoformat()}
        ).status_code
        == 410
    )
    assert client.delete(f"/api/v1/bookings/{token}").status_code == 410
    assert client.get(f"/api/v1/bookings/{token}").json["booking"]["status"] == "cancelled"
    page = client.post(f"/m/{token}/cancel", data={"reason": ""})
    assert page.status_code == 410
    assert "cancelled" in soup(page).get_text()


def test_manage_pages_reschedule_and_cancel(client, organizer, smtp_sink):
    created = book_api(client, monday_at(10)).json
    path = "/m/" + created["manage_url"].rsplit("/", 1)[1]
    before = client.get(f"/api/v1/bookings/{path[3:]}").json
    page = soup(client.get(path))
    assert page.find("a", string="Reschedule") is not None
    picker = soup(
        client.get(
            f"{path}/reschedule",
            query_string={
                "tz": "America/New_York",
                "month": monday_at(10).strftime("%Y-%m"),
                "date": monday_at(10).date().isoformat(),
            },
        )
    )
    times = picker.select(".times a")
    assert times
    # Viewing the confirmation changes nothing (mail scanners open every link).
    target = times[-1]["href"]
    confirm = soup(client.get(target))
    assert client.get(f"/api/v1/bookings/{path[3:]}").json == before
    form = confirm.find("form", method="post")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    response = client.post(form["action"], data=data)
    assert response.status_code == 303
    after = client.get(f"/api/v1/bookings/{path[3:]}").json["booking"]
    assert after["start"] != before["booking"]["start"]
    response = client.post(f"{path}/cancel", data={"reason": "Plans changed"})
    assert response.status_code == 303
    text = soup(client.get(path)).get_text(" ")
    assert "cancelled" in text and "Plans changed" in text


def test_tampered_manage_links_are_404(client, organizer):
    created = book_api(client, monday_at(10)).json
    token = created["manage_url"].rsplit("/", 1)[1]
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/m/{bad}").status_code == 404
    assert client.get(f"/api/v1/bookings/{bad}").status_code == 404
    assert client.delete(f"/api/v1/bookings/{bad}").status_code == 404
    assert client.get(f"/api/v1/bookings/{token}").status_code == 200


def test_online_meetings_get_their_own_room(client, organizer, smtp_sink):
    client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Video", "slug": "video", "duration_minutes": 30, "location_kind": "online"},
        headers=organizer["headers"],
    )
    urls = []
    for hour in (10, 11):
        response = client.post(
            "/api/v1/pages/olga/types/video/bookings",
            json={"start": monday_at(hour).isoformat(), "name": "A", "email": "a@example.org"},
        )
        assert response.status_code == 201
        token = response.json["manage_url"].rsplit("/", 1)[1]
        url = client.get(f"/api/v1/bookings/{token}").json["booking"]["online_meeting_url"]
        assert url.startswith("https://meet.jit.si/")
        assert url in soup(client.get(f"/m/{token}")).get_text()
        urls.append(url)
    assert urls[0] != urls[1]
    assert smtp_sink.wait_for(4)
    for message in smtp_sink.messages:
        ev = event(message)
        assert str(ev["LOCATION"]) in urls
        assert str(ev["LOCATION"]) in message.get_body(("plain",)).get_content()


def test_newlines_in_names_never_reach_a_header(client, organizer, smtp_sink):
    response = book_api(client, monday_at(10), name="Eve\r\nBcc: victim@example.net")
    assert response.status_code == 201
    assert smtp_sink.wait_for(2)
    for received in smtp_sink.received:
        assert "victim@example.net" not in received.rcpt_tos
        assert received.message["Bcc"] is None


def test_organizer_lists_and_cancels_bookings(client, organizer, smtp_sink):
    first = book_api(client, monday_at(10)).json["booking"]
    second = book_api(client, monday_at(11)).json["booking"]
    headers = organizer["headers"]
    listed = client.get("/api/v1/me/bookings", headers=headers).json["bookings"]
    assert [b["uid"] for b in listed] == [first["uid"], second["uid"]]
    response = client.post(
        f"/api/v1/me/bookings/{first['uid']}/cancel",
        json={"reason": "Double-booked elsewhere"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json["booking"]["status"] == "cancelled"
    assert smtp_sink.wait_for(6)
    told = [m for m in smtp_sink.messages[4:] if m["To"] == "anna@example.org"]
    assert told and "Double-booked elsewhere" in told[0].get_body(("plain",)).get_content()
    confirmed = client.get("/api/v1/me/bookings?status=confirmed", headers=headers).json
    assert [b["uid"] for b in confirmed["bookings"]] == [second["uid"]]
    day = monday_at(10).date().isoformat()
    ranged = client.get(f"/api/v1/me/bookings?from={day}&to={day}", headers=headers).json
    assert len(ranged["bookings"]) == 2
    assert client.get("/api/v1/me/bookings?from=x", headers=headers).status_code == 422
    assert client.post("/api/v1/me/bookings/nope/cancel", headers=headers).status_code == 404


def test_booking_post_is_rate_limited(make_app, organizer, smtp_sink):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_BOOKING="2 per minute",
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=smtp_sink.port,
    )
    client = app.test_client()
    codes = [book_api(client, monday_at(10 + i)).status_code for i in range(3)]
    assert codes == [201, 201, 429]


def test_a_mail_server_down_never_loses_the_booking(make_app, organizer, smtp_sink):
    from tests.smtp import free_port

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    client = app.test_client()
    response = book_api(client, monday_at(10))
    assert response.status_code == 201
    with app.app_context():
        from bwm.outbox import outbox_counts

        assert outbox_counts().get("pending") == 2


def test_a_past_booking_cannot_be_changed(client, organizer, clock):
    created = book_api(client, monday_at(10)).json
    token = created["manage_url"].rsplit("/", 1)[1]
    clock.now = monday_at(10, 45)
    assert (
        client.patch(
            f"/api/v1/bookings/{token}", json={"start": monday_at(14).isoformat()}
        ).status_code
        == 410
    )
    assert client.delete(f"/api/v1/bookings/{token}").status_code == 410
    page = client.post(f"/m/{token}/cancel", data={"reason": ""})
    assert page.status_code == 410
    assert "already taken place" in soup(page).get_text()
    assert client.get(f"/m/{token}/reschedule").status_code == 410
    shown = soup(client.get(f"/m/{token}"))
    assert "has taken place" in shown.get_text()
    assert shown.find("button", string="Cancel booking") is None
    assert client.get(f"/api/v1/bookings/{token}").json["booking"]["status"] == "confirmed"
