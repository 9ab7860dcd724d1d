"""`flask dev`: the development server and a worker, as two child processes, in one command.

`make run` uses it. Each child gets the same environment and its own process group; their
output is forwarded line by line, prefixed with `web |` or `worker |`. Ctrl-C (SIGINT) or SIGTERM
sends SIGTERM to both, waits for them (bounded by `--grace`), then SIGKILLs what is left. When
either child ends by itself, the other is stopped the same way and the command exits non-zero.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

import click
from flask.cli import ScriptInfo

POLL = 0.2  # seconds between looks at the children


class Child:
    """One child process, in a process group of its own, its output forwarded with a prefix."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], width: int) -> None:
        self.name = name
        self.prefix = f"{name:<{width}} | "
        self.process = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: a reloader's child is signalled with it
            preexec_fn=_die_with_parent,
        )
        self.reader = threading.Thread(target=self._forward, name=f"dev-{name}", daemon=True)

    def forward(self) -> None:
        """Start copying the child's output to ours (once every child is started: no thread
        runs while one is being forked)."""
        self.reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _forward(self) -> None:
        assert self.process.stdout is not None
        out = sys.stdout.buffer
        for line in iter(self.process.stdout.readline, b""):
            out.write(self.prefix.encode() + line)
            out.flush()
        self.process.stdout.close()

    def signal(self, signum: int) -> None:
        """Send `signum` to the child's whole process group (nothing when it is gone)."""
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


try:  # Linux: a child gets SIGTERM when the supervisor itself dies (even by SIGKILL)
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, between fork and exec."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))


def stop_all(children: list[Child], grace: float) -> None:
    """SIGTERM every child, wait up to `grace` seconds for all, then SIGKILL what is left."""
    for child in children:
        if child.process.poll() is None:
            child.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            click.echo(f"dev: {child.name} (pid {child.pid}) still running; killing it", err=True)
            child.signal(signal.SIGKILL)  # its group: a reloader's server with it
            child.process.wait()
    for child in children:
        child.reader.join(timeout=2)


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to serve on.")
@click.option("--port", default=5000, type=int, show_default=True, help="The port to serve on.")
@click.option("--reload", is_flag=True, help="Restart the server when the code changes.")
@click.option(
    "--worker-interval",
    type=click.FloatRange(min=0.01),
    default=0.5,
    show_default=True,
    help="Seconds between the mail lane's looks at the outbox.",
)
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds to wait for both to stop before killing them.",
)
def dev(host: str, port: int, reload: bool, worker_interval: float, grace: float) -> None:
    """Serve the app (flask run) and run a worker beside it; Ctrl-C stops both."""
    info = click.get_current_context().find_object(ScriptInfo)
    app_path = (info and info.app_import_path) or os.environ.get("FLASK_APP") or "bwm"
    flask = [sys.executable, "-m", "flask", "--app", app_path]
    web = [*flask, "run", "--host", host, "--port", str(port)]
    web.append("--reload" if reload else "--no-reload")
    worker = [*flask, "worker", "--interval", str(worker_interval)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    stop = threading.Event()
    asked: list[int] = []

    def on_signal(signum, _frame) -> None:
        asked.append(signum)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    children: list[Child] = []
    try:
        for name, args in (("web", web), ("worker", worker)):
            children.append(Child(name, args, env, width=6))
        for child in children:
            child.forward()
        click.echo(
            f"dev: web (pid {children[0].pid}) on http://{host}:{port}/, "
            f"worker (pid {children[1].pid}); Ctrl-C stops both"
        )
        ended: Child | None = None
        while ended is None and not stop.wait(POLL):
            ended = next((c for c in children if c.process.poll() is not None), None)
        if ended is not None:
            click.echo(
                f"dev: {ended.name} exited with {ended.process.returncode}; stopping the rest",
                err=True,
            )
        else:
            click.echo(f"dev: {signal.Signals(asked[0]).name}; stopping web and worker")
        stop_all(children, grace)
    finally:
        # Something went wrong while starting: leave nothing behind.
        for child in children:
            if child.process.poll() is None:
                child.signal(signal.SIGKILL)
                child.process.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if ended is not None:
        code = ended.process.returncode
        raise SystemExit(code if code and code > 0 else 1)
    click.echo("dev: stopped")
