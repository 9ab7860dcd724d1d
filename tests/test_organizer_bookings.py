"""The organizer's bookings under /me/bookings: the three lists, the details, cancelling.

Bookings are made through the public API, as attendees make them; the emails are read back from
a real SMTP server (the `smtp_sink` fixture).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import dates as babel_dates
from bs4 import BeautifulSoup
from icalendar import Calendar

from tests.conftest import soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEW_YORK = ZoneInfo("America/New_York")
OLGA = {"email": "olga@example.com", "name": "Olga", "slug": "olga", "timezone": "Europe/Stockholm"}


# --- helpers --------------------------------------------------------------------------------


def at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), STOCKHOLM).replace(hour=hour, minute=minute)


def monday_at(hour: int, minute: int = 0) -> datetime:
    return at(next_weekday(0), hour, minute)


def long_date(value: datetime) -> str:
    return babel_dates.format_date(value.date(), "full", locale="en")


def book_api(client, start: datetime, *, page="olga", **extra):
    body = {
        "start": start.isoformat(),
        "name": "Anna Attendee",
        "email": "anna@example.org",
        "timezone": "America/New_York",
        **extra,
    }
    response = client.post(f"/api/v1/pages/{page}/types/30-minute-meeting/bookings", json=body)
    assert response.status_code == 201, response.text
    return response.json


def booking_id(app, uid: str) -> int:
    from sqlalchemy import select

    from bwm.extensions import db
    from bwm.models import Booking

    with app.app_context():
        return db.session.scalar(select(Booking.id).where(Booking.uid == uid))


def rows(client, show: str | None = None, page: int | None = None) -> list:
    """Return the rows of one bookings list as the organizer sees it."""
    query = {k: v for k, v in {"show": show, "page": page}.items() if v}
    response = client.get("/me/bookings", query_string=query)
    assert response.status_code == 200
    return soup(response).select("#bookings-list tbody tr")


def row_ids(client, show: str | None = None) -> list[int]:
    return [int(tr["id"].removeprefix("booking-")) for tr in rows(client, show)]


def cancel_form(client, booking: int) -> dict:
    """Read the cancel form of a booking's page as a browser would."""
    page = soup(client.get(f"/me/bookings/{booking}"))
    form = page.find("form", action=f"/me/bookings/{booking}/cancel")
    assert form is not None and form["method"] == "post"
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    data.update({t["name"]: t.text for t in form.find_all("textarea")})
    return data


def invitation(message) -> Calendar:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def assert_every_field_labelled(soup: BeautifulSoup) -> None:
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.name == "input" and field.get("type") in ("hidden", "submit", "button"):
            continue
        assert field.get("id"), field
        assert soup.find("label", attrs={"for": field["id"]}) is not None, field


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def olga(make_user, login):
    user = make_user(**OLGA)
    login(user)
    return user


# --- the lists ------------------------------------------------------------------------------


