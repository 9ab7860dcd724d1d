"""A meeting type's colour, reminder text and follow-up (SPEC §9): the colour in the type list, the
organizer's feed and CalDAV write-back (COLOR, CATEGORIES); the reminder text in reminders; the
follow-up sent once by the worker, never for a cancelled or declined booking."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.calendar_servers import Radicale
from tests.conftest import Clock, soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def start() -> datetime:
    day = next_weekday(2, at_least=5)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def clock(start) -> Clock:
    return Clock(start - timedelta(days=3))


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(
        MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock, CALENDAR_TIMEOUT=5
    )


@pytest.fixture
def olga(make_user, make_token, client):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    types = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    mt = next(t for t in types if t["slug"] == "30-minute-meeting")
    return {**user, "headers": headers, "type_id": mt["id"]}


def set_type(client, olga, **fields) -> dict:
    response = client.patch(
        f"/api/v1/me/meeting-types/{olga['type_id']}", json=fields, headers=olga["headers"]
    )
    assert response.status_code == 200, response.json
    return response.json


def book(client, at: datetime) -> dict:
    response = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": at.isoformat(), "name": "Anna", "email": "anna@example.org"},
    )
    assert response.status_code == 201, response.json
    return response.json


def worker_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def vevent_of(ics: bytes, uid: str):
    return next(
        c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT" and str(c["UID"]) == uid
    )


def test_a_colour_is_checked_and_shown_in_the_type_list(client, olga, login):
    bad = client.patch(
        f"/api/v1/me/meeting-types/{olga['type_id']}",
        json={"color": "blue"},
        headers=olga["headers"],
    )
    assert bad.status_code == 422 and "colour" in bad.json["errors"]["color"]
    assert set_type(client, olga, color="#2F6FDF")["color"] == "#2f6fdf"
    login(olga)
    row = soup(client.get("/me/types")).find(id=f"type-{olga['type_id']}")
    assert row.find("svg", class_="swatch").find("rect")["fill"] == "#2f6fdf"
    assert set_type(client, olga, color=None)["color"] is None


def test_the_feed_carries_the_colour_and_the_type_as_category(client, olga, login, start):
    set_type(client, olga, color="#2f6fdf")
    login(olga)
    assert client.post("/me/calendars/feed").status_code == 303
    feed_url = soup(client.get("/me/calendars")).find(id="feed-url")["value"]
    uid = book(client, start)["booking"]["uid"]
    feed = client.get(feed_url.removeprefix("http://bwm.example.com"))
    event = vevent_of(feed.data, uid)
    assert str(event["COLOR"]) == "royalblue"  # RFC 7986: a CSS colour name
    assert str(event["X-BWM-COLOR"]) == "#2f6fdf"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["30 minute meeting"]


@pytest.fixture
def radicale():
    server = Radicale().start()
    yield server
    server.close()


def test_caldav_write_back_carries_the_colour(app, client, olga, radicale, start):
    set_type(client, olga, color="#c0392b")
    work = radicale.make_calendar("olga", "work")
    body = {
        "kind": "caldav",
        "url": work,
        "username": "olga",
        "password": "app-password",
        "write_bookings": True,
    }
    assert (
        client.post("/api/v1/me/calendars", json=body, headers=olga["headers"]).status_code == 201
    )
    worker_once(app)
    uid = book(client, start)["booking"]["uid"]
    worker_once(app)
    dav, cal = radicale.calendar(work, "olga")
    with dav:
        event = cal.get_event_by_uid(uid).icalendar_component
    assert str(event["COLOR"]) == "firebrick"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["30 minute meeting"]


def test_reminders_carry_the_types_text(app, client, olga, clock, start, smtp_sink):
    set_type(client, olga, reminders_minutes=[60], reminder_message="Bring last year's figures.")
    book(client, start)
    worker_once(app)
    assert smtp_sink.wait_for(2)
    clock.now = start - timedelta(minutes=59)
    worker_once(app)
    assert smtp_sink.wait_for(4)
    reminders = [m for m in smtp_sink.messages if m["Subject"].startswith("Reminder")]
    assert {m["To"] for m in reminders} == {"anna@example.org", "olga@example.com"}
    for message in reminders:
        assert "Bring last year's figures." in message.get_body(("plain",)).get_content()
        assert "Bring last year" in message.get_body(("html",)).get_content()


def follow_ups(sink) -> list:
    return [m for m in sink.messages if m["Subject"].startswith("Following up")]


def test_the_follow_up_is_sent_once_after_the_end(app, client, olga, clock, start, smtp_sink):
    set_type(client, olga, follow_up_minutes=120, follow_up_message="Here are the slides.")
    book(client, start)
    cancelled = book(client, start + timedelta(hours=2))
    manage = cancelled["manage_url"].split("/m/", 1)[1]
    assert client.delete(f"/api/v1/bookings/{manage}").status_code == 200
    worker_once(app)
    assert smtp_sink.wait_for(4)  # two booked, one cancelled: four emails, no follow-up

    clock.now = start + timedelta(minutes=30 + 119)  # a minute before: nothing
    worker_once(app)
    assert follow_ups(smtp_sink) == []

    clock.now = start + timedelta(minutes=30 + 120)
    assert "follow_ups 1" in worker_once(app)
    assert smtp_sink.wait_for(7)
    (message,) = follow_ups(smtp_sink)
    assert message["To"] == "anna@example.org"
    text = message.get_body(("plain",)).get_content()
    assert "Here are the slides." in text and "http://bwm.example.com/b/olga" in text
    assert not any(p.get_content_type() == "text/calendar" for p in message.walk())

    # Never twice, and never for the cancelled one, however long the worker goes on.
    clock.advance(hours=5)
    assert "follow_ups 0" in worker_once(app)
    assert len(follow_ups(smtp_sink)) == 1


def test_a_follow_up_missed_by_a_day_is_not_sent_late(app, client, olga, clock, start, smtp_sink):
    set_type(client, olga, follow_up_minutes=0)
    book(client, start)
    clock.now = start + timedelta(days=2)
    assert "follow_ups 0" in worker_once(app)
    assert follow_ups(smtp_sink) == []
