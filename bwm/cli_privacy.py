"""An attendee's data on the command line (SPEC §11): `attendee export EMAIL`, `attendee erase`."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from .domain.errors import ValidationFailed
from .extensions import db
from .services import privacy
from .web import now

attendee_cli = AppGroup("attendee", help="An attendee's data: export it, erase it.")


def _checked(email: str) -> str:
    try:
        return privacy.checked_email(email)
    except ValidationFailed as exc:
        raise click.BadParameter(str(exc.errors["email"]), param_hint="EMAIL") from None


@attendee_cli.command("export")
@click.argument("email")
def attendee_export(email):
    """Print, as JSON, everything stored about EMAIL."""
    data = privacy.export(_checked(email), now=now())
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@attendee_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
def attendee_erase(email, yes):
    """Erase EMAIL: cancel their future bookings (organizers told), anonymize the rest."""
    email = _checked(email)
    if not yes:
        click.confirm(f"Erase everything stored about {email}?", abort=True)
    counts = privacy.erase(email, now=now())
    db.session.commit()
    for key, value in counts.items():
        click.echo(f"{key}: {value}")


def init_app(app: Flask) -> None:
    app.cli.add_command(attendee_cli)