def test_login_is_required(client, make_user):
    make_user(**OLGA)
    for url in ("/me/bookings", "/me/bookings/1"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert client.post("/me/bookings/1/cancel", data={"reason": "x"}).status_code == 302


def test_upcoming_lists_bookings_soonest_first_in_the_page_zone(client, olga, app):
    tuesday = monday_at(9) + timedelta(days=1)
    eleven = book_api(client, monday_at(11), name="Bo Second")["booking"]
    late = book_api(client, tuesday, name="Cy Third", email="cy@example.org")["booking"]
    ten = book_api(client, monday_at(10), name="Al First")["booking"]
    ids = [booking_id(app, b["uid"]) for b in (ten, eleven, late)]

    assert row_ids(client) == ids
    assert row_ids(client, "upcoming") == ids
    # Times in Europe/Stockholm, the page's zone, though the attendee books from New York.
    whens = [tr.find("td").get_text(strip=True) for tr in rows(client)]
    assert whens == [
        f"{long_date(monday_at(10))}, 10:00–10:30",
        f"{long_date(monday_at(11))}, 11:00–11:30",
        f"{long_date(tuesday)}, 09:00–09:30",
    ]
    page = soup(client.get("/me/bookings"))
    text = page.select_one("#bookings-list").get_text(" ", strip=True)
    assert "Al First" in text and "anna@example.org" in text and "cy@example.org" in text
    current = page.find("a", attrs={"aria-current": "page"})
    assert current.get_text(" ", strip=True) == "Upcoming 3"
    assert row_ids(client, "past") == [] and row_ids(client, "cancelled") == []
    # An unknown list falls back to upcoming; the nav bar links here.
    assert row_ids(client, "everything") == ids
    assert page.find("nav").find("a", href="/me/bookings") is not None


def test_rows_show_date_time_type_and_attendee(client, olga, app):
    start = monday_at(10)
    made = book_api(client, start, name="Al First")["booking"]
    (row,) = rows(client)
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[0] == f"{long_date(start)}, 10:00–10:30"
    assert cells[1] == "30 minute meeting"
    assert cells[2] == "Al First anna@example.org"
    link = row.find("a", href=f"/me/bookings/{booking_id(app, made['uid'])}")
    assert link is not None and link.get_text(" ", strip=True).startswith("Details")


def test_only_the_signed_in_organizers_bookings_are_listed(client, olga, make_user):
    make_user(slug="pat", timezone="UTC")
    book_api(client, monday_at(10))
    book_api(client, monday_at(11), page="pat", name="Not Yours", email="x@example.org")
    (row,) = rows(client)
    assert "Not Yours" not in row.get_text()
    assert "Anna Attendee" in row.get_text()


def test_a_booking_whose_time_has_come_moves_to_past(client, olga, app, clock):
    first = book_api(client, monday_at(10))["booking"]
    second = book_api(client, monday_at(14))["booking"]
    ids = [booking_id(app, b["uid"]) for b in (first, second)]
    booked_at = clock.now
    clock.now = monday_at(16)
    assert row_ids(client, "past") == [ids[1], ids[0]]  # latest first
    assert row_ids(client, "upcoming") == []
    # Half past ten: the first has started (past), the second is still ahead.
    clock.now = monday_at(10, 30)
    assert row_ids(client, "past") == [ids[0]]
    assert row_ids(client, "upcoming") == [ids[1]]

    details = soup(client.get(f"/me/bookings/{ids[0]}"))
    assert details.find("form", action=f"/me/bookings/{ids[0]}/cancel") is None
    response = client.post(f"/me/bookings/{ids[0]}/cancel", data={"reason": "Too late"})
    assert response.status_code == 410
    alert = soup(response).find(attrs={"role": "alert"})
    assert "already taken place" in alert.get_text()
    clock.now = booked_at
    assert row_ids(client, "upcoming") == ids


def test_a_booking_row_in_the_past_shows_under_past(client, olga, app, clock):
    from bwm.extensions import db
    from bwm.models import Booking, MeetingType

    start = at(clock.now.astimezone(STOCKHOLM).date() - timedelta(days=3), 9)
    with app.app_context():
        mt = db.session.query(MeetingType).filter_by(slug="30-minute-meeting").first()
        row = Booking(
            user_id=olga["id"],
            meeting_type_id=mt.id,
            start=start,
            end=start + timedelta(minutes=30),
            attendee_name="Earlier Attendee",
            attendee_email="earlier@example.org",
            attendee_timezone="Europe/Stockholm",
            uid="past@bwm",
            manage_token_id=secrets.token_urlsafe(18),
            created_at=start - timedelta(days=1),
        )
        db.session.add(row)
        db.session.commit()
        past_id = row.id
    (tr,) = rows(client, "past")
    assert tr["id"] == f"booking-{past_id}"
    assert tr.find("td").get_text(strip=True) == f"{long_date(start)}, 09:00–09:30"
    assert rows(client, "upcoming") == []
    page = soup(client.get(f"/me/bookings/{past_id}"))
    assert page.select_one("#booking-details .badge").get_text() == "Past"
    assert page.find("textarea") is None


def test_lists_are_paginated(client, olga, app):
    from bwm.extensions import db
    from bwm.models import Booking, MeetingType

    first = at(next_weekday(0, at_least=10), 9)
    with app.app_context():
        mt = db.session.query(MeetingType).filter_by(slug="30-minute-meeting").first()
        for i in range(53):
            start = first + timedelta(hours=i)
            db.session.add(
                Booking(
                    user_id=olga["id"],
                    meeting_type_id=mt.id,
                    start=start,
                    end=start + timedelta(minutes=30),
                    attendee_name=f"Attendee {i}",
                    attendee_email=f"a{i}@example.org",
                    uid=f"page-{i}@bwm",
                    manage_token_id=secrets.token_urlsafe(18),
                )
            )
        db.session.commit()
    page_one = soup(client.get("/me/bookings"))
    assert len(page_one.select("#bookings-list tbody tr")) == 50
    assert "Attendee 0" in page_one.select_one("#bookings-list tbody tr").get_text()
    nxt = page_one.find("a", rel="next")
    assert nxt["href"] == "/me/bookings?show=upcoming&page=2"
    page_two = soup(client.get(nxt["href"]))
    names = [tr.find_all("td")[2].get_text(" ", strip=True) for tr in page_two.select("tbody tr")]
    assert [n.split(" a")[0] for n in names] == ["Attendee 50", "Attendee 51", "Attendee 52"]
    assert page_two.find("a", rel="prev") is not None and page_two.find("a", rel="next") is None
    assert "53" in page_two.find("a", attrs={"aria-current": "page"}).get_text()
    assert rows(client, page=9) == []  # past the end: an empty page, not an error


# --- the details ----------------------------------------------------------------------------


def test_details_show_everything_in_both_zones(client, olga, app):
    start = monday_at(10)
    made = book_api(client, start, note="<b>bring</b> slides")["booking"]
    response = client.get(f"/me/bookings/{booking_id(app, made['uid'])}")
    assert response.status_code == 200
    assert "<b>bring</b>" not in response.text  # user text is escaped
    page = soup(response)
    facts = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.select("#booking-details dt")
    }
    there = start.astimezone(NEW_YORK)
    assert facts["Status"] == "Confirmed"
    assert facts["When"] == f"{long_date(start)}, 10:00–10:30 (Europe/Stockholm)"
    assert facts["Attendee's time"] == (
        f"{long_date(there)}, {there:%H:%M}–{there + timedelta(minutes=30):%H:%M}"
        " (America/New York)"
    )
    assert facts["Attendee"] == "Anna Attendee"
    assert facts["Email"] == "anna@example.org"
    assert facts["Attendee's time zone"] == "America/New York"
    assert facts["Note"] == "<b>bring</b> slides"
    assert facts["Meeting type"] == "30 minute meeting · 30 minutes"
    assert facts["Booked at"]
    assert "Cancel reason" not in facts
    assert page.find("label", string="Reason") is not None
    assert page.find("button", string="Cancel booking") is not None
    assert_every_field_labelled(page)


