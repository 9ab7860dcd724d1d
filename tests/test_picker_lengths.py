"""The slot picker of a type with several lengths (SPEC §9): the length first, then the days and
times for it, every URL carrying it; in HTML without JavaScript and as htmx fragments. And a
capped week in the picker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Clock, soup

STO = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2027, 2, 15, 6, 0, tzinfo=UTC))


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(name="Ann Andersson", slug="ann", timezone="Europe/Stockholm")
    return {**user, "headers": make_token(user["id"])}


@pytest.fixture
def talk(client, organizer):
    """30, 60 or 90 minutes on Mondays 09:00-11:00, every half hour; busy 1 March from 10:30."""
    response = client.post(
        "/api/v1/me/meeting-types",
        json={
            "title": "Talk",
            "slug": "talk",
            "duration_minutes": 30,
            "durations_minutes": [60, 90],
            "slot_step_minutes": 30,
            "max_days_ahead": 100,
            "hours": {"mon": [["09:00", "11:00"]]},
        },
        headers=organizer["headers"],
    )
    assert response.status_code == 201, response.json
    busy = client.post(
        "/api/v1/me/busy",
        json={"start": "2027-03-01T10:30:00+01:00", "end": "2027-03-01T11:00:00+01:00"},
        headers=organizer["headers"],
    )
    assert busy.status_code == 201, busy.json
    return response.json


def url(href: str) -> tuple[str, dict[str, str]]:
    """A link's path and its query as a dict."""
    parts = urlsplit(href)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def lengths(page) -> dict[str, str]:
    """The length choice's links by their text."""
    choice = page.select("#picker section[aria-labelledby='duration-heading'] a")
    return {a.get_text(strip=True): a["href"] for a in choice}


def free_days(page) -> dict[str, str]:
    return {a["aria-label"]: a["href"] for a in page.select(".calendar a.day")}


def test_the_length_comes_first(client, talk):
    response = client.get(
        "/b/ann/talk", query_string={"tz": "Europe/Stockholm", "month": "2027-03"}
    )
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("p.muted").get_text(" ", strip=True).startswith("30, 60, 90 minutes")
    picker = page.select_one("#picker")
    assert picker.select_one("#duration-heading").get_text(strip=True) == "How long?"
    assert picker.select_one(".calendar") is None  # no days before a length
    assert picker.select_one(".times a[href*='/book']") is None
    choices = lengths(page)
    assert list(choices) == ["30 minutes", "60 minutes", "90 minutes"]
    assert url(choices["60 minutes"]) == (
        "/b/ann/talk",
        {"duration": "60", "tz": "Europe/Stockholm", "month": "2027-03"},
    )
    # The zone form has no length to keep yet.
    assert page.select_one("input[name=duration][form=tz-form]") is None


def test_a_chosen_length_shows_its_days_and_times_and_every_url_keeps_it(client, talk):
    first = soup(client.get("/b/ann/talk", query_string={"month": "2027-03"}))
    page = soup(client.get(lengths(first)["60 minutes"]))
    chosen = page.select("#picker a[aria-current=true]")
    assert [a.get_text(strip=True) for a in chosen] == ["60 minutes"]
    assert "Meetings of 60 minutes" in page.select_one("#picker").get_text(" ", strip=True)
    days = free_days(page)
    assert "Monday, March 1, 2027 (2027-03-01)" in days
    for href in days.values():
        assert url(href)[1]["duration"] == "60"
    for a in page.select(".month-nav a"):
        assert url(a["href"])[1]["duration"] == "60"
    hidden = page.select_one("input[name=duration][form=tz-form]")
    assert hidden["value"] == "60"

    day = soup(client.get(days["Monday, March 1, 2027 (2027-03-01)"]))
    times = {a.get_text(strip=True): a["href"] for a in day.select(".times a[href*='/book']")}
    assert list(times) == ["09:00", "09:30"]  # 10:00 would run into 10:30
    assert url(times["09:30"]) == (
        "/b/ann/talk/book",
        {"start": "2027-03-01T09:30:00+01:00", "tz": "Europe/Stockholm", "duration": "60"},
    )
    # Another length keeps the day: 90 minutes fit once, 30 three times.
    others = lengths(day)
    assert url(others["90 minutes"])[1]["date"] == "2027-03-01"
    ninety = soup(client.get(others["90 minutes"]))
    assert [a.get_text(strip=True) for a in ninety.select(".times a[href*='/book']")] == ["09:00"]
    thirty = soup(client.get(others["30 minutes"]))
    assert [a.get_text(strip=True) for a in thirty.select(".times a[href*='/book']")] == [
        "09:00",
        "09:30",
        "10:00",
    ]


def test_the_zone_form_keeps_the_length(client, talk):
    # The form's fields as a browser without JavaScript sends them.
    response = client.get(
        "/b/ann/talk",
        query_string={
            "tz": "America/New_York",
            "month": "2027-03",
            "date": "2027-03-01",
            "duration": "60",
        },
    )
    page = soup(response)
    times = [a["href"] for a in page.select(".times a[href*='/book']")]
    assert [url(t)[1] for t in times] == [
        {"start": "2027-03-01T03:00:00-05:00", "tz": "America/New_York", "duration": "60"},
        {"start": "2027-03-01T03:30:00-05:00", "tz": "America/New_York", "duration": "60"},
    ]


