"""The factory, configuration order, secret key, storage and health check."""

import os
import subprocess
import sys

from sqlalchemy import inspect, text

from bwm import create_app
from bwm.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "worker": "never",
        "outbox": {"due": 0, "failed": 0},
    }


def test_healthz_reports_a_dead_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}


def _run(code: str, instance: str, env: dict | None = None) -> str:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BWM_")}
    full_env.update(env or {})
    script = f"from bwm import create_app\n{code}\n"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=instance,
        env={**full_env, "PYTHONPATH": ROOT},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_config_order_defaults_then_instance_file_then_environment(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "PRIVATE_LINK_DAYS = 30\nBASE_URL = 'https://from-file.example.com'\n"
    )
    # Point Flask at this test's instance folder, then build the app as production does.
    code = (
        "from flask import Flask\n"
        "orig = Flask.__init__\n"
        "def init(self, *a, **k):\n"
        f"    k['instance_path'] = {str(instance)!r}\n"
        "    orig(self, *a, **k)\n"
        "Flask.__init__ = init\n"
        "app = create_app()\n"
        "print(app.config['PRIVATE_LINK_DAYS'], app.config['BASE_URL'],"
        " app.config['RATELIMIT_ENABLED'], app.config['ONLINE_MEETING_URL'][:8])"
    )
    out = _run(
        code,
        str(tmp_path),
        {"BWM_BASE_URL": "https://from-env.example.com", "BWM_RATELIMIT_ENABLED": "false"},
    )
    assert out == "30 https://from-env.example.com False https://"


def test_secret_key_is_made_once_and_kept(tmp_path):
    one = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    two = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key = one.config["SECRET_KEY"]
    assert key and len(key) >= 32
    assert two.config["SECRET_KEY"] == key
    assert (tmp_path / "secret_key").read_text().strip() == key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    given = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "given",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    assert given.config["SECRET_KEY"] == "given"


def test_postgres_urls_use_psycopg(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql://postgres@127.0.0.1:5432/test",
        }
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_default_database_is_sqlite_in_instance(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/bwm.sqlite"


def test_migrations_build_every_table(app):
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {
        "users",
        "booking_pages",
        "meeting_types",
        "hours_windows",
        "date_overrides",
        "busy_blocks",
        "bookings",
        "api_tokens",
        "outbox",
        "alembic_version",
    } <= tables


def test_sqlite_connections_have_wal_foreign_keys_and_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_db_upgrade_from_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BWM_")}
    env["BWM_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/cli.sqlite"
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    subprocess.run(
        [flask, "--app", "bwm", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    out = subprocess.run(
        [
            flask,
            "--app",
            "bwm",
            "user",
            "create",
            "cli@example.com",
            "--name",
            "C L",
            "--password",
            "long-enough",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert "cli@example.com" in out.stdout


def test_domain_is_pure():
    """The domain never imports flask or sqlalchemy."""
    code = (
        "import sys, bwm.domain.availability, bwm.domain.errors, bwm.domain.zones\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"Traceback" not in response.data
