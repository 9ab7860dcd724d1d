"""Backup and restore: every row of every table and the instance's secrets, in one archive.

The archive is a zip: `manifest.json` (the format, the schema's Alembic revision, the tables
and their row counts), `secrets.json` (SECRET_KEY and SECRET_KEY_FALLBACKS) and one JSON-lines
file per table. It is read in one snapshot (a REPEATABLE READ transaction on PostgreSQL, one
read transaction on SQLite), so a backup taken while the app serves is consistent: a booking
is there with its outbox rows or not at all. A restore goes only into an empty database
migrated to the archive's revision, of either kind, in one transaction; so moving from SQLite
to PostgreSQL is a backup and a restore.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import Date, DateTime, LargeBinary, Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from ..extensions import db
from ..models import AuditEvent
from . import audit

FORMAT = 1
BATCH = 500
# Tables a migration fills (the organization's one settings row): a new database has them, and
# a restore replaces them with the archive's.
SEEDED = frozenset({"org_settings"})


class BackupError(Exception):
    """An archive that can't be restored here, and why (nothing was changed)."""


def _tables() -> list[Table]:
    """Every table of the app, parents before children (the order rows can be inserted in)."""
    return list(db.metadata.sorted_tables)


def revision(conn: Connection) -> str | None:
    """Return the database's Alembic revision (None when it was never migrated)."""
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no alembic_version table: not migrated
        return None


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):  # images (page_images.data), as base64 text
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(table: Table):
    kinds = {}
    for column in table.columns:
        impl = getattr(column.type, "impl", column.type)  # a TypeDecorator's stored type
        if isinstance(impl, DateTime):
            kinds[column.name] = datetime.fromisoformat
        elif isinstance(impl, Date):
            kinds[column.name] = date.fromisoformat
        elif isinstance(impl, LargeBinary):
            kinds[column.name] = base64.b64decode

    def decode(row: dict) -> dict:
        return {
            key: (kinds[key](value) if key in kinds and value is not None else value)
            for key, value in row.items()
        }

    return decode


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """Yield a connection whose reads all see one moment of the database."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
        conn.close()
        return
    conn = engine.connect()
    try:
        # Python's sqlite3 begins no transaction for reads; BEGIN makes them one snapshot.
        conn.exec_driver_sql("BEGIN")
        yield conn
    finally:
        conn.rollback()
        conn.close()


def write_backup(path: str, *, engine: Engine, secrets: dict, now: datetime) -> dict:
    """Write the archive to `path` (aside first, then renamed); return its manifest."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".bwm-backup-", suffix=".tmp", dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o600)  # it holds the secret key
    try:
        with _snapshot(engine) as conn:
            manifest = {
                "format": FORMAT,
                "app": "bwm",
                "revision": revision(conn),
                "created_at": now.isoformat(),
                "source": engine.dialect.name,
                "tables": {},
            }
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for table in _tables():
                    count = 0
                    with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                        query = select(table).order_by(*table.primary_key.columns)
                        for row in conn.execute(query):
                            line = {k: _encode(v) for k, v in row._mapping.items()}
                            out.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
                            count += 1
                    manifest["tables"][table.name] = count
                archive.writestr("secrets.json", json.dumps(secrets))
                archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return manifest


def read_manifest(path: str) -> tuple[dict, dict]:
    """Return the archive's manifest and secrets; BackupError for what isn't one of ours."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            secrets = json.loads(archive.read("secrets.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{path} is not a bwm backup ({exc})") from None
    if manifest.get("app") != "bwm":
        raise BackupError(f"{path} is not a bwm backup")
    if int(manifest.get("format", 0)) > FORMAT:
        raise BackupError(
            f"{path} was written by a newer bwm (archive format {manifest['format']}, this "
            f"version reads {FORMAT}): upgrade bwm, then restore"
        )
    return manifest, secrets


def restore_backup(path: str, *, engine: Engine, known_revisions: set[str], now: datetime) -> dict:
    """Load the archive into the empty database behind `engine`; return its manifest.

    BackupError (nothing changed) when the archive is from another schema, the database is
    not migrated to the same revision, or it holds any row. The restore is recorded in the
    restored audit trail, in the restore's own transaction.
    """
    manifest, _ = read_manifest(path)
    wanted = manifest.get("revision")
    tables = {table.name: table for table in _tables()}
    with engine.connect() as conn:
        here = revision(conn)
        if wanted not in known_revisions:
            raise BackupError(
                f"the archive's schema (revision {wanted}) is newer than this bwm knows: "
                "upgrade bwm, then restore"
            )
        if here != wanted:
            raise BackupError(
                f"the database is at revision {here}, the archive at {wanted}: make an empty "
                f"database, run `flask --app bwm db upgrade {wanted}`, restore, then "
                "`flask --app bwm db upgrade`"
            )
        unknown = set(manifest["tables"]) - set(tables)
        if unknown:
            raise BackupError(f"the archive has tables this bwm doesn't: {sorted(unknown)}")
        filled = [
            name
            for name, table in tables.items()
            if name not in SEEDED and conn.execute(select(func.count()).select_from(table)).scalar()
        ]
        if filled:
            raise BackupError(
                "the database is not empty (rows in " + ", ".join(filled) + "): restore only "
                "into a new, migrated database; nothing was changed"
            )
    with engine.begin() as conn, zipfile.ZipFile(path) as archive:
        for name in SEEDED & manifest["tables"].keys():
            conn.execute(tables[name].delete())
        for name, table in tables.items():
            if name not in manifest["tables"]:
                continue
            decode = _decoder(table)
            batch: list[dict] = []
            with archive.open(f"tables/{name}.jsonl") as lines:
                for line in lines:
                    batch.append(decode(json.loads(line)))
                    if len(batch) >= BATCH:
                        conn.execute(table.insert(), batch)
                        batch = []
            if batch:
                conn.execute(table.insert(), batch)
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn, tables.values())
        actor_id, actor = audit._actor()
        conn.execute(
            AuditEvent.__table__.insert(),
            {
                "at": now,
                "actor_id": actor_id,
                "actor": actor[:254],
                "action": "backup.restore",
                "target_type": "backup",
                "target": os.path.basename(path)[:254],
                "before": None,
                "after": {"created_at": manifest.get("created_at"), "rows": manifest["tables"]},
            },
        )
    return manifest


def _advance_sequences(conn: Connection, tables) -> None:
    """Move each id sequence past the restored ids, so new rows get fresh ones."""
    for table in tables:
        for column in table.primary_key.columns:
            if not column.autoincrement or column.type.python_type is not int:
                continue
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            ).scalar()
            if sequence:
                conn.execute(
                    text(
                        f"SELECT setval(:s, COALESCE((SELECT MAX({column.name}) FROM "
                        f'"{table.name}"), 0) + 1, false)'
                    ),
                    {"s": sequence},
                )