def test_details_show_the_online_meeting_link(client, olga, app, make_token):
    headers = make_token(olga["id"])
    created = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Video", "slug": "video", "duration_minutes": 30, "location_kind": "online"},
        headers=headers,
    )
    assert created.status_code == 201
    response = client.post(
        "/api/v1/pages/olga/types/video/bookings",
        json={"start": monday_at(10).isoformat(), "name": "A", "email": "a@example.org"},
    )
    uid = response.json["booking"]["uid"]
    page = soup(client.get(f"/me/bookings/{booking_id(app, uid)}"))
    link = page.select_one("#booking-details a[href^='https://meet.jit.si/']")
    assert link is not None and link.get_text() == link["href"]


def test_another_organizers_booking_is_404(client, olga, make_user, login, app):
    made = book_api(client, monday_at(10))["booking"]
    mine = booking_id(app, made["uid"])
    client.post("/logout")
    login(make_user(slug="pat", timezone="Europe/Stockholm"))
    assert client.get(f"/me/bookings/{mine}").status_code == 404
    assert client.post(f"/me/bookings/{mine}/cancel", data={"reason": "Mine"}).status_code == 404
    assert client.get("/me/bookings/999999").status_code == 404
    assert rows(client) == []
    with app.app_context():
        from bwm.extensions import db
        from bwm.models import Booking

        assert db.session.get(Booking, mine).status == "confirmed"


