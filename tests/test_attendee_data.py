"""An attendee's data on request (SPEC §11): export and erase through the command line and the
admin API; erasing cancels future bookings and tells their organizers (real SMTP), not the
attendee; queued mail to the address is dropped; the audit trail keeps no address."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Clock
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RITA = "rita@example.org"


@pytest.fixture
def start() -> datetime:
    day = next_weekday(2, at_least=5)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def clock(start) -> Clock:
    return Clock(start - timedelta(days=3))


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def people(app, make_user, make_token, client):
    """Olga and Otto organize (each a type), Ada administers."""
    out = {}
    for slug, name in (("olga", "Olga Organizer"), ("otto", "Otto Other")):
        user = make_user(
            email=f"{slug}@example.com", name=name, slug=slug, timezone="Europe/Stockholm"
        )
        headers = make_token(user["id"])
        response = client.post(
            "/api/v1/me/meeting-types",
            json={"title": f"Chat with {slug}", "slug": "chat", "duration_minutes": 30},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        out[slug] = {**user, "headers": headers}
    ada = make_user(email="ada@example.com", name="Ada Admin", slug="ada", admin=True)
    out["ada"] = {**ada, "headers": make_token(ada["id"])}
    return out


def book(client, slug: str, at: datetime, email: str = RITA) -> str:
    response = client.post(
        f"/api/v1/pages/{slug}/types/chat/bookings",
        json={
            "start": at.isoformat(),
            "name": "Rita R",
            "email": email,
            "note": "My plan",
            "timezone": "Europe/Stockholm",
        },
    )
    assert response.status_code == 201, response.text
    return response.json["manage_url"].rsplit("/", 1)[1]


def cli(app, *args, code: int = 0, input: str | None = None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exit_code == code, result.output
    return result.output


def test_export_lists_every_booking_with_every_organizer(app, client, people, start, clock):
    book(client, "olga", start)
    book(client, "otto", start + timedelta(days=1))
    book(client, "otto", start + timedelta(hours=2), email="someone@example.org")
    data = json.loads(cli(app, "attendee", "export", " Rita@Example.ORG "))
    assert data["email"] == RITA
    assert [(b["organizer"], b["status"]) for b in data["bookings"]] == [
        ("Olga Organizer", "confirmed"),
        ("Otto Other", "confirmed"),
    ]
    first = data["bookings"][0]
    assert first["name"] == "Rita R" and first["note"] == "My plan"
    assert first["timezone"] == "Europe/Stockholm"
    assert first["start"] == start.astimezone(ZoneInfo("UTC")).isoformat()
    # The confirmations are still queued (the worker has not run).
    assert len(data["queued_messages"]) == 2

    api = client.get(f"/api/v1/admin/attendees/{RITA}", headers=people["ada"]["headers"])
    assert api.status_code == 200
    assert api.json["bookings"] == data["bookings"]


def test_bad_email_and_non_admins_are_refused(app, client, people):
    output = cli(app, "attendee", "export", "not-an-email", code=2)
    assert "EMAIL" in output
    cli(app, "attendee", "erase", "nope", "--yes", code=2)
    response = client.get("/api/v1/admin/attendees/nope", headers=people["ada"]["headers"])
    assert response.status_code == 422 and "email" in response.json["errors"]
    response = client.delete("/api/v1/admin/attendees/nope", headers=people["ada"]["headers"])
    assert response.status_code == 422 and "email" in response.json["errors"]
    for method in (client.get, client.delete):
        response = method(f"/api/v1/admin/attendees/{RITA}", headers=people["olga"]["headers"])
        assert response.status_code == 403
        assert method(f"/api/v1/admin/attendees/{RITA}").status_code == 401


def test_erase_cancels_future_bookings_tells_organizers_not_the_attendee(
    app, client, people, start, clock, smtp_sink
):
    from bwm.extensions import db
    from bwm.models import AuditEvent, Booking, OutboxMessage

    past = book(client, "olga", start)
    cli(app, "worker", "--once")
    assert smtp_sink.wait_for(2)
    clock.now = start + timedelta(days=1)
    future = book(client, "otto", start + timedelta(days=2))  # its confirmation still queued
    book(client, "otto", start + timedelta(days=2, hours=1), email="else@example.org")
    seen = len(smtp_sink.messages)

    # Without --yes it asks; "n" changes nothing.
    cli(app, "attendee", "erase", RITA, input="n\n", code=1)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0

    response = client.delete(f"/api/v1/admin/attendees/{RITA}", headers=people["ada"]["headers"])
    assert response.status_code == 200, response.text
    assert response.json == {
        "bookings": 2,
        "cancelled": 1,
        "messages_dropped": 1,
        "person_links": 0,
    }
    with app.app_context():
        found = {b.user_id: b for b in db.session.scalars(db.select(Booking))}
        olga_booking = found[people["olga"]["id"]]
        assert olga_booking.status == "confirmed" and olga_booking.anonymized_at is not None
        assert olga_booking.attendee_email == "" and olga_booking.note == ""
        pending = list(
            db.session.scalars(db.select(OutboxMessage.to).where(OutboxMessage.status == "pending"))
        )
        assert RITA not in pending
        assert "otto@example.com" in pending
        [event] = db.session.scalars(db.select(AuditEvent))
        assert event.action == "attendee.erase" and event.target_type == "attendee"
        assert event.target == hashlib.sha256(RITA.encode()).hexdigest()[:16]
        assert RITA not in json.dumps(event.after) and event.actor == "ada@example.com"
        assert event.after["cancelled"] == 1

    cli(app, "worker", "--once")
    assert smtp_sink.wait_for(seen + 2)  # Otto's confirmation of the other booking, and the news
    new = smtp_sink.messages[seen:]
    assert all(m["To"] != RITA for m in new)
    to_otto = [m for m in new if m["To"] == "otto@example.com"]
    assert any("cancel" in m["Subject"].lower() for m in to_otto), [m["Subject"] for m in new]
    # The manage links are dead, the export is empty.
    for token in (past, future):
        assert client.get(f"/m/{token}").status_code == 404
    data = json.loads(cli(app, "attendee", "export", RITA))
    assert data["bookings"] == [] and data["queued_messages"] == []
    # Erasing again finds nothing.
    assert "bookings: 0" in cli(app, "attendee", "erase", RITA, "--yes")


def test_privacy_settings_through_the_api(app, client, people):
    headers = people["ada"]["headers"]
    assert client.get("/api/v1/admin/privacy", headers=headers).json == {
        "retention_days": None,
        "consent_text": "",
    }
    response = client.patch("/api/v1/admin/privacy", json={"retention_days": 0}, headers=headers)
    assert response.status_code == 422 and "retention_days" in response.json["errors"]
    response = client.patch("/api/v1/admin/privacy", json={"retention_days": 90}, headers=headers)
    assert response.status_code == 200 and response.json["retention_days"] == 90
    assert client.get("/api/v1/admin/privacy", headers=people["olga"]["headers"]).status_code == 403


def test_the_privacy_page_saves_settings_and_names_bad_fields(app, client, people, login):
    from bwm.extensions import db
    from bwm.models import AuditEvent
    from tests.conftest import soup

    login(people["olga"])
    assert client.get("/admin/privacy").status_code == 403
    client.post("/logout")
    login(people["ada"])
    page = soup(client.get("/admin/privacy").data)
    assert page.find("a", string="Privacy")["aria-current"] == "page"
    response = client.post("/admin/privacy", data={"retention_days": "many", "consent_text": ""})
    assert response.status_code == 422
    assert soup(response.data).find(id="retention_days-error") is not None
    response = client.post(
        "/admin/privacy", data={"retention_days": "30", "consent_text": "I agree"}
    )
    assert response.status_code == 303
    page = soup(client.get("/admin/privacy").data)
    assert page.find(id="retention_days")["value"] == "30"
    response = client.post("/admin/privacy", data={"retention_days": "", "consent_text": "I agree"})
    assert response.status_code == 303
    assert client.get("/api/v1/admin/privacy", headers=people["ada"]["headers"]).json == {
        "retention_days": None,
        "consent_text": "I agree",
    }
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action)))
        assert actions == ["org.privacy", "org.privacy"]


def test_the_lookup_with_and_without_htmx_and_the_erase_step(app, client, people, login, start):
    from bwm.extensions import db
    from bwm.models import AuditEvent, Booking
    from tests.conftest import soup

    book(client, "olga", start)
    login(people["ada"])
    plain = client.get("/admin/privacy", query_string={"email": RITA})
    assert plain.status_code == 200 and b"<html" in plain.data
    rows = soup(plain.data).select("#attendee-bookings tbody tr")
    assert len(rows) == 1 and "Rita R" in rows[0].text
    partial = client.get(
        "/admin/privacy", query_string={"email": RITA}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200 and b"<html" not in partial.data
    assert soup(partial.data).find(id="attendee-data") is not None
    bad = client.get(
        "/admin/privacy", query_string={"email": "nope"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 422 and b"valid email" in bad.data

    download = client.get("/admin/privacy/attendee.json", query_string={"email": RITA})
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.data)["bookings"][0]["name"] == "Rita R"

    confirm = client.get("/admin/privacy/erase", query_string={"email": RITA})
    assert confirm.status_code == 200
    with app.app_context():
        assert (
            db.session.scalar(db.select(Booking.attendee_name)) == "Rita R"
        )  # a GET changes nothing
    response = client.post("/admin/privacy/erase", data={"email": RITA})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Booking.attendee_name)) == ""
        [event] = db.session.scalars(db.select(AuditEvent))
        assert event.action == "attendee.erase" and event.actor == "ada@example.com"
