"""`flask rotate-secrets`: encrypt stored secrets again with the current secret key."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from .extensions import db
from .models import now_utc
from .services import audit, calendars


@click.command("rotate-secrets")
@with_appcontext
def rotate_secrets() -> None:
    """Re-encrypt stored calendar passwords with SECRET_KEY (readable with any fallback)."""
    try:
        count = calendars.rotate_passwords()
    except Exception as exc:  # noqa: BLE001 - cryptography's InvalidToken, said plainly
        db.session.rollback()
        raise click.ClickException(
            f"a stored password can't be read with SECRET_KEY or SECRET_KEY_FALLBACKS ({exc!r});"
            " nothing was changed"
        ) from None
    audit.record(
        "secrets.rotate",
        now=now_utc(),
        target_type="secrets",
        after={"calendar_passwords": count},
        only_changes=False,
    )
    db.session.commit()
    click.echo(f"re-encrypted {count} calendar password(s) with the current key")


def init_app(app: Flask) -> None:
    app.cli.add_command(rotate_secrets)