# --- cancelling -----------------------------------------------------------------------------


def test_cancel_tells_the_attendee_and_frees_the_slot(client, olga, app, smtp_sink):
    start = monday_at(10)
    made = book_api(client, start)["booking"]
    ident = booking_id(app, made["uid"])
    assert smtp_sink.wait_for(2)
    day = start.date().isoformat()
    slots_url = f"/api/v1/pages/olga/types/30-minute-meeting/slots?start={day}&end={day}"
    assert start.isoformat() not in client.get(slots_url).json["slots"]

    data = cancel_form(client, ident)
    data["reason"] = "I am ill, sorry"
    response = client.post(f"/me/bookings/{ident}/cancel", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/me/bookings/{ident}"

    page = soup(client.get(response.headers["Location"]))
    assert "The booking is cancelled" in page.select_one(".flashes").get_text()
    facts = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.select("#booking-details dt")
    }
    assert facts["Status"] == "Cancelled"
    assert facts["Cancel reason"] == "I am ill, sorry"
    assert "Cancelled at" in facts
    assert page.find("textarea") is None

    assert smtp_sink.wait_for(4)
    told = [m for m in smtp_sink.messages[2:] if m["To"] == "anna@example.org"]
    assert len(told) == 1
    assert "I am ill, sorry" in told[0].get_body(("plain",)).get_content()
    cal = invitation(told[0])
    assert cal["METHOD"] == "CANCEL"
    event = next(c for c in cal.walk() if c.name == "VEVENT")
    assert str(event["UID"]) == made["uid"]
    assert event["SEQUENCE"] == 1
    assert {m["To"] for m in smtp_sink.messages[2:]} == {"anna@example.org", "olga@example.com"}

    assert row_ids(client, "upcoming") == []
    assert row_ids(client, "cancelled") == [ident]
    assert start.isoformat() in client.get(slots_url).json["slots"]  # free again
    shown = client.get("/api/v1/bookings/" + _manage_token(app, ident)).json["booking"]
    assert shown["status"] == "cancelled"


def _manage_token(app, ident: int) -> str:
    from bwm.extensions import db
    from bwm.models import Booking
    from bwm.services.bookings import manage_token

    with app.app_context():
        return manage_token(db.session.get(Booking, ident))


def test_cancelled_list_is_latest_first(client, olga, app):
    ids = []
    for hour in (10, 11, 12):
        made = book_api(client, monday_at(hour))["booking"]
        ids.append(booking_id(app, made["uid"]))
    for ident in (ids[1], ids[0], ids[2]):
        assert client.post(f"/me/bookings/{ident}/cancel", data={"reason": ""}).status_code == 303
    assert row_ids(client, "cancelled") == [ids[2], ids[1], ids[0]]
    page = soup(client.get(f"/me/bookings/{ids[0]}"))
    assert page.find("a", string="Back to bookings")["href"] == "/me/bookings?show=cancelled"


