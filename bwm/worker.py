"""`flask worker`: the background jobs (the outbox for now), one pass at a time.

Each pass runs every job in JOBS with the same `now`; a job takes `now` and returns how many
things it did. Add a job by appending `(name, callable)` to JOBS (reminders, calendar sync ...).
Several workers may run at once: each job must be safe for that (the outbox claims its rows).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import web
from .extensions import db
from .mail import deliver_all_due
from .services.calendars import sync_due_calendars, write_back_due
from .services.reminders import send_due_reminders


def deliver_pending_job(now: datetime) -> int:
    """Send every outbox message due at `now`."""
    return deliver_all_due(now=now)


Job = Callable[[datetime], int]
# Reminders first, so the emails they write go out in the same pass; calendars are read before
# bookings are written to them.
JOBS: list[tuple[str, Job]] = [
    ("reminders", send_due_reminders),
    ("calendar_sync", sync_due_calendars),
    ("calendar_write_back", write_back_due),
    ("mail", deliver_pending_job),
]


def run_once(now: datetime) -> dict[str, int]:
    """Run every job once; return what each did. A job that fails is logged and left out."""
    counts: dict[str, int] = {}
    for name, job in JOBS:
        try:
            counts[name] = job(now)
        except Exception:  # noqa: BLE001 - one failing job must not stop the others
            db.session.rollback()
            current_app.logger.exception("worker job %r failed", name)
    return counts


def run_forever(interval: float, stop: threading.Event) -> None:
    """Run a pass, then wait `interval` seconds, until `stop` is set."""
    while not stop.is_set():
        counts = run_once(web.now())
        if any(counts.values()):
            _report(counts)
        db.session.remove()  # do not hold a connection (or a snapshot) while idle
        stop.wait(interval)


@click.command("worker")
@click.option("--once", is_flag=True, help="Do one pass over everything due, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=5.0,
    show_default=True,
    help="Seconds between passes.",
)
@with_appcontext
def worker(once: bool, interval: float) -> None:
    """Deliver the outbox with retries (and the other background jobs)."""
    if once:
        counts = run_once(web.now())
        _report(counts)
        failed = [name for name, _ in JOBS if name not in counts]
        if failed:
            raise click.ClickException(f"failed: {', '.join(failed)} (see the log)")
        return
    stop = threading.Event()
    previous = _on_stop_signals(stop)
    click.echo(f"worker: a pass every {interval:g} s; SIGTERM or Ctrl-C stops it")
    try:
        run_forever(interval, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo("worker: stopped")


def _on_stop_signals(stop: threading.Event) -> dict:
    """Make SIGTERM and SIGINT finish the current pass, then stop."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # signals can only be handled in the main thread
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _report(counts: dict[str, int]) -> None:
    done = ", ".join(f"{name} {count}" for name, count in counts.items())
    click.echo(f"{web.now():%Y-%m-%d %H:%M:%S} {done}")


def init_app(app: Flask) -> None:
    app.cli.add_command(worker)
