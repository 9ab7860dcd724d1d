"""`flask audit show`: the audit trail, newest first, one event a line (SPEC §11)."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from .services import audit

audit_cli = AppGroup("audit", help="The audit trail: who changed what, when.")


@audit_cli.command("show")
@click.option("--action", default="", help="Only this action (org.settings, user.create, ...).")
@click.option("--who", default="", help="Only actors whose name or email contains this.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def show(action: str, who: str, limit: int) -> None:
    """Print the newest events: when (UTC), who, action, target, before -> after."""
    events, _ = audit.search(action=action, who=who, limit=limit)
    if not events:
        click.echo("no events")
    for event in events:
        change = ""
        if event.before is not None or event.after is not None:
            change = f" {json.dumps(event.before)} -> {json.dumps(event.after)}"
        target = f"{event.target_type}:{event.target}" if event.target else event.target_type
        click.echo(f"{event.at.isoformat()} {event.actor} {event.action} {target}{change}")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
