"""Lighthouse (mobile) on the attendee flow (SPEC §12): performance at least 95 and
accessibility 100 on the booking page, a meeting type and the confirmation."""

from __future__ import annotations

import os

import pytest

from tests.lighthouse import run as lighthouse
from tests.test_booking import monday_at


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="lee@example.com", name="Lee Lighthouse", slug="lee", timezone="Europe/Stockholm"
    )


@pytest.fixture(autouse=True)
def _lighthouse_here():
    why = lighthouse.available()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs Lighthouse: {why}")
        pytest.skip(why)


def test_the_attendee_flow_scores(live, organizer):
    base = live["base"]
    client = live["app"].test_client()
    booked = client.post(
        "/api/v1/pages/lee/types/30-minute-meeting/bookings",
        json={"start": monday_at(10).isoformat(), "name": "Vera", "email": "vera@example.org"},
    )
    assert booked.status_code == 201, booked.text
    manage = base + "/m/" + booked.json["manage_url"].rsplit("/m/", 1)[1]
    pages = {
        "page": f"{base}/b/lee",
        "type": f"{base}/b/lee/30-minute-meeting",
        "confirmation": manage,
    }
    found = {name: lighthouse.steady(url) for name, url in pages.items()}
    print("lighthouse:", {n: (r["performance"], r["accessibility"]) for n, r in found.items()})
    for name, result in found.items():
        assert result["performance"] >= 95, (name, result)
        assert result["accessibility"] == 100, (name, result)
