"""The container (Dockerfile, docker-entrypoint.sh): the web and the worker on one volume.

Built for real with Debian's docker.io: no image registry is reachable here, so the base image
is made from Debian's packages (debootstrap, then `docker import`) and cached between runs
(the image in the daemon's data root under CACHE, and its tarball beside it). Without a daemon
answering, the test starts its own `dockerd` (as root, no bridge, no iptables; every build and
container on the host network) and stops it by its PID afterwards. Skipped with the reason when
Docker can't run here; under CI=true it must run.

On the PostgreSQL leg (BWM_TEST_DATABASE_URL) both containers use the test run's own database.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.calendar_servers import free_port
from tests.helpers import next_weekday

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BWM_TEST_CACHE", "/var/cache/bwm-test"))
BASE_IMAGE = "bwm-test-base:bookworm"
BASE_TARBALL = CACHE / "bwm-test-base-bookworm.tar"
# The Dockerfile's build stage, kept tagged so a later run reuses its pip layers.
BUILD_CACHE = "bwm-test-build:cache"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
CI = os.environ.get("CI") == "true"
PG_URL = os.environ.get("BWM_TEST_DATABASE_URL", "")
INSTANCE = "/app/instance"


def unavailable(reason: str):
    if CI:
        pytest.fail(f"the container test must run under CI=true: {reason}")
    pytest.skip(reason)


def docker(env: dict, *args: str, timeout: float = 60, check: bool = True, **kwargs):
    """Run the docker client; on failure say what it printed."""
    result = subprocess.run(
        ["docker", *args], env=env, capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def answers(env: dict) -> bool:
    try:
        return docker(env, "version", timeout=20, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@pytest.fixture(scope="module")
def docker_env():
    """A docker client environment with a daemon that answers: one already running, or ours."""
    if shutil.which("docker") is None:
        unavailable("the docker client is not installed (apt-get install docker.io)")
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}  # Debian's engine 20.10: the classic builder
    if answers(env):
        yield env
        return
    if shutil.which("dockerd") is None:
        unavailable(
            "no Docker daemon answers and dockerd is not installed (apt-get install docker.io)"
        )
    if os.geteuid() != 0:
        unavailable("no Docker daemon answers, and starting dockerd needs root")
    CACHE.mkdir(parents=True, exist_ok=True)
    sock = CACHE / "docker.sock"
    env["DOCKER_HOST"] = f"unix://{sock}"
    if answers(env):  # another run's daemon on our socket: use it, leave it running
        yield env
        return
    run_dir = Path(tempfile.mkdtemp(prefix="bwm-dockerd-"))
    log = (run_dir / "dockerd.log").open("wb")
    daemon = subprocess.Popen(
        ["dockerd", "--bridge=none", "--iptables=false"]
        + ["--data-root", str(CACHE / "docker"), "--exec-root", str(run_dir / "exec")]
        + ["--pidfile", str(run_dir / "dockerd.pid"), "-H", env["DOCKER_HOST"]],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not answers(env):
            if daemon.poll() is not None or time.monotonic() > deadline:
                tail = (run_dir / "dockerd.log").read_text(errors="replace")[-3000:]
                unavailable(f"dockerd did not come up (exit {daemon.poll()}):\n{tail}")
            time.sleep(0.5)
        yield env
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        log.close()
        # dockerd leaves its network namespace mounted (exec/netns/default) when it stops.
        with open("/proc/self/mounts") as mounts:
            inside = [line.split()[1] for line in mounts if str(run_dir) in line.split()[1]]
        for point in sorted(inside, reverse=True):
            subprocess.run(["umount", "-l", point], check=False, timeout=30)
        shutil.rmtree(run_dir, ignore_errors=True)


def ensure_base_image(env: dict) -> None:
    """Debian bookworm with python3 and venv, imported once and then kept (image and tarball)."""
    if docker(env, "image", "inspect", BASE_IMAGE, check=False).returncode == 0:
        return
    if not BASE_TARBALL.exists():
        if shutil.which("debootstrap") is None:
            unavailable(f"{BASE_IMAGE} is not built and debootstrap is not installed")
        if os.geteuid() != 0:
            unavailable(f"{BASE_IMAGE} is not built and debootstrap needs root")
        CACHE.mkdir(parents=True, exist_ok=True)
        rootfs = CACHE / "rootfs"
        shutil.rmtree(rootfs, ignore_errors=True)
        subprocess.run(
            ["debootstrap", "--variant=minbase"]
            + ["--include=python3,python3-venv,python3-pip,ca-certificates"]
            + ["bookworm", str(rootfs)],
            check=True,
            capture_output=True,
            timeout=900,
        )
        # This machine's CAs, or pip inside the build can't reach the package index.
        if HOST_CA.exists():
            shutil.copyfile(HOST_CA, rootfs / "etc/ssl/certs/ca-certificates.crt")
        for deb in (rootfs / "var/cache/apt/archives").glob("*.deb"):
            deb.unlink()
        partial = BASE_TARBALL.with_suffix(".partial")
        subprocess.run(
            ["tar", "-C", str(rootfs), "-cf", str(partial), "."], check=True, timeout=300
        )
        partial.rename(BASE_TARBALL)
        shutil.rmtree(rootfs, ignore_errors=True)
    docker(
        env,
        "import",
        "--change",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change",
        "ENV LANG=C.UTF-8",
        "--change",
        'CMD ["python3"]',
        str(BASE_TARBALL),
        BASE_IMAGE,
        timeout=300,
    )


def image_id(env: dict, name: str) -> str | None:
    found = docker(env, "image", "inspect", "--format", "{{.Id}}", name, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


@pytest.fixture(scope="module")
def image(docker_env):
    """The app's image built from the Dockerfile on the Debian base; removed afterwards."""
    env = docker_env
    ensure_base_image(env)
    tag = f"bwm-test-app:{os.getpid()}"
    build = ["build", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    old_cache = image_id(env, BUILD_CACHE)
    docker(env, *build, "--target", "build", "-t", BUILD_CACHE, str(ROOT), timeout=900)
    new_cache = image_id(env, BUILD_CACHE)
    if old_cache and old_cache != new_cache:
        docker(env, "rmi", old_cache, check=False)  # the sources changed: drop the stale stage
    try:
        docker(env, *build, "-t", tag, str(ROOT), timeout=900)
        yield tag
    finally:
        docker(env, "rmi", "-f", tag, check=False)


def http(port: int, path: str, *, body: dict | None = None, headers: dict | None = None):
    """(status, text) of a request to the web container."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={**({"Content-Type": "application/json"} if data else {}), **(headers or {})},
        method="POST" if data else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_until(what: str, check, *, timeout: float, logs=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except (OSError, urllib.error.URLError):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s\n{logs()}")
        time.sleep(0.5)


def test_web_and_worker_containers_serve_a_booking_and_send_its_emails(image, docker_env, request):
    env = docker_env
    suffix = f"{os.getpid()}-{int(time.time())}"
    volume, web, worker = f"bwm-test-{suffix}", f"bwm-test-web-{suffix}", f"bwm-test-wrk-{suffix}"
    port = free_port()
    common = ["--network", "host", "-v", f"{volume}:{INSTANCE}"]
    if PG_URL:
        # The run's own database; make_app's teardown empties its tables for the next tests.
        request.getfixturevalue("make_app")()
        common += ["-e", f"BWM_SQLALCHEMY_DATABASE_URI={request.getfixturevalue('database_url')}"]

    def logs() -> str:
        out = []
        for name in (web, worker):
            found = docker(env, "logs", "--tail", "40", name, check=False)
            out.append(f"--- {name}:\n{found.stdout[-3000:]}{found.stderr[-3000:]}")
        return "\n".join(out)

    def in_container(name: str, *cmd: str) -> str:
        return docker(env, "exec", name, *cmd, timeout=60).stdout

    docker(env, "volume", "create", volume)
    try:
        # The image's own command: flask db upgrade, then gunicorn -c gunicorn.conf.py wsgi:app.
        docker(
            env,
            "run",
            "-d",
            "--name",
            web,
            *common,
            "-e",
            f"BWM_BIND=127.0.0.1:{port}",
            "-e",
            "BWM_WEB_CONCURRENCY=1",
            "--health-interval",
            "1s",
            "--health-start-period",
            "60s",
            image,
        )

        def healthz():
            status, text = http(port, "/healthz")
            return json.loads(text) if status == 200 else None

        health = wait_until("/healthz answering 200", healthz, timeout=90, logs=logs)
        assert health["status"] == "ok" and health["database"] == "ok", health
        wait_until(
            "the HEALTHCHECK reporting healthy",
            lambda: (
                docker(env, "inspect", "--format", "{{.State.Health.Status}}", web).stdout.strip()
                == "healthy"
            ),
            timeout=60,
            logs=logs,
        )

        # Migrated by the entrypoint; the worker starts on the same volume.
        docker(
            env,
            "run",
            "-d",
            "--name",
            worker,
            *common,
            "--no-healthcheck",
            image,
            "flask",
            "--app",
            "bwm",
            "worker",
        )

        for name in (web, worker):
            assert in_container(name, "id", "-u").strip() != "0", f"{name} runs as root"
        assert "bwm" in in_container(web, "id", "-un")

        # The compiled catalogues are in the image.
        status, page = http(port, "/login?lang=sv")
        assert status == 200 and "Logga in" in page, page[:500]

        in_container(
            web,
            "flask",
            "--app",
            "bwm",
            "user",
            "create",
            "ann@example.com",
            "--name",
            "Ann Container",
            "--password",
            "correct-horse-battery",
            "--slug",
            "ann",
        )
        day = next_weekday(2)
        base = "/api/v1/pages/ann/types/30-minute-meeting"
        status, text = http(port, f"{base}/slots?start={day}&end={day}")
        assert status == 200, text
        slots = json.loads(text)["slots"]
        assert slots, text
        status, text = http(
            port,
            f"{base}/bookings",
            body={"start": slots[0], "name": "Bo Visitor", "email": "bo@example.com"},
        )
        assert status == 201, text

        # The worker hands both emails (attendee, organizer) to the mail folder in the volume.
        def emails():
            found = docker(env, "exec", worker, "ls", f"{INSTANCE}/mail", check=False)
            names = [n for n in found.stdout.split() if n.endswith(".eml")]
            return names if len(names) >= 2 else None

        names = wait_until("the worker writing 2 .eml files", emails, timeout=60, logs=logs)
        assert len(names) == 2, names
        message = in_container(worker, "cat", f"{INSTANCE}/mail/{sorted(names)[0]}")
        assert "bo@example.com" in message or "ann@example.com" in message
        listing = in_container(web, "ls", INSTANCE).split()
        assert "secret_key" in listing and "mail" in listing, listing
        assert ("bwm.sqlite" in listing) == (not PG_URL), listing
        status, text = http(port, "/healthz")
        assert status == 200 and json.loads(text)["worker"] == "ok", text

        # SIGTERM (docker stop) stops both cleanly.
        for name in (worker, web):
            docker(env, "stop", "-t", "30", name, timeout=60)
            code = docker(env, "inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
            assert code == "0", f"{name} exited {code}\n{logs()}"
    finally:
        for name in (web, worker):
            docker(env, "rm", "-f", "-v", name, check=False)
        docker(env, "volume", "rm", "-f", volume, check=False)
