"""CalDAV calendars end to end, against a real Radicale started by the tests: busy time read with
the same rules as feeds, bookings written, moved and removed, the server going down and back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from caldav.lib.error import NotFoundError

from bwm.extensions import db
from tests.calendar_servers import Radicale
from tests.helpers import next_weekday
from tests.test_calendars import DAY, free_times, local, stored, without, worker_once

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def app(make_app):
    return make_app(MAIL_SUPPRESS_SEND=True, CALENDAR_TIMEOUT=5)


@pytest.fixture
def radicale():
    server = Radicale().start()
    yield server
    server.close()


@pytest.fixture
def olga(make_user, make_token):
    user = make_user(email="olga@example.com", slug="olga", timezone="Europe/Stockholm")
    return {**user, "headers": make_token(user["id"])}


@pytest.fixture
def work(radicale) -> str:
    """Olga's calendar on the Radicale server."""
    return radicale.make_calendar("olga", "work")


def vevent(uid: str, day: date, start: str, end: str, *extra: str) -> str:
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//tests//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Stockholm:{local(day, start)}",
            f"DTEND;TZID=Europe/Stockholm:{local(day, end)}",
            *extra,
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def add_events(radicale, url: str, *events: str) -> None:
    client, cal = radicale.calendar(url, "olga")
    with client:
        for text in events:
            cal.add_event(text)


def connect(client, olga, url: str, **extra) -> dict:
    body = {"kind": "caldav", "url": url, "username": "olga", "password": "app-password", **extra}
    response = client.post("/api/v1/me/calendars", json=body, headers=olga["headers"])
    assert response.status_code == 201, response.text
    return response.json


def sync(client, olga, calendar_id: int) -> dict:
    response = client.post(f"/api/v1/me/calendars/{calendar_id}/sync", headers=olga["headers"])
    assert response.status_code == 200, response.text
    return response.json


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), STOCKHOLM).replace(hour=hour, minute=minute)


