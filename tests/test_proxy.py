"""Behind a real reverse proxy (Debian's nginx) in front of gunicorn with gunicorn.conf.py."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.calendar_servers import free_port, wait_for_port
from tests.helpers import next_weekday

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

pytestmark = pytest.mark.skipif(
    NGINX is None and os.environ.get("CI") != "true",
    reason="nginx is not installed (apt-get install nginx)",
)

NGINX_CONF = """
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }}
  }}
}}
"""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def proxied(make_app, database_url, tmp_path):
    """gunicorn (BWM_PROXY_HOPS=1) behind nginx; yield nginx's port and an app for the database."""
    app = make_app()  # its teardown empties the tables
    upstream, port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BWM_SQLALCHEMY_DATABASE_URI": database_url,
        "BWM_SECRET_KEY": "test-secret",
        "BWM_PROXY_HOPS": "1",
        "BWM_RATELIMIT_LOGIN": "3 per minute",
        "BWM_WTF_CSRF_ENABLED": "false",  # the login form's token is not what this is about
        "BWM_WEB_CONCURRENCY": "1",
        "BWM_BIND": f"127.0.0.1:{upstream}",
    }
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder = tmp_path / "nginx"
    folder.mkdir()
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, port=port, upstream=upstream))
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(upstream, timeout=30)
        wait_for_port(port, timeout=15)
        yield {"port": port, "app": app}
    finally:
        _stop(nginx)
        _stop(gunicorn)


def request(port: int, method: str, path: str, *, client_ip: str, body=None, headers=None):
    """Send a request to nginx from a loopback address of our choosing (127.0.0.x)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(client_ip, 0))
    try:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body) if not isinstance(body, str) else body
            headers.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def login_attempt(port: int, client_ip: str, forged: str) -> int:
    status, _, _ = request(
        port,
        "POST",
        "/login",
        client_ip=client_ip,
        body="email=x%40example.com&password=nope",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": forged},
    )
    return status


def test_the_rate_limit_keys_on_the_real_client_not_on_a_forged_header(proxied):
    port = proxied["port"]
    # One client making up a new address on every try is still one client.
    codes = [login_attempt(port, "127.0.0.2", f"203.0.113.{n}") for n in range(4)]
    assert codes == [422, 422, 422, 429]
    # Another client behind the same proxy has a limit of its own.
    assert login_attempt(port, "127.0.0.3", "127.0.0.2") == 422


def test_absolute_urls_follow_the_host_the_visitor_used(proxied, make_user):
    make_user(email="p@example.com", name="P", slug="pia")
    port = proxied["port"]
    day = next_weekday(1).isoformat()
    status, _, body = request(
        port,
        "GET",
        f"/api/v1/pages/pia/types/30-minute-meeting/slots?start={day}&end={day}",
        client_ip="127.0.0.4",
        headers={"Host": "book.example.org"},
    )
    assert status == 200
    start = json.loads(body)["slots"][0]
    started = time.monotonic()
    status, headers, body = request(
        port,
        "POST",
        "/api/v1/pages/pia/types/30-minute-meeting/bookings",
        client_ip="127.0.0.4",
        body={"start": start, "name": "Ann", "email": "ann@example.org"},
        headers={"Host": "book.example.org"},
    )
    assert status == 201, body
    assert time.monotonic() - started < 10
    assert json.loads(body)["manage_url"].startswith("http://book.example.org/m/")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
