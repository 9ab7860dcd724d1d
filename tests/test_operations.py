"""Operations (SPEC §8 "Health"): /healthz, the admin's operations page with "try again" for a
failed email, the worker banner on every admin page, and the same facts in the admin API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bwm.extensions import db
from bwm.jobs.worker import run_once
from bwm.models import CalendarWriteBack, ConnectedCalendar, OutboxMessage
from bwm.outbox import enqueue
from tests.conftest import soup
from tests.helpers import next_weekday
from tests.smtp import free_port


@pytest.fixture
def app(make_app, smtp_sink, clock):
    # No worker threads: each test runs the worker's passes itself, at times it chooses.
    return make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def admin(make_user):
    return make_user(
        email="ada@example.com", name="Ada Admin", slug="ada", admin=True, timezone="Asia/Tokyo"
    )


@pytest.fixture
def ann(make_user):
    return make_user(
        email="ann@example.com", name="Ann Andersson", slug="ann", timezone="Europe/Stockholm"
    )


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


def worker_pass(app) -> dict[str, int]:
    """One real pass of every lane of the worker, as `flask worker --once` does."""
    with app.app_context():
        return run_once()


def queue_email(app, to: str, subject: str = "Your agenda", *, at: datetime) -> int:
    with app.app_context():
        message = enqueue(to, subject, "See you on Monday.", now=at)
        db.session.commit()
        return message.id


def failed_email(app, smtp_sink, clock, to: str = "gone@example.com") -> int:
    """An email the mail server refused for good (550 for its recipient), so it is failed."""
    smtp_sink.reject.add(to)
    message_id = queue_email(app, to, at=clock.now)
    worker_pass(app)
    assert status_of(app, message_id) == "failed"
    return message_id


def status_of(app, message_id: int) -> str:
    with app.app_context():
        return db.session.get(OutboxMessage, message_id).status


def banner(response):
    return soup(response).find(id="worker-banner")


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_before_any_worker_pass_says_never(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "worker": "never",
        "outbox": {"due": 0, "failed": 0},
    }


def test_healthz_is_ok_after_a_pass_and_late_when_the_worker_falls_silent(app, client, clock):
    worker_pass(app)
    assert client.get("/healthz").json["worker"] == "ok"
    clock.now += timedelta(minutes=1, seconds=59)
    assert client.get("/healthz").json["worker"] == "ok"
    clock.now += timedelta(seconds=2)  # 2 minutes and a second since the last pass
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["worker"] == "late"
    worker_pass(app)  # the worker is back
    assert client.get("/healthz").json["worker"] == "ok"


def test_healthz_counts_the_due_and_the_failed_emails(app, client, smtp_sink, clock):
    failed_email(app, smtp_sink, clock)
    queue_email(app, "a@example.com", at=clock.now)
    queue_email(app, "b@example.com", at=clock.now - timedelta(minutes=5))
    queue_email(app, "later@example.com", at=clock.now + timedelta(hours=1))  # not due yet
    assert client.get("/healthz").json["outbox"] == {"due": 2, "failed": 1}
    worker_pass(app)
    assert smtp_sink.wait_for(2)
    assert client.get("/healthz").json["outbox"] == {"due": 0, "failed": 1}


# --- who gets in ------------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_the_login(client):
    response = client.get("/admin/operations")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_organizers_who_are_not_admins_get_403(app, client, login, ann, smtp_sink, clock):
    message_id = failed_email(app, smtp_sink, clock)
    login(ann)
    response = client.get("/admin/operations")
    assert response.status_code == 403
    assert "You may not see this" in response.text
    assert client.post(f"/admin/operations/mail/{message_id}/retry").status_code == 403
    assert status_of(app, message_id) == "failed"
    assert banner(client.get("/me/")) is None  # the banner is for admins


# --- the operations page ----------------------------------------------------------------------


def test_a_failed_email_is_tried_again_and_delivered(app, client, login, admin, smtp_sink, clock):
    message_id = failed_email(app, smtp_sink, clock)
    assert smtp_sink.messages == []
    login(admin)
    assert soup(client.get("/admin/")).find("a", href="/admin/operations") is not None

    page = soup(client.get("/admin/operations"))
    assert words(page.find(id="outbox-failed")) == "1"
    row = page.find(id=f"message-{message_id}")
    cells = [words(td) for td in row.find_all("td")]
    assert cells[0] == "gone@example.com"
    assert cells[1] == "Your agenda"
    assert cells[2] == "1"  # attempts
    assert "550" in cells[3] and "no such user" in cells[3]
    form = row.find("form")
    assert form["method"] == "post"
    assert form["action"] == f"/admin/operations/mail/{message_id}/retry"
    assert words(form.find("button")).startswith("Try again")

    smtp_sink.reject.clear()  # the address works again
    response = client.post(form["action"])
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/operations"
    page = soup(client.get("/admin/operations"))
    assert "The email is back in the queue" in words(page.find(class_="flashes"))
    assert page.find(id=f"message-{message_id}") is None
    assert words(page.find(id="outbox-due")) == "1"
    assert words(page.find(id="outbox-failed")) == "0"
    assert status_of(app, message_id) == "pending"

    counts = worker_pass(app)
    assert counts["mail"] == 1
    assert smtp_sink.wait_for(1)
    [sent] = smtp_sink.messages
    assert sent["To"] == "gone@example.com" and sent["Subject"] == "Your agenda"
    assert status_of(app, message_id) == "sent"
    page = soup(client.get("/admin/operations"))
    assert "No email has failed." in words(page.find(id="failed-mail"))
    assert words(page.find(id="outbox-due")) == "0"


def test_try_again_is_a_csrf_protected_post(make_app, smtp_sink, clock, admin):
    app = make_app(
        MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock, WTF_CSRF_ENABLED=True
    )
    message_id = failed_email(app, smtp_sink, clock)
    client = app.test_client()
    login_form = soup(client.get("/login")).find("input", {"name": "csrf_token"})
    response = client.post(
        "/login",
        data={
            "email": admin["email"],
            "password": admin["password"],
            "csrf_token": login_form["value"],
        },
    )
    assert response.status_code == 303
    form = soup(client.get("/admin/operations")).find(id=f"message-{message_id}").find("form")
    assert client.post(form["action"]).status_code == 400  # no token: refused
    assert status_of(app, message_id) == "failed"
    token = form.find("input", {"name": "csrf_token"})["value"]
    response = client.post(form["action"], data={"csrf_token": token})
    assert response.status_code == 303
    assert status_of(app, message_id) == "pending"


def test_trying_again_what_is_not_failed(app, client, login, admin, clock):
    login(admin)
    pending = queue_email(app, "x@example.com", at=clock.now)
    response = client.post(f"/admin/operations/mail/{pending}/retry", follow_redirects=True)
    assert "That email is not failed any more" in words(soup(response).find(class_="flashes"))
    assert client.post("/admin/operations/mail/999999/retry").status_code == 404
    assert client.get(f"/admin/operations/mail/{pending}/retry").status_code == 405


def test_the_page_shows_the_lanes_and_the_backlog(app, client, login, admin, clock):
    login(admin)
    page = soup(client.get("/admin/operations"))
    assert words(page.find(id="worker-state")) == "never run"
    assert "never" in words(page.find(id="lane-mail"))

    worker_pass(app)
    clock.now += timedelta(minutes=10)
    queue_email(app, "late@example.com", at=clock.now - timedelta(minutes=7))
    worker_pass(app)  # the mail server is up: it is sent
    queue_email(app, "waiting@example.com", at=clock.now - timedelta(minutes=7))
    page = soup(client.get("/admin/operations"))
    assert words(page.find(id="worker-state")) == "running"
    mail = words(page.find(id="lane-mail"))
    assert mail.startswith("Emails mail running")
    when = clock.now.astimezone(ZoneInfo("Asia/Tokyo"))  # in Ada's own time zone
    assert page.find(id="lane-mail").find("time")["datetime"] == clock.now.isoformat()
    assert f"{when:%H:%M}" in mail
    assert words(page.find(id="outbox-due")) == "1"
    assert words(page.find(id="outbox-pending")) == "1"
    assert "7 minutes ago" in words(page.find(id="outbox-oldest"))


def test_a_booking_email_that_failed_is_named_so(app, client, login, admin, clock):
    with app.app_context():
        row = OutboxMessage(
            to="anna@example.org",
            subject="",
            body_text="",
            template="booking",
            facts="{}",
            status="failed",
            attempts=12,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
            next_attempt_at=clock.now,
            created_at=clock.now - timedelta(days=1),
            failing_since=clock.now - timedelta(days=1),
        )
        db.session.add(row)
        db.session.commit()
        message_id = row.id
    login(admin)
    cells = soup(client.get("/admin/operations")).find(id=f"message-{message_id}").find_all("td")
    assert [words(td) for td in cells[:4]] == [
        "anna@example.org",
        "(booking email)",
        "12",
        "SMTPServerDisconnected: Connection unexpectedly closed",
    ]


def test_calendars_in_error_and_write_backs_waiting(
    app, client, login, admin, ann, make_token, smtp_sink
):
    # A CalDAV calendar on a port where nothing listens: syncs and write-backs fail.
    port = free_port()
    url = f"http://ann:pw@127.0.0.1:{port}/dav/ann/work/?key=s3cret"
    body = {"kind": "caldav", "url": url, "username": "ann", "password": "app-password"}
    response = client.post(
        "/api/v1/me/calendars",
        json={**body, "write_bookings": True},
        headers=make_token(ann["id"]),
    )
    assert response.status_code == 201, response.text
    monday = next_weekday(0)
    start = datetime.combine(monday, datetime.min.time(), ZoneInfo("Europe/Stockholm"))
    response = client.post(
        "/api/v1/pages/ann/types/30-minute-meeting/bookings",
        json={
            "start": start.replace(hour=10).isoformat(),
            "name": "Anna Attendee",
            "email": "anna@example.org",
        },
    )
    assert response.status_code == 201, response.text
    worker_pass(app)
    with app.app_context():
        cal = db.session.scalar(select(ConnectedCalendar))
        assert cal.status == "error" and cal.error
        error = cal.error
        write_back = db.session.scalar(select(CalendarWriteBack))
        assert write_back.status == "pending" and write_back.attempts == 1

    login(admin)
    page = soup(client.get("/admin/operations"))
    cells = [words(td) for td in page.find(id=f"calendar-{cal.id}").find_all("td")]
    assert cells[0] == "ann@example.com"
    assert cells[1] == f"http://127.0.0.1:{port}/dav/ann/work/?…"  # no password, no key
    assert cells[2] == error
    assert cells[3] == "never"
    assert words(page.find(id="write-backs-pending")) == "1"
    row = [words(td) for td in page.find(id=f"write-back-{write_back.id}").find_all("td")]
    assert row[0] == "ann@example.com" and row[3] == "retrying" and row[4] == "1"
    assert row[5]


# --- the banner on every admin page -----------------------------------------------------------


def test_the_banner_shows_on_admin_pages_until_the_worker_runs(app, client, login, admin, clock):
    login(admin)
    for response in (
        client.get("/admin/"),
        client.get("/admin/operations"),
        client.post(
            "/admin/settings/preview",
            data={"user_policy": "none", "max_detail": "free_busy"},  # bookings off: a change
        ),
    ):
        assert response.status_code == 200
        found = banner(response)
        assert found is not None
        assert "The worker has not run: emails are not being sent." in words(found)
        assert found.find("code").get_text() == "flask --app bwm worker"
    assert banner(client.get("/me/")) is None  # the organizer's own pages don't have it

    worker_pass(app)
    assert banner(client.get("/admin/")) is None
    assert banner(client.get("/admin/operations")) is None

    clock.now += timedelta(minutes=3)
    found = banner(client.get("/admin/"))
    assert found is not None and "The worker is late" in words(found)
    assert found.find("a", href="/admin/operations") is not None


def test_the_banner_speaks_the_admins_language(client, login, admin):
    login(admin)
    expected = {
        "sv": "Arbetsprocessen har inte körts",
        "da": "Arbejdsprocessen har ikke kørt",
        "nl": "De achtergrondtaak heeft niet gedraaid",
    }
    for lang, text in expected.items():
        page = client.get("/admin/", query_string={"lang": lang})
        assert text in words(banner(page)), lang


# --- the API ----------------------------------------------------------------------------------


def test_the_api_answers_an_admins_token_only(
    app, client, admin, ann, make_token, smtp_sink, clock
):
    message_id = failed_email(app, smtp_sink, clock)
    assert client.get("/api/v1/admin/operations").status_code == 401
    response = client.get("/api/v1/admin/operations", headers=make_token(ann["id"]))
    assert response.status_code == 403
    assert "administrator" in response.json["error"]

    response = client.get("/api/v1/admin/operations", headers=make_token(admin["id"]))
    assert response.status_code == 200
    found = response.json
    assert found["worker"] == "ok"
    assert {lane["name"] for lane in found["lanes"]} == {
        "mail",
        "requests",
        "reminders",
        "follow_ups",
        "calendar_sync",
        "calendar_write_back",
        "webhooks",
        "retention",
        "verifications",
    }
    mail = next(lane for lane in found["lanes"] if lane["name"] == "mail")
    assert mail["state"] == "ok" and mail["last_pass_at"] == clock.now.isoformat()
    outbox = found["outbox"]
    assert (outbox["due"], outbox["pending"], outbox["failed"]) == (0, 0, 1)
    [failed] = outbox["failed_messages"]
    assert failed["id"] == message_id and failed["to"] == "gone@example.com"
    assert failed["subject"] == "Your agenda" and "550" in failed["last_error"]
    assert found["calendars_in_error"] == []
    assert found["write_backs"] == {"pending": 0, "failed": 0, "failing": []}


def test_the_api_tries_a_failed_email_again(app, client, admin, ann, make_token, smtp_sink, clock):
    message_id = failed_email(app, smtp_sink, clock)
    url = f"/api/v1/admin/operations/mail/{message_id}/retry"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=make_token(ann["id"])).status_code == 403
    assert status_of(app, message_id) == "failed"

    headers = make_token(admin["id"])
    response = client.post(url, headers=headers)
    assert response.status_code == 200
    assert response.json == {"message": {"id": message_id, "status": "pending"}}
    again = client.post(url, headers=headers)
    assert again.status_code == 404 and again.json["error"]
    missing = client.post("/api/v1/admin/operations/mail/999999/retry", headers=headers)
    assert missing.status_code == 404

    smtp_sink.reject.clear()
    worker_pass(app)
    assert smtp_sink.wait_for(1)
    assert status_of(app, message_id) == "sent"


def test_the_openapi_document_has_the_admin_paths(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/api/v1/admin/operations"]
    assert "post" in paths["/api/v1/admin/operations/mail/{id}/retry"]
