"""bwm: Bookings with me, self-hosted."""

from __future__ import annotations

import hmac
import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None, *, serving: bool = False) -> Flask:
    """Create and configure an instance of the bwm application.

    serving: a web process (wsgi.py), which needs no `flask db` commands.
    """
    # Imported here so that importing bwm.domain never loads Flask (the domain stays pure).
    from flask import Flask

    from . import (
        assets,
        bots,
        cli,
        cli_audit,
        cli_backup,
        cli_secrets,
        errors,
        extensions,
        models,
        web,
    )
    from .config import DEFAULTS
    from .jobs import worker
    from .outbox import delivery  # noqa: F401 - registers the worker's mail lane
    from .services import (  # noqa: F401 - lanes
        answers,
        calendars,
        follow_ups,
        privacy,
        reminders,
        requests,
        verifications,
        webhooks,
    )

    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("BWM_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("BWM")
    else:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _finish_config(app)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust that many proxies' X-Forwarded-For/-Proto/-Host: the rate limits key on the
        # real client, and URLs and Secure cookies follow the scheme the visitor used.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    extensions.db.init_app(app)
    if not serving:
        from flask_migrate import Migrate

        Migrate(app, extensions.db, render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.login.init_app(app)
    extensions.login.login_view = "auth.login"
    extensions.mail.init_app(app)
    extensions.limiter.init_app(app)
    extensions.compress.init_app(app)  # first registered: compresses what the others made
    web.init_app(app)  # before any blueprint: its URL converters bound every id
    assets.init_app(app)
    answers.init_app(app)
    calendars.subscribe()
    webhooks.subscribe()
    errors.init_app(app)
    bots.init_app(app)
    cli.init_app(app)
    cli_secrets.init_app(app)
    cli_backup.init_app(app)
    cli_audit.init_app(app)
    worker.init_app(app)

    from .admin import bp as admin_bp
    from .admin.invites import invites_bp
    from .api import Api
    from .api import bp as api_bp
    from .attendee import bp as attendee_bp
    from .auth import bp as auth_bp
    from .organizer import bp as organizer_bp
    from .organizer.calendars import feed_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(organizer_bp)
    app.register_blueprint(feed_bp)  # /feeds/<secret>.ics: calendar programs, no session
    app.register_blueprint(attendee_bp)
    Api(app).register_blueprint(api_bp)  # /api/v1: documented from its schemas (flask-smorest)
    app.register_blueprint(admin_bp)
    app.register_blueprint(invites_bp)  # /invite/<token>: not signed in, so not under /admin

    @extensions.login.user_loader
    def load_user(session_id: str):
        """Return the signed-in user, unless the password changed since the session began."""
        user_id, _, fingerprint = session_id.partition(".")
        if not user_id.isdigit():
            return None
        user = extensions.db.session.get(models.User, int(user_id))
        if user is None or not hmac.compare_digest(
            fingerprint, models.password_fingerprint(user.password_hash)
        ):
            return None
        return user

    return app


def _finish_config(app: Flask) -> None:
    """Fill in the defaults that depend on the instance folder."""
    cfg = app.config
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(app.instance_path)
        cfg["SECRET_KEY_IN_INSTANCE"] = True  # a restore may replace it with the archive's
    from .core.signing import split_keys

    # BWM_SECRET_KEY_FALLBACKS="old2,old1" (Flask's sessions read the same list); else the
    # older keys a restore brought along, kept beside the secret key.
    fallbacks = cfg.get("SECRET_KEY_FALLBACKS")
    if not fallbacks and cfg.get("SECRET_KEY_IN_INSTANCE"):
        kept = os.path.join(app.instance_path, "secret_key_fallbacks")
        if os.path.exists(kept):
            with open(kept) as f:
                fallbacks = f.read()
    cfg["SECRET_KEY_FALLBACKS"] = split_keys(fallbacks)
    uri = cfg.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + os.path.join(app.instance_path, "bwm.sqlite")
    elif uri.startswith(("postgresql://", "postgres://")):
        # Name the driver we ship (psycopg 3) whatever way the URL was written.
        uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
    cfg["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", 30)
        connect_args.setdefault("check_same_thread", False)
        options["connect_args"] = connect_args
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if cfg.get("PREFERRED_URL_SCHEME") == "https":
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True


def _instance_secret(instance_path: str) -> str:
    """Read the secret key kept in instance/, making it on first use."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as f:
            key = f.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    # Write aside, then link into place: when two processes start at once, the first link
    # wins and both read the same complete key.
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    with open(path) as f:
        return f.read().strip()
