"""Backup and restore: a consistent archive while the app serves, and the move to PostgreSQL."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text

from bwm import create_app
from bwm.extensions import db
from tests.test_booking import monday_at

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")
PG_URL = os.environ.get("BWM_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def _pg_admin() -> str:
    parts = urlsplit(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    return urlunsplit(parts)


def _pg_answers() -> bool:
    engine = create_engine(_pg_admin(), connect_args={"connect_timeout": 3})
    try:
        engine.connect().close()
    except Exception:  # noqa: BLE001 - no server: the test says so
        return False
    finally:
        engine.dispose()
    return True


def fresh_app(url: str, instance) -> object:
    """An app over a new, migrated database, its secret key kept in its instance folder."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://bwm.example.com",
            "MAIL_SUPPRESS_SEND": True,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=MIGRATIONS)
    return app


@pytest.fixture
def postgres_database():
    """A new PostgreSQL database of this test's own, dropped afterwards."""
    if not _pg_answers():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs PostgreSQL at {PG_URL}")
        pytest.skip(f"no PostgreSQL at {PG_URL}")
    name = f"bwm_restore_{secrets.token_hex(4)}"
    admin = create_engine(_pg_admin(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(_pg_admin())
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def path(url: str) -> str:
    return urlsplit(url).path


def populate(app, feed) -> dict:
    """An organizer with everything that must survive the move."""
    from bwm.services.organizers import create_api_token, create_organizer

    with app.app_context():
        user = create_organizer("olga@example.com", "Olga", "long-password", slug="olga")
        db.session.flush()
        token = create_api_token(user)
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    private = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Secret", "duration_minutes": 30, "visibility": "private"},
        headers=headers,
    ).json
    link = client.post(f"/api/v1/me/meeting-types/{private['id']}/links", json={}, headers=headers)
    booked = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": monday_at(10).isoformat(), "name": "Ann", "email": "ann@example.org"},
    )
    share = client.post(
        "/api/v1/me/calendar-shares",
        json={"email": "eve@example.net", "detail": "free_busy"},
        headers=headers,
    )
    calendar = client.post(
        "/api/v1/me/calendars",
        json={"kind": "ics", "url": feed.url("/o.ics"), "username": "o", "password": "s3cret"},
        headers=headers,
    )
    busy = client.post(
        "/api/v1/me/busy",
        json={"start": monday_at(14).isoformat(), "end": monday_at(15).isoformat()},
        headers=headers,
    )
    assert {r.status_code for r in (link, booked, share, calendar, busy)} == {201}
    return {
        "headers": headers,
        "link": link.json["url"],
        "manage": booked.json["manage_url"],
        "booking": client.get(
            path(booked.json["manage_url"]).replace("/m/", "/api/v1/bookings/")
        ).json["booking"],
        "share": share.json["url"],
        "calendar": calendar.json["id"],
        "page": client.get("/api/v1/pages/olga").json,
    }


def day_slots(client, day) -> list[str]:
    url = f"/api/v1/pages/olga/types/30-minute-meeting/slots?start={day}&end={day}"
    return client.get(url).json["slots"]


def test_sqlite_to_postgresql_is_a_backup_and_a_restore(tmp_path, postgres_database, feed):
    source = fresh_app("sqlite:///" + str(tmp_path / "source.sqlite"), tmp_path / "a")
    made = populate(source, feed)
    archive = tmp_path / "bwm.backup"
    result = source.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds the secret key

    target_instance = tmp_path / "b"
    target = fresh_app(postgres_database, target_instance)  # a key of its own, for now
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "the archive's secret key" in result.output

    # As after a restart: the instance now holds the archive's key.
    moved = fresh_app(postgres_database, target_instance)
    client = moved.test_client()
    assert client.get("/api/v1/pages/olga").json == made["page"]
    assert client.get(path(made["link"])).status_code == 200
    assert client.get(path(made["manage"])).status_code == 200
    token = path(made["manage"]).rsplit("/", 1)[1]
    assert client.get(f"/api/v1/bookings/{token}").json["booking"] == made["booking"]
    assert client.get(path(made["share"])).status_code == 200
    assert client.get(path(made["share"]) + ".ics").status_code == 200
    assert client.get("/api/v1/me/page", headers=made["headers"]).status_code == 200
    with moved.app_context():
        from bwm.models import ConnectedCalendar
        from bwm.services.calendars import decrypt_password

        stored = db.session.get(ConnectedCalendar, made["calendar"]).password_encrypted
        assert decrypt_password(stored) == "s3cret"
    # The booking and the busy block still block; new rows get new ids.
    slots = day_slots(client, monday_at(10).date())
    taken = {monday_at(10).isoformat(), monday_at(14).isoformat(), monday_at(14, 30).isoformat()}
    assert not {s for s in slots if s in taken}
    again = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": monday_at(10).isoformat(), "name": "Bo", "email": "bo@example.org"},
    )
    assert again.status_code == 409
    later = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": monday_at(11).isoformat(), "name": "Bo", "email": "bo@example.org"},
    )
    assert later.status_code == 201, later.json

    # A second restore into what is no longer empty is refused, and changes nothing.
    before = counts(moved)
    result = moved.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "not empty" in result.output and "nothing was changed" in result.output
    assert counts(moved) == before
    for app in (source, target, moved):
        with app.app_context():
            db.engine.dispose()


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            t.name: db.session.execute(db.select(db.func.count()).select_from(t)).scalar()
            for t in db.metadata.sorted_tables
        }


