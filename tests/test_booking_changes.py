"""Who may change a booking's time, and how (SPEC §9): the attendee's cut-off, the organizer moving
a booking (API and a picker in /me), and the organizer asking the attendee for a new time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import Clock, soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def monday() -> datetime:
    day = next_weekday(0, at_least=5)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def clock(monday) -> Clock:
    return Clock(monday - timedelta(days=3))


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def olga(make_user, make_token, client):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    types = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    type_id = next(t["id"] for t in types if t["slug"] == "30-minute-meeting")
    response = client.patch(
        f"/api/v1/me/meeting-types/{type_id}",
        json={"attendee_change_cutoff_minutes": 1440},
        headers=headers,
    )
    assert response.status_code == 200
    return {**user, "headers": headers}


def book(client, at: datetime) -> tuple[dict, str]:
    response = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={
            "start": at.isoformat(),
            "name": "Anna",
            "email": "anna@example.org",
            "timezone": "Europe/London",
        },
    )
    assert response.status_code == 201, response.json
    return response.json["booking"], response.json["manage_url"].split("/m/", 1)[1]


def booking_id(app, uid: str) -> int:
    from bwm.extensions import db
    from bwm.models import Booking

    with app.app_context():
        return db.session.query(Booking.id).filter_by(uid=uid).scalar()


def to_anna(sink, subject_start: str) -> list:
    return [
        m
        for m in sink.messages
        if m["To"] == "anna@example.org" and m["Subject"].startswith(subject_start)
    ]


def event_of(message):
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            cal = Calendar.from_ical(part.get_payload(decode=True))
            return next(c for c in cal.walk() if c.name == "VEVENT")
    return None


def test_the_attendee_may_change_until_the_cutoff_and_is_told_whom_to_ask(
    client, olga, clock, monday
):
    booking, token = book(client, monday)
    page = soup(client.get(f"/m/{token}"))
    note = page.find(id="cutoff-note").get_text()
    assert "Olga <olga@example.com>" in note and "09:00" in note  # in the attendee's zone

    clock.now = monday - timedelta(hours=23)
    later = (monday + timedelta(hours=1)).isoformat()
    moved = client.patch(f"/api/v1/bookings/{token}", json={"start": later})
    assert moved.status_code == 403
    assert moved.json["reason"] == "cutoff" and "1440 minutes" in moved.json["error"]
    cancelled = client.delete(f"/api/v1/bookings/{token}")
    assert cancelled.status_code == 403

    page = soup(client.get(f"/m/{token}"))
    assert "contact Olga <olga@example.com>" in page.find(id="cutoff").get_text()
    assert page.find("form", action=f"/m/{token}/cancel") is None
    refused = client.post(f"/m/{token}/cancel", data={"reason": "ill"})
    assert refused.status_code == 403
    alert = soup(refused).find(role="alert").get_text()
    assert "1 day" in alert and "olga@example.com" in alert
    assert client.get(f"/m/{token}/reschedule").status_code == 403

    shown = client.get(f"/api/v1/bookings/{token}").json["booking"]
    assert shown["status"] == "confirmed" and shown["start"] == booking["start"]

    # The organizer may still cancel it.
    uid = booking["uid"]
    response = client.post(f"/api/v1/me/bookings/{uid}/cancel", headers=olga["headers"])
    assert response.status_code == 200 and response.json["booking"]["status"] == "cancelled"


def test_the_organizer_moves_a_booking_through_the_api(client, olga, clock, monday, smtp_sink):
    booking, _token = book(client, monday)
    other, _ = book(client, monday + timedelta(hours=2))
    assert smtp_sink.wait_for(4)
    clock.now = monday - timedelta(hours=2)  # past the attendee's cut-off: not the organizer's
    uid = booking["uid"]

    taken = client.patch(
        f"/api/v1/me/bookings/{uid}", json={"start": other["start"]}, headers=olga["headers"]
    )
    assert taken.status_code == 409
    new_start = monday + timedelta(hours=4)
    moved = client.patch(
        f"/api/v1/me/bookings/{uid}",
        json={"start": new_start.isoformat()},
        headers=olga["headers"],
    )
    assert moved.status_code == 200, moved.json
    assert datetime.fromisoformat(moved.json["booking"]["start"]) == new_start

    assert smtp_sink.wait_for(6)
    (message,) = to_anna(smtp_sink, "Moved")
    event = event_of(message)
    assert event["SEQUENCE"] == 1 and event.start == new_start

    stranger = client.patch(
        "/api/v1/me/bookings/nobody@bwm",
        json={"start": new_start.isoformat()},
        headers=olga["headers"],
    )
    assert stranger.status_code == 404


def test_the_organizer_moves_a_booking_with_the_picker(app, client, olga, login, monday):
    booking, token = book(client, monday)
    login(olga)
    detail = f"/me/bookings/{booking_id(app, booking['uid'])}"
    move = soup(client.get(detail)).find(id="move-booking")["href"]
    day = monday.date().isoformat()
    picker = soup(client.get(move, query_string={"date": day, "month": day[:7]}))
    times = {a.get_text(strip=True): a["href"] for a in picker.select(".times a")}
    assert "10:00" not in times  # its own time is taken
    confirm = soup(client.get(times["14:00"]))
    form = confirm.find("form", action=f"{move}/confirm")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    response = client.post(f"{move}/confirm", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith(detail)
    shown = client.get(f"/api/v1/bookings/{token}").json["booking"]
    assert datetime.fromisoformat(shown["start"]) == monday.replace(hour=14)


def test_the_organizer_asks_the_attendee_for_a_new_time(
    app, client, olga, login, clock, monday, smtp_sink
):
    booking, token = book(client, monday)
    assert smtp_sink.wait_for(2)
    clock.now = monday - timedelta(hours=3)  # past the cut-off: the request lets them move it
    response = client.post(
        f"/api/v1/me/bookings/{booking['uid']}/request-reschedule",
        json={"message": "Something came up on my side, sorry!"},
        headers=olga["headers"],
    )
    assert response.status_code == 200
    assert response.json["booking"]["start"] == booking["start"]  # it stands until they pick

    assert smtp_sink.wait_for(3)
    (message,) = to_anna(smtp_sink, "Please pick a new time")
    text = message.get_body(("plain",)).get_content()
    assert "Something came up on my side, sorry!" in text
    assert f"http://bwm.example.com/m/{token}/reschedule" in text
    assert event_of(message) is None  # nothing changed yet: no invitation

    page = soup(client.get(f"/m/{token}"))
    assert page.find(id="asked-to-move") is not None
    later = (monday + timedelta(hours=5)).isoformat()
    moved = client.patch(f"/api/v1/bookings/{token}", json={"start": later})
    assert moved.status_code == 200
    assert soup(client.get(f"/m/{token}")).find(id="asked-to-move") is None

    # From /me too: the form sends it, and says so.
    login(olga)
    detail = f"/me/bookings/{booking_id(app, booking['uid'])}"
    move = soup(client.get(f"{detail}/move"))
    form = move.find("form", action=f"{detail}/request-reschedule")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input")}
    sent = client.post(f"{detail}/request-reschedule", data={**data, "message": "Again, sorry"})
    assert sent.status_code == 303
    assert "asked by email" in soup(client.get(sent.headers["Location"])).get_text()
    assert smtp_sink.wait_for(6)
    assert len(to_anna(smtp_sink, "Please pick a new time")) == 2
