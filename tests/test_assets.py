"""Speed (SPEC §12): static files under fingerprinted URLs, compressed once, kept a year by the
browser; pages and API answers compressed; conditional requests answered 304."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest

STATIC = Path(__file__).resolve().parent.parent / "bwm" / "static"
BR = {"Accept-Encoding": "br, gzip"}


@pytest.fixture
def organizer(make_user):
    return make_user(email="olga@example.com", slug="olga", timezone="Europe/Stockholm")


def static_urls(html: str) -> list[str]:
    return re.findall(r'(/static/[^"\']+)', html)


def test_static_urls_carry_the_files_hash(client, organizer):
    urls = static_urls(client.get("/b/olga").get_data(as_text=True))
    assert any("htmx" in url for url in urls) and any("bwm.css" in url for url in urls)
    for url in urls:
        path, version = url.split("?v=")
        data = (STATIC / path.removeprefix("/static/")).read_bytes()
        assert version == hashlib.sha256(data).hexdigest()[:12]


def test_a_fingerprinted_file_is_compressed_and_kept_a_year(client, organizer):
    (url,) = [u for u in static_urls(client.get("/b/olga").get_data(as_text=True)) if "htmx" in u]
    original = (STATIC / url.split("?")[0].removeprefix("/static/")).read_bytes()
    with client.get(url, headers=BR) as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.mimetype == "text/javascript"
        assert brotli.decompress(response.data) == original
        assert len(response.data) < len(original) / 3
        etag = response.headers["ETag"]
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data) == original
        assert response.headers["ETag"] != etag  # another body, another tag
    with client.get(url) as response:
        assert "Content-Encoding" not in response.headers and response.data == original
    with client.get(url, headers={**BR, "If-None-Match": etag}) as response:
        assert response.status_code == 304 and response.data == b""


def test_an_old_or_bare_url_is_checked_each_time(client):
    for url in ("/static/css/bwm.css", "/static/css/bwm.css?v=000000000000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert "no-cache" in response.headers["Cache-Control"]
            assert "immutable" not in response.headers["Cache-Control"]


def test_missing_and_outside_files_are_not_found(client):
    for url in ("/static/nothing.js", "/static/../config.py", "/static/%2e%2e/__init__.py"):
        with client.get(url) as response:
            assert response.status_code == 404, url


def test_pages_and_api_answers_are_compressed(client, organizer):
    page = client.get("/b/olga/30-minute-meeting", headers=BR)
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "br"
    html = brotli.decompress(page.data).decode()
    assert "<html" in html and len(page.data) < len(html.encode()) / 3
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(api.data).startswith(b"{")
    plain = client.get("/b/olga/30-minute-meeting")
    assert "Content-Encoding" not in plain.headers