def rewrite(archive, to, **manifest_changes) -> None:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(to, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                data = json.dumps({**json.loads(data), **manifest_changes}).encode()
            out.writestr(item, data)


def test_an_archive_from_a_newer_bwm_is_refused_with_a_reason(tmp_path, feed):
    source = fresh_app("sqlite:///" + str(tmp_path / "s.sqlite"), tmp_path / "a")
    populate(source, feed)
    archive = tmp_path / "bwm.backup"
    assert source.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    target = fresh_app("sqlite:///" + str(tmp_path / "t.sqlite"), tmp_path / "b")
    runner = target.test_cli_runner()

    rewrite(archive, tmp_path / "schema.backup", revision="ffffffffffff")
    result = runner.invoke(args=["restore", str(tmp_path / "schema.backup")])
    assert result.exit_code == 1 and "newer than this bwm knows" in result.output
    rewrite(archive, tmp_path / "format.backup", format=99)
    result = runner.invoke(args=["restore", str(tmp_path / "format.backup")])
    assert result.exit_code == 1 and "newer bwm" in result.output
    (tmp_path / "junk.backup").write_bytes(b"not a zip")
    result = runner.invoke(args=["restore", str(tmp_path / "junk.backup")])
    assert result.exit_code == 1 and "not a bwm backup" in result.output
    assert {n for t, n in counts(target).items() if t != "org_settings"} == {0}  # nothing loaded
    # The real archive goes in.
    assert runner.invoke(args=["restore", str(archive)]).exit_code == 0
    assert counts(target)["bookings"] == 1


def test_a_backup_taken_while_bookings_pour_in_is_consistent(make_app, make_user, tmp_path):
    app = make_app()
    make_user(slug="olga", timezone="Europe/Stockholm")
    starts = [monday_at(9) + timedelta(minutes=30 * n) for n in range(16)]
    started = threading.Barrier(3)
    done = threading.Event()
    outcomes: list[int] = []

    def book(mine: list) -> None:
        client = app.test_client()
        started.wait(timeout=30)
        for start in mine:
            response = client.post(
                "/api/v1/pages/olga/types/30-minute-meeting/bookings",
                json={"start": start.isoformat(), "name": "Ann", "email": "ann@example.org"},
            )
            outcomes.append((response.status_code, response.json))

    threads = [threading.Thread(target=book, args=(starts[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    archives = []
    started.wait(timeout=30)
    runner = app.test_cli_runner()
    while any(t.is_alive() for t in threads) or not archives:
        target = tmp_path / f"b{len(archives)}.backup"
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        archives.append(target)
    for thread in threads:
        thread.join(timeout=60)
    done.set()
    assert [code for code, _ in outcomes].count(201) == len(starts), outcomes
    for archive in archives:
        with zipfile.ZipFile(archive) as zf:
            bookings = [json.loads(x) for x in zf.read("tables/bookings.jsonl").splitlines()]
            outbox = [json.loads(x) for x in zf.read("tables/outbox.jsonl").splitlines()]
        uids = sorted(b["uid"] for b in bookings)
        mailed = sorted(json.loads(m["facts"])["booking"]["uid"] for m in outbox if m["facts"])
        # Each booking with both its emails, or neither: one moment of the database.
        assert mailed == sorted(uids * 2)
    shutil.rmtree(tmp_path, ignore_errors=True)
