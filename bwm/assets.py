"""Static files served fast (SPEC §12): fingerprinted URLs, compressed once, cached for a year.

`url_for('static', filename=...)` carries `?v=<hash of the file>`, so a changed file has a new
URL: an answer to the current URL may be kept for a year (`immutable`); any other (an old or
missing `v`) must be checked again each time. Each file is read and compressed (Brotli and
gzip) once per process and kept; the answer has a strong ETag and honours If-None-Match.
HTML and JSON answers are compressed by Flask-Compress (extensions.py).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass, field
from threading import Lock

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

YEAR = 365 * 86400
# What is worth compressing; images here are SVG (text) or already compressed.
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")


@dataclass
class Asset:
    data: bytes
    mimetype: str
    version: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    def body(self, encoding: str) -> bytes:
        if encoding not in self.encoded:
            if encoding == "br":
                import brotli  # comes with flask-compress

                self.encoded[encoding] = brotli.compress(self.data, quality=11)
            else:
                self.encoded[encoding] = gzip.compress(self.data, 9, mtime=0)
        return self.encoded[encoding]


class Assets:
    """The static folder's files, read once each (keyed by path and modification time)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._files: dict[tuple[str, int], Asset] = {}
        self._lock = Lock()

    def get(self, filename: str) -> Asset | None:
        path = safe_join(self.folder, filename)
        if path is None or not os.path.isfile(path):
            return None
        key = (path, os.stat(path).st_mtime_ns)
        with self._lock:
            found = self._files.get(key)
            if found is None:
                with open(path, "rb") as f:
                    data = f.read()
                mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
                if mimetype == "application/x-javascript":
                    mimetype = "text/javascript"
                found = Asset(data, mimetype, hashlib.sha256(data).hexdigest()[:12])
                self._files[key] = found
            return found


def cache_versioned(response: Response, version: str) -> None:
    """Cache an answer whose URL carries ?v=<version>: a year (immutable) when the URL names
    the current version, else checked each time (an old or bare URL)."""
    response.cache_control.public = True
    if request.args.get("v") == version:
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True


def _encoding(asset: Asset) -> str | None:
    if not asset.mimetype.startswith(COMPRESSIBLE) or len(asset.data) < 500:
        return None
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted[encoding]:
            return encoding
    return None


def init_app(app: Flask) -> None:
    assets = Assets(app.static_folder)

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            asset = assets.get(values["filename"])
            if asset is not None:
                values["v"] = asset.version

    def serve_static(filename: str):
        asset = assets.get(filename)
        if asset is None:
            abort(404)
        encoding = _encoding(asset)
        body = asset.body(encoding) if encoding else asset.data
        response = Response(body, mimetype=asset.mimetype)
        if asset.mimetype.startswith("text/"):
            response.charset = "utf-8"
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.vary.add("Accept-Encoding")
        response.set_etag(f"{asset.version}-{encoding or 'identity'}")
        cache_versioned(response, asset.version)
        return response.make_conditional(request)

    app.view_functions["static"] = serve_static
