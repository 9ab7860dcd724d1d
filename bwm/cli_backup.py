"""`flask backup FILE` and `flask restore FILE` (SPEC §8)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .extensions import db
from .models import now_utc
from .services import audit
from .services import backup as backups


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(path: str) -> None:
    """Write every table and the instance's secrets to one archive (safe while serving)."""
    cfg = current_app.config
    secrets = {"secret_key": cfg["SECRET_KEY"], "fallbacks": cfg["SECRET_KEY_FALLBACKS"]}
    current = now_utc()
    manifest = backups.write_backup(path, engine=db.engine, secrets=secrets, now=current)
    rows = sum(manifest["tables"].values())
    # Recorded once the archive is written (it reads one snapshot and changes nothing).
    audit.record(
        "backup.create",
        now=current,
        target_type="backup",
        target=os.path.basename(path),
        after={"rows": rows, "revision": manifest["revision"]},
        only_changes=False,
    )
    db.session.commit()
    click.echo(
        f"wrote {path}: {rows} rows of {len(manifest['tables'])} tables, schema "
        f"{manifest['revision']}; it holds the secret key: keep it where only you can read it"
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore(path: str) -> None:
    """Load an archive into this empty, migrated database (SQLite or PostgreSQL)."""
    try:
        manifest, secrets = backups.read_manifest(path)
        manifest = backups.restore_backup(
            path, engine=db.engine, known_revisions=_known_revisions(), now=now_utc()
        )
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(manifest["tables"].values())
    click.echo(f"restored {rows} rows of {len(manifest['tables'])} tables from {path}")
    _restore_secrets(secrets)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    directory = current_app.extensions["migrate"].directory
    script = ScriptDirectory(directory)
    return {rev.revision for rev in script.walk_revisions()}


def _restore_secrets(secrets: dict) -> None:
    """Make this instance use the archive's keys, so every link and password works as before."""
    cfg = current_app.config
    key, fallbacks = secrets["secret_key"], secrets.get("fallbacks") or []
    if cfg.get("SECRET_KEY_IN_INSTANCE"):
        _write_secret(os.path.join(current_app.instance_path, "secret_key"), key)
        _write_secret(
            os.path.join(current_app.instance_path, "secret_key_fallbacks"), ",".join(fallbacks)
        )
        click.echo("the instance now uses the archive's secret key (restart the app and worker)")
    elif cfg["SECRET_KEY"] != key or list(cfg["SECRET_KEY_FALLBACKS"]) != list(fallbacks):
        click.echo(
            "warning: BWM_SECRET_KEY is set and differs from the archive's: set BWM_SECRET_KEY "
            "and BWM_SECRET_KEY_FALLBACKS to the archive's keys (secrets.json in the archive), "
            "or links already sent and stored calendar passwords stop working",
            err=True,
        )


def _write_secret(path: str, value: str) -> None:
    tmp = f"{path}.restoring"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    os.replace(tmp, path)


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)
