"""The vendored front-end code is the pinned release, unchanged (SHA256SUMS beside it)."""

import hashlib
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parent.parent / "bwm" / "static" / "vendor"


@pytest.mark.parametrize("sums", sorted(VENDOR.glob("*/SHA256SUMS")), ids=lambda p: p.parent.name)
def test_vendored_files_match_their_sums(sums):
    listed = [line.split() for line in sums.read_text().splitlines() if line.strip()]
    assert listed, "no file listed"
    for digest, name in listed:
        data = (sums.parent / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name


def test_the_bot_check_widget_is_vendored_once():
    (folder,) = VENDOR.glob("altcha-*")
    assert {p.name for p in folder.iterdir()} == {
        "altcha.umd.js",
        "worker.js",
        "altcha.css",
        "LICENSE.txt",
        "SHA256SUMS",
    }
    assert "MIT License" in (folder / "LICENSE.txt").read_text()
