"""Webhooks (SPEC §10): a real HTTP receiver on a loopback port verifies every delivery with the
standardwebhooks package, and fails or stalls when a test says so; the worker runs `--once` on the
test's clock to drive the retries and the 24 hours after which a webhook is turned off."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from standardwebhooks import Webhook

from tests.conftest import Clock, soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EVENTS = [
    "booking.created",
    "booking.confirmed",
    "booking.declined",
    "booking.rescheduled",
    "booking.cancelled",
]


class Receiver:
    """A threaded HTTP server that records each POST; `status` is what it answers, `hold` (an
    Event) makes it wait before answering, and `entered` is set when a request arrives."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.hold: threading.Event | None = None
        self.entered = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._changed:
                    receiver.requests.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                    )
                    receiver._changed.notify_all()
                receiver.entered.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.requests) >= count, timeout)

    def verified(self, secret: str) -> list[dict]:
        """Every body received, each verified with the package's own verifier."""
        return [Webhook(secret).verify(r["body"], r["headers"]) for r in self.requests]


@pytest.fixture
def receiver():
    r = Receiver()
    r.thread.start()
    yield r
    if r.hold is not None:
        r.hold.set()
    r.server.shutdown()
    r.server.server_close()


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
def olga(app, make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


def worker_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def deliver(app, receiver: Receiver, count: int) -> None:
    """Run passes until the receiver has `count` requests (a booking's next event waits for
    the one before, so each pass sends one event per booking)."""
    for _ in range(count + 2):
        if len(receiver.requests) >= count:
            break
        worker_once(app)
    assert len(receiver.requests) == count


def add_webhook(client, headers, url, events=EVENTS, path="/api/v1/me/webhooks") -> dict:
    response = client.post(path, json={"url": url, "events": events}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json


def book(client, at: datetime, type_slug: str = "30-minute-meeting", **extra) -> dict:
    response = client.post(
        f"/api/v1/pages/olga/types/{type_slug}/bookings",
        json={
            "start": at.isoformat(),
            "name": "Anna Attendee",
            "email": "anna@example.org",
            "timezone": "America/New_York",
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return {**response.json, "token": response.json["manage_url"].rsplit("/", 1)[1]}


def deliveries(client, headers, hook_id, path="/api/v1/me/webhooks") -> list[dict]:
    response = client.get(f"{path}/{hook_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.text
    return response.json["deliveries"]


# --- the receivers -------------------------------------------------------------------------------


def test_a_webhook_is_added_listed_and_removed_its_secret_shown_once(client, olga, receiver):
    created = add_webhook(client, olga["headers"], receiver.url, ["booking.cancelled"])
    assert created["secret"].startswith("whsec_")
    Webhook(created["secret"])  # the package reads it
    assert created["url"] == receiver.url
    assert created["events"] == ["booking.cancelled"]
    assert created["enabled"] is True

    listed = client.get("/api/v1/me/webhooks", headers=olga["headers"]).json["webhooks"]
    assert [hook["id"] for hook in listed] == [created["id"]]
    assert "secret" not in listed[0]

    gone = client.delete(f"/api/v1/me/webhooks/{created['id']}", headers=olga["headers"])
    assert gone.status_code == 204
    assert client.get("/api/v1/me/webhooks", headers=olga["headers"]).json == {"webhooks": []}
    assert client.get("/api/v1/me/webhooks").status_code == 401


def test_another_organizers_webhook_is_404(client, olga, receiver, make_user, make_token):
    hook = add_webhook(client, olga["headers"], receiver.url)
    other = make_token(make_user(email="other@example.com")["id"])
    base = f"/api/v1/me/webhooks/{hook['id']}"
    assert client.get(f"{base}/deliveries", headers=other).status_code == 404
    assert client.post(f"{base}/test", headers=other).status_code == 404
    assert client.post(f"{base}/deliveries/1/retry", headers=other).status_code == 404
    assert client.delete(base, headers=other).status_code == 404
    assert client.get("/api/v1/me/webhooks", headers=other).json == {"webhooks": []}
    # Still there for its owner.
    assert client.get(f"{base}/deliveries", headers=olga["headers"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://hooks.example.com/x", "events": EVENTS}, "url"),
        ({"url": "garbage", "events": EVENTS}, "url"),
        ({"url": "https://", "events": EVENTS}, "url"),
        ({"url": "", "events": EVENTS}, "url"),
        ({"events": EVENTS}, "url"),
        ({"url": "https://hooks.example.com/", "events": []}, "events"),
        ({"url": "https://hooks.example.com/", "events": ["booking.nope"]}, "events"),
        ({"url": "https://hooks.example.com/"}, "events"),
    ],
)
def test_a_bad_webhook_is_422(client, olga, body, field):
    response = client.post("/api/v1/me/webhooks", json=body, headers=olga["headers"])
    assert response.status_code == 422, response.text
    assert field in response.json["errors"]


def test_private_addresses_are_refused_when_the_deployment_says_so(
    make_app, make_user, make_token, receiver
):
    app = make_app(WEBHOOK_DENY_PRIVATE_ADDRESSES="true")
    client = app.test_client()
    headers = make_token(make_user(email="paula@example.com")["id"])
    response = client.post(
        "/api/v1/me/webhooks", json={"url": receiver.url, "events": EVENTS}, headers=headers
    )
    assert response.status_code == 422
    assert "private or local" in response.json["errors"]["url"]


# --- deliveries ----------------------------------------------------------------------------------


def test_every_event_is_delivered_signed_with_the_bookings_json(app, client, olga, receiver, start):
    hook = add_webhook(client, olga["headers"], receiver.url)
    ask = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Ask", "slug": "ask", "duration_minutes": 30, "requires_confirmation": True},
        headers=olga["headers"],
    )
    assert ask.status_code == 201, ask.text

    expected = []
    booked = book(client, start)
    expected.append(("booking.created", booked["booking"]))
    deliver(app, receiver, 1)  # nothing goes to a receiver before the worker sends it

    moved = client.patch(
        f"/api/v1/bookings/{booked['token']}",
        json={"start": (start + timedelta(hours=1)).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    expected.append(("booking.rescheduled", moved.json["booking"]))
    cancelled = client.delete(f"/api/v1/bookings/{booked['token']}", json={"reason": "Ill"})
    assert cancelled.status_code == 200, cancelled.text
    expected.append(("booking.cancelled", cancelled.json["booking"]))

    first = book(client, start + timedelta(hours=2), "ask")
    expected.append(("booking.created", first["booking"]))
    confirmed = client.post(
        f"/api/v1/me/bookings/{first['booking']['uid']}/confirm", headers=olga["headers"]
    )
    assert confirmed.status_code == 200, confirmed.text
    expected.append(("booking.confirmed", confirmed.json["booking"]))
    second = book(client, start + timedelta(hours=4), "ask", email="sam@example.net")
    expected.append(("booking.created", second["booking"]))
    declined = client.post(
        f"/api/v1/me/bookings/{second['booking']['uid']}/decline",
        json={"reason": "Full"},
        headers=olga["headers"],
    )
    assert declined.status_code == 200, declined.text
    expected.append(("booking.declined", declined.json["booking"]))

    deliver(app, receiver, len(expected))
    bodies = receiver.verified(hook["secret"])
    assert {body["type"] for body in bodies} == set(EVENTS)
    # In order per booking; each booking as the API showed it after that change.
    for uid in {booking["uid"] for _, booking in expected}:
        sent = [
            (b["type"], b["data"]["booking"]) for b in bodies if b["data"]["booking"]["uid"] == uid
        ]
        assert sent == [(t, b) for t, b in expected if b["uid"] == uid]
    for body in bodies:
        assert set(body) == {"type", "timestamp", "data"}
        assert datetime.fromisoformat(body["timestamp"]).utcoffset() == timedelta(0)
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == len(ids)

    log = deliveries(client, olga["headers"], hook["id"])
    assert len(log) == len(expected)
    assert {d["status"] for d in log} == {"delivered"}
    assert {d["status_code"] for d in log} == {200}
    assert all(d["attempted_at"] and len(d["tries"]) == 1 for d in log)


def test_an_event_not_asked_for_is_not_sent(app, client, olga, receiver, start):
    add_webhook(client, olga["headers"], receiver.url, ["booking.cancelled"])
    booked = book(client, start)
    worker_once(app)
    assert receiver.requests == []
    assert client.delete(f"/api/v1/bookings/{booked['token']}").status_code == 200
    deliver(app, receiver, 1)
    assert json.loads(receiver.requests[0]["body"])["type"] == "booking.cancelled"


def test_retries_keep_the_webhook_id_and_a_bookings_later_event_waits(
    app, client, olga, receiver, start, clock
):
    hook = add_webhook(client, olga["headers"], receiver.url)
    receiver.status = 500
    booked = book(client, start)
    assert client.delete(f"/api/v1/bookings/{booked['token']}").status_code == 200

    worker_once(app)  # the first event fails; the cancellation waits behind it
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["booking.created"]
    clock.advance(seconds=5)
    worker_once(app)
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["booking.created"] * 2

    receiver.status = 204
    clock.advance(minutes=5)
    for _ in range(4):
        worker_once(app)
    bodies = receiver.verified(hook["secret"])
    mine = [
        (r["headers"]["webhook-id"], b["type"])
        for r, b in zip(receiver.requests, bodies, strict=True)
        if b["data"]["booking"]["uid"] == booked["booking"]["uid"]
    ]
    created = [message_id for message_id, kind in mine if kind == "booking.created"]
    assert len(created) == 3 and len(set(created)) == 1  # two failures, then it arrived
    assert [kind for _, kind in mine] == ["booking.created"] * 3 + ["booking.cancelled"]

    log = {d["event"]: d for d in deliveries(client, olga["headers"], hook["id"]) if d["event"]}
    first = next(
        d for d in deliveries(client, olga["headers"], hook["id"]) if d["message_id"] == created[0]
    )
    assert first["status"] == "delivered"
    assert [t["status_code"] for t in first["tries"]] == [204, 500, 500]
    assert first["tries"][1]["error"] == "the receiver answered 500"
    assert log["booking.cancelled"]["status"] == "delivered"


def test_a_webhook_failing_for_24_hours_is_turned_off_and_its_owner_told(
    app, client, olga, receiver, start, clock, smtp_sink, make_user, make_token, login
):
    hook = add_webhook(client, olga["headers"], receiver.url, ["booking.created"])
    receiver.status = 500
    book(client, start)
    began = clock.now
    for _ in range(20):
        worker_once(app)
        (delivery,) = deliveries(client, olga["headers"], hook["id"])
        if delivery["status"] != "pending":
            break
        clock.now = datetime.fromisoformat(delivery["next_attempt_at"])
    assert delivery["status"] == "failed"
    assert clock.now - began == timedelta(hours=24)  # the last try falls at 24 hours
    assert len(receiver.requests) == delivery["attempts"] >= 6
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1

    (seen,) = client.get("/api/v1/me/webhooks", headers=olga["headers"]).json["webhooks"]
    assert seen["enabled"] is False
    assert seen["disabled_at"] == clock.now.isoformat()
    # The owner's email went out in the same pass, through the outbox.
    assert smtp_sink.wait_for(3)  # the booking's two, then the warning
    warning = next(m for m in smtp_sink.messages if "turned off" in m["Subject"])
    assert warning["To"] == "olga@example.com"
    assert receiver.url in warning.get_body(("plain",)).get_content()

    # The administrator sees it on the operations page and in its API.
    admin = make_user(email="admin@example.com", admin=True)
    overview = client.get("/api/v1/admin/operations", headers=make_token(admin["id"])).json
    (failing,) = overview["webhooks_failing"]
    assert (failing["id"], failing["owner"]) == (hook["id"], "olga@example.com")
    assert failing["disabled_at"] == clock.now.isoformat() and failing["last_status_code"] == 500
    login(admin)
    row = soup(client.get("/admin/operations")).find(id=f"webhook-{hook['id']}")
    assert receiver.url in row.get_text() and "500" in row.get_text()
    client.post("/logout")

    # Turned off: a new booking sends nothing.
    book(client, start + timedelta(hours=2))
    clock.advance(minutes=1)
    worker_once(app)
    assert len(receiver.requests) == delivery["attempts"]

    # "Send again" turns it on and sends the same message.
    receiver.status = 200
    retried = client.post(
        f"/api/v1/me/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry",
        headers=olga["headers"],
    )
    assert retried.status_code == 202, retried.text
    assert retried.json["delivery"]["status"] == "pending"
    worker_once(app)
    assert receiver.requests[-1]["headers"]["webhook-id"] == delivery["message_id"]
    receiver.verified(hook["secret"])
    (seen,) = client.get("/api/v1/me/webhooks", headers=olga["headers"]).json["webhooks"]
    assert seen["enabled"] is True


def test_the_test_delivery_is_queued_and_sent_by_the_worker(app, client, olga, receiver):
    hook = add_webhook(client, olga["headers"], receiver.url)
    response = client.post(f"/api/v1/me/webhooks/{hook['id']}/test", headers=olga["headers"])
    assert response.status_code == 202, response.text
    assert response.json["delivery"]["event"] == "webhook.test"
    assert receiver.requests == []  # the request only queued it
    deliver(app, receiver, 1)
    (body,) = receiver.verified(hook["secret"])
    assert body["type"] == "webhook.test"
    assert set(body["data"]["booking"]) >= {"uid", "start", "end", "status", "attendee"}
    (delivery,) = deliveries(client, olga["headers"], hook["id"])
    assert delivery["status"] == "delivered"
    assert delivery["message_id"] == receiver.requests[0]["headers"]["webhook-id"]


def test_an_organization_webhook_receives_every_organizers_bookings(
    app, client, olga, receiver, start, make_user, make_token
):
    admin = make_token(make_user(email="admin@example.com", admin=True)["id"])
    assert (
        client.post(
            "/api/v1/admin/webhooks",
            json={"url": receiver.url, "events": EVENTS},
            headers=olga["headers"],
        ).status_code
        == 403
    )
    hook = add_webhook(client, admin, receiver.url, path="/api/v1/admin/webhooks")
    assert hook["scope"] == "organization"
    assert client.get("/api/v1/me/webhooks", headers=admin).json == {"webhooks": []}
    listed = client.get("/api/v1/admin/webhooks", headers=admin).json["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]]

    booked = book(client, start)  # Olga's booking
    deliver(app, receiver, 1)
    (body,) = receiver.verified(hook["secret"])
    assert body["type"] == "booking.created"
    assert body["data"]["booking"] == booked["booking"]
    (delivery,) = deliveries(client, admin, hook["id"], path="/api/v1/admin/webhooks")
    assert delivery["status"] == "delivered"
    test = client.post(f"/api/v1/admin/webhooks/{hook['id']}/test", headers=admin)
    assert test.status_code == 202
    assert client.delete(f"/api/v1/admin/webhooks/{hook['id']}", headers=admin).status_code == 204


def test_a_slow_receiver_never_delays_mail(make_app, smtp_sink, make_user, make_token, receiver):
    app = make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)
    client = app.test_client()
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    add_webhook(client, make_token(user["id"]), receiver.url, ["booking.created"])
    receiver.hold = threading.Event()
    monday = next_weekday(0)
    first = datetime(monday.year, monday.month, monday.day, 10, 0, tzinfo=STOCKHOLM)

    book(client, first)
    assert receiver.entered.wait(10), "the webhooks lane never posted"
    # The webhooks lane waits on the receiver; another booking's emails go out meanwhile.
    book(client, first + timedelta(hours=2), email="sam@example.net")
    assert smtp_sink.wait_for(4, timeout=10)
    assert len(receiver.requests) == 1 and not receiver.hold.is_set()
    receiver.hold.set()
    assert receiver.wait_for(2, timeout=20)


# --- the /me page --------------------------------------------------------------------------------


def csrf_of(client, url: str) -> str:
    return soup(client.get(url)).find("input", attrs={"name": "csrf_token"})["value"]


def test_the_me_page_without_javascript(make_app, smtp_sink, clock, make_user, receiver, start):
    app = make_app(
        MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock, WTF_CSRF_ENABLED=True
    )
    client = app.test_client()
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    assert client.get("/me/webhooks").status_code == 302  # signed in only
    login = {"email": user["email"], "password": user["password"]}
    assert (
        client.post("/login", data={**login, "csrf_token": csrf_of(client, "/login")}).status_code
        == 303
    )
    page = soup(client.get("/me/webhooks"))
    assert page.find("a", href="/me/webhooks")  # in the organizer's nav
    form = page.find("form", id="add-webhook")
    assert form["method"] == "post" and form.find("label", attrs={"for": "url"})
    assert len(form.find_all("input", attrs={"name": "events"})) == 5

    refused = client.post("/me/webhooks", data={"url": "ftp://x.example.com", "events": EVENTS})
    assert refused.status_code == 400  # no CSRF token
    token = csrf_of(client, "/me/webhooks")
    bad = client.post(
        "/me/webhooks", data={"url": "ftp://x.example.com", "events": EVENTS, "csrf_token": token}
    )
    assert bad.status_code == 422
    assert "http" in soup(bad).find("form", id="add-webhook").get_text()

    added = client.post(
        "/me/webhooks",
        data={"url": receiver.url, "events": ["booking.created"], "csrf_token": token},
    )
    assert added.status_code == 201
    secret = soup(added).find("input", id="secret")["value"]
    assert secret.startswith("whsec_")
    again = client.get("/me/webhooks")
    assert secret not in again.text  # shown once
    article = soup(again).find("article", class_="webhook")
    hook_id = int(article["id"].removeprefix("webhook-"))
    assert receiver.url in article.get_text()

    book(client, start)
    deliver(app, receiver, 1)
    row = soup(client.get("/me/webhooks")).find("tr", id=lambda v: v and v.startswith("delivery-"))
    assert "booking.created" in row.get_text() and "Delivered" in row.get_text()
    retry = row.find("form")
    assert client.post(retry["action"], data={"csrf_token": token}).status_code == 303
    deliver(app, receiver, 2)
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    Webhook(secret).verify(second["body"], second["headers"])

    test = f"/me/webhooks/{hook_id}/test"
    assert client.post(test).status_code == 400
    assert client.post(test, data={"csrf_token": token}).status_code == 303
    deliver(app, receiver, 3)
    assert json.loads(receiver.requests[2]["body"])["type"] == "webhook.test"

    deleted = client.post(f"/me/webhooks/{hook_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert soup(client.get("/me/webhooks")).find("article", class_="webhook") is None


def test_the_document_describes_the_webhooks_and_their_body(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/me/webhooks",
        "/api/v1/me/webhooks/{id}",
        "/api/v1/me/webhooks/{id}/deliveries",
        "/api/v1/me/webhooks/{id}/test",
        "/api/v1/me/webhooks/{id}/deliveries/{delivery_id}/retry",
        "/api/v1/admin/webhooks",
        "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry",
    ):
        assert path in doc["paths"], path
    schemas = doc["components"]["schemas"]
    assert set(schemas["WebhookEvent"]["properties"]) == {"type", "timestamp", "data"}
    assert schemas["WebhookIn"]["properties"]["events"]["items"]["enum"] == EVENTS
    assert "secret" in schemas["WebhookCreated"]["properties"]
