"""`flask worker`: the background lanes, each in its own thread with its own timeouts.

Mail, reminders, calendar sync and calendar write-back never wait behind one another: a
CalDAV server that takes its whole timeout delays only its own lane. Each lane runs a pass,
records its heartbeat, and waits its interval (half a second for mail) before the next; all of
them claim their rows through jobs.queue, so several workers may run at once. SIGTERM (or
Ctrl-C) lets every lane finish what it has in hand, then the worker stops.
"""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..core.clock import now
from ..extensions import db
from . import heartbeat
from .lanes import Clock, Lane, names
from .lanes import lanes as registered_lanes


def lanes(mail_interval: float = 0.5) -> list[Lane]:
    """The worker's lanes, in the order a single pass (`--once`) runs them: reminders first,
    so the emails they write go out in the same pass; calendars are read before bookings are
    written to them."""
    return registered_lanes({"mail": mail_interval})


def run_once(clock: Clock | None = None) -> dict[str, int]:
    """Run every lane's pass once, one after the other; a lane that fails is logged, left out."""
    clock = clock or now
    counts: dict[str, int] = {}
    for lane in lanes():
        count, error = _pass(lane, clock, None)
        heartbeat.beat(lane.name, heartbeat.Beat(), now=clock(), count=count, error=error)
        if not error:
            counts[lane.name] = count
    return counts


def _pass(lane: Lane, clock: Clock, stop: threading.Event | None) -> tuple[int, str]:
    try:
        return lane.run(clock, stop), ""
    except Exception as exc:  # noqa: BLE001 - one failing pass must not stop the lane
        db.session.rollback()
        current_app.logger.exception("worker lane %r failed", lane.name)
        return 0, f"{type(exc).__name__}: {exc}"


class Worker:
    """The lanes, each in a thread of its own, until `stop` is set."""

    def __init__(self, app: Flask, lanes_: list[Lane], stop: threading.Event | None = None):
        self.app = app
        self.lanes = lanes_
        self.stop = stop or threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> Worker:
        for lane in self.lanes:
            thread = threading.Thread(
                target=self._run_lane, args=(lane,), name=f"bwm-{lane.name}", daemon=True
            )
            thread.start()
            self.threads.append(thread)
        return self

    def join(self, timeout: float | None = None) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop every lane once it has finished what it has in hand."""
        self.stop.set()
        self.join(timeout)

    def _run_lane(self, lane: Lane) -> None:
        with self.app.app_context():
            state = heartbeat.Beat()
            while not self.stop.is_set():
                count, error = _pass(lane, now, self.stop)
                if count:
                    click.echo(f"{now():%Y-%m-%d %H:%M:%S} {lane.name} {count}")
                try:
                    heartbeat.beat(lane.name, state, now=now(), count=count, error=error)
                except Exception:  # noqa: BLE001 - a busy database must not end the lane
                    db.session.rollback()
                    current_app.logger.exception("lane %r: heartbeat failed", lane.name)
                db.session.remove()  # hold no connection (or snapshot) while waiting
                self.stop.wait(lane.interval)
            db.session.remove()


@click.command("worker")
@click.option("--once", is_flag=True, help="Do one pass over everything due, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=0.5,
    show_default=True,
    help="Seconds between the mail lane's looks at the outbox.",
)
@click.option(
    "--lanes",
    "only",
    default="",
    help="The lanes to run, comma-separated (run the others in another worker); "
    "by default all: mail, requests, reminders, follow_ups, calendar_sync, "
    "calendar_write_back.",
)
@with_appcontext
def worker(once: bool, interval: float, only: str) -> None:
    """Deliver the outbox, send reminders, sync calendars and write bookings back."""
    wanted = [name.strip() for name in only.split(",") if name.strip()] or names()
    unknown = sorted(set(wanted) - set(names()))
    if unknown:
        raise click.BadParameter(f"unknown lane(s): {', '.join(unknown)}", param_hint="--lanes")
    if once:
        counts = run_once()
        click.echo(f"{now():%Y-%m-%d %H:%M:%S} " + _done(counts))
        failed = [name for name in names() if name not in counts]
        if failed:
            raise click.ClickException(f"failed: {', '.join(failed)} (see the log)")
        return
    chosen = [lane for lane in lanes(interval) if lane.name in wanted]
    stop = threading.Event()
    previous = _on_stop_signals(stop)
    app = current_app._get_current_object()
    click.echo(
        f"worker: lanes {', '.join(lane.name for lane in chosen)}; SIGTERM or Ctrl-C stops it"
    )
    running = Worker(app, chosen, stop).start()
    try:
        while not stop.wait(1.0):
            pass
        running.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo("worker: stopped")


def _on_stop_signals(stop: threading.Event) -> dict:
    """Make SIGTERM and SIGINT let the lanes finish what they hold, then stop."""
    if threading.current_thread() is not threading.main_thread():
        return {}  # signals can only be handled in the main thread
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _done(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def init_app(app: Flask) -> None:
    app.cli.add_command(worker)