def test_busy_time_from_a_caldav_calendar(app, client, olga, radicale, work):
    mon = next_weekday(0)
    tue, wed = mon + timedelta(days=1), mon + timedelta(days=2)
    series = vevent(
        "standup@tests",
        mon,
        "09:00",
        "09:30",
        "RRULE:FREQ=DAILY;COUNT=3",
        f"EXDATE;TZID=Europe/Stockholm:{local(tue, '09:00')}",
    )
    moved = series.replace(
        "END:VCALENDAR",
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:standup@tests",
                "DTSTAMP:20260101T000000Z",
                f"RECURRENCE-ID;TZID=Europe/Stockholm:{local(wed, '09:00')}",
                f"DTSTART;TZID=Europe/Stockholm:{local(wed, '15:00')}",
                f"DTEND;TZID=Europe/Stockholm:{local(wed, '15:30')}",
                "END:VEVENT",
                "END:VCALENDAR",
            ]
        ),
    )
    add_events(
        radicale,
        work,
        moved,
        vevent("focus@tests", mon, "13:00", "14:00", "TRANSP:TRANSPARENT"),
        vevent("away@tests", mon, "14:00", "15:00", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"),
        vevent("gone@tests", tue, "14:00", "15:00", "STATUS:CANCELLED"),
        vevent(
            "elsewhere@tests", tue, "10:00", "11:00", "X-MICROSOFT-CDO-BUSYSTATUS:WORKINGELSEWHERE"
        ),
    )
    cal = connect(client, olga, work)
    assert cal["status"] == "pending"
    assert "calendar_sync 1" in worker_once(app)

    shown = client.get(f"/api/v1/me/calendars/{cal['id']}", headers=olga["headers"]).json
    assert shown["status"] == "ok", shown["error"]
    assert shown["name"] == "Work"
    assert free_times(client, mon, wed) == {
        mon: without("09:00", "14:00", "14:30"),  # standup; out of office; focus time is free
        tue: DAY,  # standup excluded; cancelled and working elsewhere don't block
        wed: without("15:00"),  # standup moved to 15:00
    }


def test_a_caldav_event_keeps_its_summary_location_and_description(
    app, client, olga, radicale, work
):
    mon = next_weekday(0)
    add_events(
        radicale,
        work,
        vevent(
            "review@tests",
            mon,
            "10:00",
            "11:00",
            "SUMMARY:Design review",
            "LOCATION:Room 4\\; second floor",
            "DESCRIPTION:Agenda:\\n1. Mockups\\n2. Budget",
        ),
    )
    cal = connect(client, olga, work)
    assert sync(client, olga, cal["id"])["status"] == "ok"
    assert stored(app) == [
        (at(mon, 10), "Design review", "Room 4; second floor", "Agenda:\n1. Mockups\n2. Budget")
    ]


def test_a_wrong_address_is_an_error_not_a_crash(client, olga, radicale):
    cal = connect(client, olga, radicale.url + "olga/no-such-calendar/")
    answer = sync(client, olga, cal["id"])
    assert answer["status"] == "error" and answer["error"]


def test_the_server_going_down_and_coming_back(client, olga, radicale, work, login):
    mon = next_weekday(0)
    add_events(radicale, work, vevent("meeting@tests", mon, "10:00", "11:00"))
    cal = connect(client, olga, work)
    good = sync(client, olga, cal["id"])
    assert good["status"] == "ok"

    radicale.stop()
    down = sync(client, olga, cal["id"])
    assert down["status"] == "error" and down["error"]
    assert down["last_synced_at"] == good["last_synced_at"]
    assert free_times(client, mon)[mon] == without("10:00", "10:30")  # the last good sync
    login(olga)
    page = client.get("/me/calendars")
    assert page.status_code == 200 and down["error"].encode() in page.data.replace(b"&#39;", b"'")

    radicale.start()
    add_events(radicale, work, vevent("later@tests", mon, "15:00", "15:30"))
    back = sync(client, olga, cal["id"])
    assert back["status"] == "ok" and back["error"] is None
    assert free_times(client, mon)[mon] == without("10:00", "10:30", "15:00")


# --- bookings written back --------------------------------------------------------------------


def book(client, start: datetime, type_slug: str = "30-minute-meeting"):
    response = client.post(
        f"/api/v1/pages/olga/types/{type_slug}/bookings",
        json={
            "start": start.isoformat(),
            "name": "Anna Attendee",
            "email": "anna@example.org",
            "note": "About the budget",
        },
    )
    assert response.status_code == 201, response.text
    return response.json["booking"]["uid"], response.json["manage_url"].split("/m/", 1)[1]


def remote_event(radicale, url: str, uid: str):
    client, cal = radicale.calendar(url, "olga")
    with client:
        return cal.get_event_by_uid(uid).icalendar_component


def test_bookings_are_written_moved_and_removed(app, client, olga, radicale, work):
    cal = connect(client, olga, work, write_bookings=True)
    assert cal["write_bookings"] is True
    worker_once(app)
    mon = next_weekday(0)

    uid, manage = book(client, at(mon, 10))
    output = worker_once(app)
    assert "calendar_write_back 1" in output
    event = remote_event(radicale, work, uid)
    assert str(event["UID"]) == uid
    assert event["SEQUENCE"] == 0
    assert event.start == at(mon, 10) and event.end == at(mon, 10, 30)
    assert "Anna Attendee" in str(event["SUMMARY"])
    assert "anna@example.org" in str(event["DESCRIPTION"])
    assert "ATTENDEE" not in event  # no invitations sent by the CalDAV server

    # Reading the calendar back does not count the booking twice: it can still be moved.
    assert sync(client, olga, cal["id"])["status"] == "ok"
    assert free_times(client, mon)[mon] == without("10:00")
    response = client.patch(f"/api/v1/bookings/{manage}", json={"start": at(mon, 14).isoformat()})
    assert response.status_code == 200, response.text
    worker_once(app)
    event = remote_event(radicale, work, uid)
    assert event.start == at(mon, 14)
    assert event["SEQUENCE"] == 1

    response = client.delete(f"/api/v1/bookings/{manage}")
    assert response.status_code == 200
    worker_once(app)
    with pytest.raises(NotFoundError):
        remote_event(radicale, work, uid)


def test_calendars_that_dont_receive_bookings_are_left_alone(app, client, olga, radicale, work):
    connect(client, olga, work)  # write_bookings off
    uid, _ = book(client, at(next_weekday(0), 10))
    assert "calendar_write_back 0" in worker_once(app)
    with pytest.raises(NotFoundError):
        remote_event(radicale, work, uid)


def test_a_write_that_fails_is_retried_and_never_blocks_the_booking(
    app, client, olga, radicale, work, login, clock
):
    from bwm.models import CalendarWriteBack
    from bwm.services.calendars import write_back_due

    app.config["CLOCK"] = clock  # so "not before its time" can't meet the real clock passing it
    connect(client, olga, work, write_bookings=True)
    radicale.stop()
    uid, _ = book(client, at(next_weekday(0), 10))  # booked, though the calendar is down
    assert "calendar_write_back 0" in worker_once(app)
    with app.app_context():
        (row,) = db.session.scalars(db.select(CalendarWriteBack)).all()
        assert row.status == "pending" and row.attempts == 1 and row.last_error
        retry_at = row.next_attempt_at
    assert retry_at > clock.now
    assert "calendar_write_back 0" in worker_once(app)  # not before its time

    login(olga)
    page = client.get("/me/calendars")
    assert b"1 booking is waiting to be written" in page.data

    radicale.start()
    with app.app_context():
        clock.now = retry_at + timedelta(seconds=1)
        assert write_back_due(clock) == 1
        (row,) = db.session.scalars(db.select(CalendarWriteBack)).all()
        assert row.status == "done"
    assert str(remote_event(radicale, work, uid)["UID"]) == uid
    assert b"waiting to be written" not in client.get("/me/calendars").data


def test_several_workers_write_each_booking_once(app, client, olga, radicale, work):
    import threading

    from bwm.models import now_utc
    from bwm.services.calendars import write_back_due

    connect(client, olga, work, write_bookings=True)
    mon = next_weekday(0)
    uids = [book(client, at(mon, hour))[0] for hour in (9, 10, 11, 13)]
    done: list[int] = []
    barrier = threading.Barrier(3)

    def worker():
        with app.app_context():
            barrier.wait()
            done.append(write_back_due(now_utc))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(done) == len(uids)
    for uid in uids:
        assert str(remote_event(radicale, work, uid)["UID"]) == uid
