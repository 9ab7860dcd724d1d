"""Fixtures: the app on SQLite (default) or PostgreSQL (BWM_TEST_DATABASE_URL), clients, makers."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text

from bwm import create_app
from bwm.extensions import db
from tests.fixtures_smtp import smtp_sink  # noqa: F401

PG_URL = os.environ.get("BWM_TEST_DATABASE_URL", "")


def _pg_admin_url(url: str) -> str:
    parts = urlsplit(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return urlunsplit(parts)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A database of this test run's own, migrated once with Flask-Migrate."""
    if PG_URL:
        admin_url = _pg_admin_url(PG_URL)
        name = f"bwm_test_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        parts = urlsplit(admin_url)
        url = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "bwm.sqlite")
    app = create_app(_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        db.engine.dispose()
    yield url
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _config(url: str, instance: os.PathLike, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SUPPRESS_SEND": False,
        "BASE_URL": "http://bwm.example.com",
        "INSTANCE_PATH": str(instance),
        **extra,
    }


@pytest.fixture
def make_app(database_url, tmp_path, request):
    """Build an app over the test database with extra config."""
    apps = []

    def make(*, worker: bool = False, **extra):
        """worker=True runs the real worker's lanes beside the app (threads), as a deployment
        does: then mail a request queues reaches the mail server within a moment."""
        app = create_app(_config(database_url, tmp_path, **extra))
        apps.append(app)
        if worker:
            from bwm.jobs.worker import Worker, lanes

            # Set up now, so torn down first: before the mail server and the tables go.
            request.getfixturevalue("_workers").append(Worker(app, lanes(0.05)).start())
        return app

    yield make
    for app in apps:
        with app.app_context():
            _empty_tables()
            db.engine.dispose()


@pytest.fixture
def _workers():
    """The worker lanes make_app(worker=True) started, stopped after the test."""
    running = []
    yield running
    for worker in running:
        worker.close(timeout=60)


def _empty_tables() -> None:
    """Delete every row, children first, so the next test starts from nothing."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


class Clock:
    """A clock the test sets (make_app(CLOCK=clock)): at `at`, or else at the real time to the
    second; it stands still until the test sets `now` or calls `advance`."""

    def __init__(self, at: datetime | None = None) -> None:
        self.now = at or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def soup(page) -> BeautifulSoup:
    """Parse the HTML of a test response, or HTML given as text."""
    html = page if isinstance(page, str | bytes) else page.get_data(as_text=True)
    return BeautifulSoup(html, "html.parser")


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an organizer (page and starter types included) and return its id and email."""
    from bwm.services.organizers import create_organizer

    counter = iter(range(1, 10_000))

    def make(email=None, name=None, password="correct-horse", **kwargs):
        n = next(counter)
        with app.app_context():
            user = create_organizer(
                email or f"organizer{n}@example.com",
                name or f"Organizer {n}",
                password,
                **kwargs,
            )
            db.session.commit()
            return {
                "id": user.id,
                "email": user.email,
                "slug": user.page.slug,
                "password": password,
            }

    return make


@pytest.fixture
def make_token(app):
    from bwm.models import User
    from bwm.services.organizers import create_api_token

    def make(user_id: int) -> dict:
        with app.app_context():
            token = create_api_token(db.session.get(User, user_id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def login(client):
    """Sign the test client in as the given organizer."""

    def do(user: dict):
        response = client.post(
            "/login", data={"email": user["email"], "password": user["password"]}
        )
        assert response.status_code == 303, response.text
        return response

    return do


@pytest.fixture
def feed():
    """A loopback ICS feed server the test fills (tests/calendar_servers.py)."""
    from tests.calendar_servers import FeedServer

    server = FeedServer().start()
    yield server
    server.stop()
