"""The outbox against a real SMTP server (aiosmtpd): enqueue, deliver, retry, the worker."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar, Event

from bwm.extensions import db
from bwm.jobs.queue import GIVE_UP_AFTER, retry_delay
from bwm.jobs.worker import worker
from bwm.models import OutboxMessage, now_utc
from bwm.outbox import enqueue, outbox_counts
from bwm.outbox.delivery import deliver_batch
from tests.conftest import Clock
from tests.smtp import SMTPSink

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def invitation(method: str = "REQUEST", uid: str = "booking-1@bwm.example.com") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//bwm tests//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", 0)
    event.add("dtstamp", NOW)
    event.add("dtstart", NOW + timedelta(days=1))
    event.add("dtend", NOW + timedelta(days=1, minutes=30))
    event.add("summary", "Intro call")
    cal.add_component(event)
    return cal.to_ical()


@pytest.fixture
def mail_app(make_app):
    """Build an app that sends to the given port (None: the .eml folder), with `flask worker`."""

    def make(port: int | None, **extra):
        config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port} if port else {"MAIL_SERVER": None}
        app = make_app(**{"MAIL_SUPPRESS_SEND": False, "MAIL_TIMEOUT": 10, **config, **extra})
        if "worker" not in app.cli.commands:
            app.cli.add_command(worker)
        return app

    return make


def add(app, count: int = 1, *, now: datetime = NOW, **kwargs) -> list[int]:
    """Enqueue and commit `count` messages; return their ids."""
    fields = {
        "to": "ada@example.com",
        "subject": "Your booking",
        "text": "See you then.",
        "html": "",
    }
    fields.update(kwargs)
    with app.app_context():
        ids = [enqueue(**fields, now=now).id for _ in range(count)]
        db.session.commit()
    return ids


def row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        db.session.expunge(found)
        return found


def deliver(app, *, now: datetime, ids=None) -> int:
    """One batch of the mail lane at `now` (only `ids` when given); how many were sent."""
    with app.app_context():
        return deliver_batch(lambda: now, ids=ids).sent


def counts(app) -> dict[str, int]:
    with app.app_context():
        return outbox_counts()


def test_enqueue_in_a_rolled_back_transaction_sends_nothing(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port)
    with app.app_context():
        message = enqueue("ada@example.com", "Hello", "Hi", now=NOW)
        assert message.id is not None  # flushed, so the caller can point at it
        db.session.rollback()
        assert deliver_batch(lambda: NOW + timedelta(hours=1)).sent == 0
        assert outbox_counts() == {"pending": 0, "sent": 0, "failed": 0}
    assert smtp_sink.received == []


def test_delivers_text_html_and_the_invitation(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port, MAIL_DEFAULT_SENDER=("Bookings", "bookings@example.com"))
    [message_id] = add(
        app,
        to="ada@example.com",
        subject="Booked: Intro call",
        text="Your booking is confirmed.",
        html="<p>Your booking is <b>confirmed</b>.</p>",
        ics=invitation("REQUEST"),
    )

    assert deliver(app, now=NOW) == 1

    [received] = smtp_sink.received
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.mail_from == "bookings@example.com"
    assert b"\r\n" in received.raw and b"\n" not in received.raw.replace(b"\r\n", b"")
    msg = received.message
    assert msg["From"] == "Bookings <bookings@example.com>"
    assert msg["To"] == "ada@example.com"
    assert msg["Subject"] == "Booked: Intro call"
    assert msg["Date"] and msg["Message-ID"].endswith("@bwm.example.com>")
    assert msg.get_content_type() == "multipart/mixed"

    alternative = msg.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert msg.get_body(("plain",)).get_content().strip() == "Your booking is confirmed."
    assert "<b>confirmed</b>" in msg.get_body(("html",)).get_content()
    calendar_part = alternative.get_payload()[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    cal = Calendar.from_ical(calendar_part.get_content())
    assert cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == "booking-1@bwm.example.com"

    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert Calendar.from_ical(attachment.get_content())["METHOD"] == "REQUEST"

    sent = row(app, message_id)
    assert (sent.status, sent.sent_at, sent.locked_until) == ("sent", NOW, None)
    assert deliver(app, now=NOW + timedelta(hours=1)) == 0  # nothing is sent twice
    assert len(smtp_sink.received) == 1


def test_a_cancellation_carries_method_cancel(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port)
    add(app, ics=invitation("CANCEL").decode(), ics_method="CANCEL")
    assert deliver(app, now=NOW) == 1
    [msg] = smtp_sink.messages
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    assert Calendar.from_ical(part.get_content())["METHOD"] == "CANCEL"


def test_plain_text_only_is_a_single_part(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port)
    add(app, text="Just text.")
    deliver(app, now=NOW)
    [msg] = smtp_sink.messages
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content().strip() == "Just text."


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: eve@example.net",
        "Hello\nBcc: eve@example.net",
        "Hello\rBcc: eve@example.net",
        "Hello\u2028Bcc: eve@example.net",
    ],
)
def test_a_newline_in_the_subject_never_becomes_a_header(mail_app, smtp_sink, subject):
    app = mail_app(smtp_sink.port)
    [message_id] = add(app, subject=subject)
    assert "\n" not in row(app, message_id).subject and "\r" not in row(app, message_id).subject

    assert deliver(app, now=NOW) == 1

    [received] = smtp_sink.received
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Hello Bcc: eve@example.net"
    headers = received.raw.split(b"\r\n\r\n", 1)[0]
    assert not any(line.startswith(b"Bcc") for line in headers.split(b"\r\n"))


@pytest.mark.parametrize(
    "to", ["ada@example.com\r\nBcc: eve@example.net", "ada@example.com\n", "\rada@example.com", ""]
)
def test_a_recipient_with_a_newline_is_refused(app, to):
    with app.app_context():
        with pytest.raises(ValueError):
            enqueue(to, "Hello", "Hi", now=NOW)
        assert outbox_counts()["pending"] == 0


def test_the_invitation_method_must_agree_with_the_calendar(app):
    with app.app_context():
        with pytest.raises(ValueError):
            enqueue("ada@example.com", "Hi", "Hi", ics=invitation(), ics_method="CANCEL", now=NOW)
        with pytest.raises(ValueError):
            enqueue("ada@example.com", "Hi", "Hi", ics_method="REQUEST", now=NOW)
        message = enqueue("ada@example.com", "Hi", "Hi", ics=invitation("CANCEL"), now=NOW)
        assert message.ics_method == "CANCEL"


def test_a_message_waits_while_the_server_is_down_then_goes_once(mail_app):
    sink = SMTPSink()  # its port, with nobody listening yet
    app = mail_app(sink.port)
    [message_id] = add(app)

    assert deliver(app, now=NOW) == 0

    waiting = row(app, message_id)
    assert waiting.status == "pending"
    assert waiting.attempts == 1
    assert "refused" in waiting.last_error.lower()
    assert waiting.next_attempt_at == NOW + timedelta(seconds=15)
    assert waiting.locked_until is None

    sink.start()
    try:
        assert deliver(app, now=NOW + timedelta(seconds=10)) == 0  # not due yet
        assert sink.received == []
        assert deliver(app, now=NOW + timedelta(seconds=15)) == 1
        assert deliver(app, now=NOW + timedelta(minutes=5)) == 0
    finally:
        sink.stop()
    assert len(sink.received) == 1
    sent = row(app, message_id)
    assert (sent.status, sent.attempts) == ("sent", 1)


def test_a_server_that_is_down_leaves_the_rest_of_a_batch_free_to_go_at_once(mail_app):
    """Messages are claimed several at a time; when the server can't be reached, the ones not
    tried yet are given back, so the next pass sends them without waiting for the claim."""
    sink = SMTPSink()
    app = mail_app(sink.port)
    first, *rest = add(app, 4)

    assert deliver(app, now=NOW) == 0
    assert row(app, first).attempts == 1
    for message_id in rest:
        untried = row(app, message_id)
        assert (untried.attempts, untried.locked_until) == (0, None)

    sink.start()
    try:
        assert deliver(app, now=NOW + timedelta(seconds=1)) == 3  # the first one waits its turn
        assert deliver(app, now=NOW + timedelta(seconds=15)) == 1
    finally:
        sink.stop()
    assert len(sink.received) == 4


def test_a_message_failing_for_a_day_fails_and_retries_stay_minutes_apart(mail_app):
    app = mail_app(SMTPSink().port)  # never started
    [message_id] = add(app)
    now = NOW
    delays = []
    while row(app, message_id).status == "pending":
        assert deliver(app, now=now) == 0
        current = row(app, message_id)
        delays.append(current.next_attempt_at - now)
        now = current.next_attempt_at
        assert len(delays) < 2000

    failed = row(app, message_id)
    assert failed.status == "failed"
    assert failed.last_error
    # Soon at first, then every two minutes: a server back up is used within two minutes.
    assert delays[:4] == [timedelta(seconds=s) for s in (15, 30, 60, 120)]
    assert set(delays[4:-1]) == {timedelta(minutes=2)}
    assert now - NOW >= GIVE_UP_AFTER
    assert now - NOW < GIVE_UP_AFTER + timedelta(minutes=3)
    assert deliver(app, now=now + timedelta(days=1)) == 0
    assert counts(app) == {"pending": 0, "sent": 0, "failed": 1}


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 15), (2, 30), (3, 60), (4, 120), (5, 120), (200, 120)]
)
def test_retry_delay_doubles_up_to_two_minutes(attempts, seconds):
    assert retry_delay(attempts) == timedelta(seconds=seconds)


def test_a_recipient_the_server_refuses_fails_at_once(mail_app, smtp_sink):
    smtp_sink.reject.add("nobody@example.org")
    app = mail_app(smtp_sink.port)
    refused, fine = add(app, to="nobody@example.org")[0], add(app)[0]

    assert deliver(app, now=NOW) == 1

    assert row(app, refused).status == "failed"
    assert "550" in row(app, refused).last_error
    assert row(app, fine).status == "sent"
    assert [r.rcpt_tos for r in smtp_sink.received] == [["ada@example.com"]]


def test_only_the_given_ids_are_delivered(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port)
    first, second, third = add(app, 3)
    assert deliver(app, ids=[second], now=NOW) == 1
    assert deliver(app, ids=[], now=NOW) == 0
    assert [row(app, i).status for i in (first, second, third)] == ["pending", "sent", "pending"]


def test_a_message_claimed_by_another_worker_is_left_alone(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port)
    [message_id] = add(app)
    with app.app_context():
        db.session.get(OutboxMessage, message_id).locked_until = NOW + timedelta(minutes=10)
        db.session.commit()

    assert deliver(app, now=NOW) == 0
    assert smtp_sink.received == []
    # The other worker died: its claim runs out and the message goes.
    assert deliver(app, now=NOW + timedelta(minutes=10, seconds=1)) == 1
    assert len(smtp_sink.received) == 1


def test_without_a_mail_server_messages_become_eml_files(mail_app, tmp_path):
    folder = tmp_path / "outgoing"
    app = mail_app(None, MAIL_DIR=str(folder))
    [message_id] = add(app, subject="Booked", html="<p>Booked</p>", ics=invitation())

    assert deliver(app, now=NOW) == 1

    [path] = folder.iterdir()  # nothing else: no temporary file left behind
    assert path.name.startswith(f"{message_id}-") and path.suffix == ".eml"
    raw = path.read_bytes()
    assert b"\r\n" in raw
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"] == "ada@example.com" and msg["Subject"] == "Booked"
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    assert Calendar.from_ical(part.get_content())["METHOD"] == "REQUEST"
    assert [a.get_filename() for a in msg.iter_attachments()] == ["invite.ics"]
    assert row(app, message_id).status == "sent"


def test_eml_files_go_to_the_instance_folder_by_default(mail_app, tmp_path):
    app = mail_app(None)
    add(app)
    assert deliver(app, now=NOW) == 1
    assert len(list(Path(app.instance_path, "mail").glob("*.eml"))) == 1


def test_suppressed_sending_records_messages_as_sent(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port, MAIL_SUPPRESS_SEND=True)
    [message_id] = add(app)
    assert deliver(app, now=NOW) == 1
    assert row(app, message_id).status == "sent"
    assert smtp_sink.received == []


def test_worker_once_delivers_what_is_due(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port, CLOCK=Clock(NOW))
    add(app, 2)
    add(app, 1, now=NOW + timedelta(minutes=5))  # not due yet

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "mail 2" in result.output
    assert len(smtp_sink.received) == 2
    assert counts(app) == {"pending": 1, "sent": 2, "failed": 0}


def test_worker_once_sends_more_than_one_batch(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port, CLOCK=Clock(NOW))
    add(app, 105)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(smtp_sink.received) == 105


def test_several_workers_at_once_send_each_message_once(mail_app, smtp_sink):
    app = mail_app(smtp_sink.port)
    add(app, 20)
    workers = 4
    barrier = threading.Barrier(workers)
    sent: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                sent.append(deliver_batch(lambda: NOW).sent)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(sent) == 20
    ids = Counter(msg["Message-ID"] for msg in smtp_sink.messages)
    assert len(ids) == 20 and set(ids.values()) == {1}
    assert counts(app) == {"pending": 0, "sent": 20, "failed": 0}


def test_the_worker_loop_stops_cleanly_on_sigterm(make_app, database_url, smtp_sink, tmp_path):
    app = make_app()  # empties the tables after the test
    add(app, 2, now=now_utc() - timedelta(seconds=1))
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "BASE_URL": "http://bwm.example.com",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_SUPPRESS_SEND": False,
    }
    script = (
        "import json, sys\n"
        "from flask.cli import FlaskGroup\n"
        "from bwm import create_app\n"
        "from bwm.jobs.worker import worker\n"
        "app = create_app(json.loads(sys.argv[1]))\n"
        "if 'worker' not in app.cli.commands:\n"
        "    app.cli.add_command(worker)\n"
        "FlaskGroup(create_app=lambda: app).main(['worker', '--interval', '0.2'])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps(config)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        delivered = smtp_sink.wait_for(2, timeout=30)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert delivered, err
    assert proc.returncode == 0, err
    assert "mail 2" in out
    assert out.rstrip().endswith("worker: stopped")
    assert len(smtp_sink.received) == 2


def test_a_failing_lane_does_not_stop_the_others(mail_app, smtp_sink, monkeypatch):
    from bwm.jobs import worker as worker_module

    def broken(clock, stop=None):
        raise RuntimeError("calendar server gone")

    real_lanes = worker_module.lanes

    def lanes(interval=0.5):
        return [worker_module.Lane("calendar_sync", broken, 1.0)] + [
            lane for lane in real_lanes(interval) if lane.name != "calendar_sync"
        ]

    monkeypatch.setattr(worker_module, "lanes", lanes)
    app = mail_app(smtp_sink.port, CLOCK=Clock(NOW))
    add(app)

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 1
    assert "failed: calendar_sync" in result.output
    assert "mail 1" in result.output
    assert len(smtp_sink.received) == 1


@pytest.mark.parametrize(
    "subject",
    [
        "Booked: Intro call",
        "Booked: " + " ".join(["a rather long meeting title that goes on"] * 4),
        "Bokat: Möte med Åsa Öberg på måndag",
        "Geboekt: " + " ".join(["één"] * 40),
    ],
)
def test_subjects_short_long_and_non_ascii_arrive_as_written(mail_app, smtp_sink, subject):
    app = mail_app(smtp_sink.port)
    add(app, subject=subject, html="<p>Hi</p>", ics=invitation("REQUEST"))
    assert deliver(app, now=NOW) == 1
    [received] = smtp_sink.received
    assert received.message["Subject"] == subject
    headers = received.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert all(len(line) <= 998 for line in headers) and all(h.isascii() for h in headers)
    assert received.raw.count(b"MIME-Version") == 1


def test_a_body_that_looks_like_a_part_boundary_comes_back_as_written(mail_app, smtp_sink):
    """Boundaries are chosen, not searched for: a body made of boundary-like lines (ours, and
    the email package's own) must not cut the message."""
    app = mail_app(smtp_sink.port)
    text = "\n".join(
        ["--=_bwm_" + "0" * 24, "--=_bwm_" + "0" * 24 + "--", "--" + "=" * 15 + "1234==", "end"]
    )
    add(app, text=text, html=f"<pre>{text}</pre>", ics=invitation("REQUEST"))

    assert deliver(app, now=NOW) == 1

    msg = smtp_sink.received[0].message

    def body(kind: str) -> str:
        return msg.get_body((kind,)).get_content().replace("\r\n", "\n").strip()

    assert body("plain") == text
    assert body("html") == f"<pre>{text}</pre>"
    [attachment] = list(msg.iter_attachments())
    assert Calendar.from_ical(attachment.get_content())["METHOD"] == "REQUEST"