def test_htmx_swaps_the_picker_with_the_same_links(client, talk):
    fragment = client.get(
        "/b/ann/talk",
        query_string={"month": "2027-03", "duration": "90", "date": "2027-03-01"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    page = soup(fragment)
    top = [el for el in page.contents if getattr(el, "name", None)]
    assert [(el.name, el.get("id")) for el in top] == [("div", "picker")]  # one root, no page
    for a in page.select("#picker a[href]"):
        assert a["hx-get"] == a["href"]
        if "/book" not in a["href"]:
            assert a["hx-target"] == "#picker"
    choices = lengths(page)
    assert url(choices["30 minutes"])[1]["duration"] == "30"
    assert [a.get_text(strip=True) for a in page.select(".times a[href*='/book']")] == ["09:00"]


@pytest.mark.parametrize("asked", ["45", "abc", "", "-30"])
def test_a_length_not_offered_asks_again(client, talk, asked):
    response = client.get("/b/ann/talk", query_string={"month": "2027-03", "duration": asked})
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#duration-heading") is not None
    assert page.select_one(".calendar") is None


def test_one_length_changes_nothing(client, organizer):
    client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Hour", "slug": "hour", "duration_minutes": 60, "max_days_ahead": 100},
        headers=organizer["headers"],
    )
    page = soup(client.get("/b/ann/hour", query_string={"month": "2027-03", "date": "2027-03-01"}))
    assert page.select_one("p.muted").get_text(" ", strip=True).startswith("60 minutes")
    assert page.select_one("#duration-heading") is None
    assert "Meetings of" not in page.get_text()
    hrefs = [a["href"] for a in page.select("#picker a[href]")]
    assert hrefs and all("duration" not in href for href in hrefs)
    assert page.select_one("input[name=duration]") is None


def test_a_private_link_asks_for_the_length_too(client, organizer, talk):
    made = client.post(
        f"/api/v1/me/meeting-types/{talk['id']}/links", json={}, headers=organizer["headers"]
    )
    assert made.status_code == 201, made.json
    path = urlsplit(made.json["url"]).path
    page = soup(client.get(path, query_string={"month": "2027-03"}))
    assert page.select_one("#duration-heading") is not None
    sixty = soup(client.get(lengths(page)["60 minutes"]))
    day = soup(client.get(free_days(sixty)["Monday, March 1, 2027 (2027-03-01)"]))
    times = [url(a["href"]) for a in day.select(".times a[href*='/book']")]
    assert times[0] == (
        f"{path}/book",
        {"start": "2027-03-01T09:00:00+01:00", "tz": "Europe/Stockholm", "duration": "60"},
    )


def test_a_capped_week_shows_no_times(client, organizer, clock):
    client.post(
        "/api/v1/me/meeting-types",
        json={
            "title": "Weekly",
            "slug": "weekly",
            "duration_minutes": 60,
            "max_per_week": 1,
            "max_days_ahead": 100,
        },
        headers=organizer["headers"],
    )
    booked = client.post(
        "/api/v1/pages/ann/types/weekly/bookings",
        json={"start": "2027-03-03T10:00:00+01:00", "name": "Bo", "email": "bo@example.org"},
    )
    assert booked.status_code == 201, booked.json
    page = soup(client.get("/b/ann/weekly", query_string={"month": "2027-03"}))
    offered = {label.split(" (")[1][:-1] for label in free_days(page)}
    week = {(datetime(2027, 3, 1) + timedelta(days=n)).date().isoformat() for n in range(7)}
    assert not offered & week  # Monday to Friday of that week: no times, nor links
    assert "2027-03-08" in offered
    monday = [el for el in page.select(".calendar span.day") if el.get_text(strip=True) == "1"]
    assert monday and monday[0]["title"] == "No free times"
    day = soup(client.get("/b/ann/weekly", query_string={"month": "2027-03", "date": "2027-03-04"}))
    assert "No free times on this day." in day.get_text()


def test_the_booking_form_keeps_the_length_back_to_the_picker_and_when_taken(client, talk):
    query = {"start": "2027-03-01T09:00:00+01:00", "tz": "Europe/Stockholm", "duration": "60"}
    form_page = soup(client.get("/b/ann/talk/book", query_string=query))
    chosen = form_page.find(id="chosen").get_text()
    assert "09:00" in chosen and "10:00" in chosen  # an hour
    back = form_page.find("a", string=lambda s: s and "Pick another time" in s)["href"]
    assert url(back)[1]["duration"] == "60"
    form = form_page.select_one("form.card")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    data.update(name="Bo", email="bo@example.org")
    assert client.post("/b/ann/talk/book", data=data).status_code == 303
    # The same hour again: taken, and the picker shows that day's hour-long times.
    taken = client.post("/b/ann/talk/book", data={**data, "email": "cy@example.org"})
    assert taken.status_code == 409
    page = soup(taken)
    assert "Meetings of 60 minutes" in page.select_one("#picker").get_text(" ", strip=True)
    times = [a.get_text(strip=True) for a in page.select(".times a[href*='/book']")]
    assert times == []  # 09:00-10:00 is booked and 09:30-10:30 would overlap it, as would 10:00