def test_cancelling_twice_is_410(client, olga, app, smtp_sink):
    made = book_api(client, monday_at(10))["booking"]
    ident = booking_id(app, made["uid"])
    assert client.post(f"/me/bookings/{ident}/cancel", data={"reason": "Once"}).status_code == 303
    assert smtp_sink.wait_for(4)
    again = client.post(f"/me/bookings/{ident}/cancel", data={"reason": "Twice"})
    assert again.status_code == 410
    page = soup(again)
    assert "already cancelled" in page.find(attrs={"role": "alert"}).get_text()
    assert page.find("form", action=f"/me/bookings/{ident}/cancel") is None
    facts = page.select_one("#booking-details").get_text(" ", strip=True)
    assert "Once" in facts and "Twice" not in facts
    assert not smtp_sink.wait_for(5, timeout=0.5)  # nobody is told twice


def test_a_reason_too_long_is_422(client, olga, app, smtp_sink):
    made = book_api(client, monday_at(10))["booking"]
    ident = booking_id(app, made["uid"])
    response = client.post(f"/me/bookings/{ident}/cancel", data={"reason": "x" * 2001})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".field.has-error .error") is not None
    assert row_ids(client, "upcoming") == [ident]


def test_cancel_needs_the_csrf_token(make_app, smtp_sink, make_user):
    app = make_app(
        worker=True, WTF_CSRF_ENABLED=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port
    )
    client = app.test_client()
    user = make_user(**OLGA)
    login_page = soup(client.get("/login"))
    token = login_page.find("input", attrs={"name": "csrf_token"})["value"]
    signed_in = client.post(
        "/login", data={"email": user["email"], "password": user["password"], "csrf_token": token}
    )
    assert signed_in.status_code == 303
    made = book_api(client, monday_at(10))["booking"]
    ident = booking_id(app, made["uid"])
    assert client.post(f"/me/bookings/{ident}/cancel", data={"reason": "x"}).status_code == 400
    data = cancel_form(client, ident)
    assert data.get("csrf_token")
    assert client.post(f"/me/bookings/{ident}/cancel", data=data).status_code == 303


# --- the dashboard --------------------------------------------------------------------------


def test_dashboard_opens_on_the_week(client, olga, app, clock):
    # Olga's Monday, seven bookings; the week from the Saturday before holds them all.
    clock.now = (monday_at(9) - timedelta(days=2)).replace(hour=8)
    for hour in range(9, 16):
        book_api(client, monday_at(hour), name=f"Person {hour}")
    book_api(client, monday_at(10) + timedelta(days=8), name="Next week")
    page = soup(client.get("/me/"))
    section = page.select_one("#week")
    days = section.select("li.week-day")
    assert len(days) == 7
    assert days[0].find("h3").get_text(" ", strip=True).startswith("Today")
    assert days[1].find("h3").get_text(" ", strip=True).startswith("Tomorrow")
    assert days[2].find("h3").get_text(" ", strip=True).startswith("Monday")
    assert days[0].get_text(" ", strip=True).endswith("Free")
    items = days[2].select("li.week-event")
    assert [li.find("span").get_text(strip=True).rsplit(" · ", 1)[1] for li in items] == [
        f"Person {hour}" for hour in range(9, 16)
    ]
    assert items[0].find("a")["href"].startswith("/me/bookings/")
    assert items[0].find("time").get_text() == "09:00–09:30"
    assert "1 more booking after this week." in section.get_text()
    assert section.find("a", href="/me/bookings") is not None


def test_an_empty_week_says_what_to_do_next(client, olga, app):
    page = soup(client.get("/me/"))
    assert "Nothing booked in the coming seven days." in page.select_one("#week-empty").get_text()
    assert page.select_one("#week-empty a")["href"] == "/me/share"
    steps = page.select_one("#next-steps")
    assert steps.select_one("#step-calendar a")["href"] == "/me/calendars"
    assert steps.select_one("#step-publish") is None  # published already
    with app.app_context():
        from bwm.extensions import db
        from bwm.models import BookingPage

        db.session.query(BookingPage).update({"published": False})
        db.session.commit()
    page = soup(client.get("/me/"))
    assert page.select_one("#step-publish a")["href"] == "/me/page"
    assert page.select_one("#week-empty a") is None  # nothing to share yet
