"""The public read side in HTML: the booking page and the first slot picker."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from tests.conftest import soup
from tests.helpers import next_weekday


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(name="Ann Andersson", slug="ann", timezone="Europe/Stockholm")
    return {**user, "headers": make_token(user["id"])}


def test_page_lists_public_types_with_links(client, organizer):
    client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Hidden", "slug": "hidden", "duration_minutes": 20, "visibility": "private"},
        headers=organizer["headers"],
    )
    client.patch(
        "/api/v1/me/page", json={"welcome": "Book <b>me</b>"}, headers=organizer["headers"]
    )
    response = client.get("/b/ann")
    assert response.status_code == 200
    page = soup(response)
    assert page.h1.get_text(strip=True) == "Ann Andersson"
    links = {a.get_text(strip=True): a["href"] for a in page.select("ul.types a")}
    assert links == {
        "15 minute meeting": "/b/ann/15-minute-meeting",
        "30 minute meeting": "/b/ann/30-minute-meeting",
    }
    assert "Book <b>me</b>" in page.get_text()  # escaped, not markup
    assert page.find("b", string="me") is None
    assert client.get("/b/ann/hidden").status_code == 404


def test_unknown_and_unpublished_pages_are_friendly_404s(client, organizer):
    response = client.get("/b/nobody")
    assert response.status_code == 404
    assert "does not exist" in soup(response).get_text()
    client.patch("/api/v1/me/page", json={"published": False}, headers=organizer["headers"])
    for url in ("/b/ann", "/b/ann/30-minute-meeting"):
        response = client.get(url)
        assert response.status_code == 404
        assert b"Traceback" not in response.data
    assert client.get("/b/ann/no-such-type").status_code == 404


def _free_days(page: BeautifulSoup) -> dict[str, str]:
    return {a["aria-label"]: a["href"] for a in page.select(".calendar a.day")}


def test_picker_month_then_day_then_times(client, organizer):
    monday = next_weekday(0)
    response = client.get(
        "/b/ann/30-minute-meeting",
        query_string={"tz": "Europe/Stockholm", "month": monday.strftime("%Y-%m")},
    )
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#month-heading").get_text(strip=True) == monday.strftime("%B %Y")
    days = _free_days(page)
    # Only weekdays on or after today are free (default hours Mon-Fri).
    label = next(k for k in days if monday.strftime("%B") in k and f" {monday.day}," in k)
    assert monday.strftime("%A") in label
    assert all(("Saturday" not in k and "Sunday" not in k) for k in days)
    response = client.get(days[label])
    page = soup(response)
    times = [el.get_text(strip=True) for el in page.select(".times li > *")]
    assert times == [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]
    assert all(
        el["aria-label"].startswith(el.get_text(strip=True)) for el in page.select(".times li > *")
    )


@pytest.mark.parametrize(
    ("now", "first"),
    [
        # Both zones on standard time: New York is 6 hours behind Stockholm.
        (datetime(2027, 1, 13, 12, 0, tzinfo=UTC), "03:00"),
        # New York on summer time since 14 March, Stockholm not until 28 March: 5 hours.
        (datetime(2027, 3, 17, 12, 0, tzinfo=UTC), "04:00"),
        # Both on summer time: 6 hours again.
        (datetime(2027, 6, 16, 12, 0, tzinfo=UTC), "03:00"),
    ],
)
def test_picker_in_the_attendees_zone(client, organizer, clock, now, first):
    clock.now = now
    monday = next_weekday(0, today=now.date())
    response = client.get(
        "/b/ann/30-minute-meeting",
        query_string={
            "tz": "America/New_York",
            "month": monday.strftime("%Y-%m"),
            "date": monday.isoformat(),
        },
    )
    page = soup(response)
    assert page.select_one("#tz option[selected]")["value"] == "America/New_York"
    times = [el.get_text(strip=True) for el in page.select(".times li > *")]
    assert times[0] == first  # 09:00 in Stockholm
    assert len(times) == 16
    assert "America/New York" in page.get_text()


def test_picker_fragment_for_htmx_and_next_month(client, organizer, clock):
    # 23:30 on 31 January in UTC is already 1 February on the page's clock (Stockholm).
    clock.now = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    response = client.get("/b/ann/30-minute-meeting", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = soup(response)
    assert fragment.find("html") is None
    root = fragment.find(id="picker")
    assert root is not None
    next_link = root.find("a", rel="next")
    assert next_link is not None and "Next month" in next_link.get_text()
    assert "month=2027-03" in next_link["href"]
    assert next_link["hx-get"] == next_link["href"]
    full = client.get("/b/ann/30-minute-meeting")
    assert soup(full).find("html")["lang"] == "en"
    assert soup(full).find(id="picker") is not None


def test_picker_stops_at_the_horizon_and_never_goes_back_before_today(client, organizer, clock):
    # Today is the page's day, not the machine's: 1 February in Stockholm, still 31 January in UTC.
    clock.now = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    response = client.get("/b/ann/30-minute-meeting", query_string={"month": "2001-01"})
    assert soup(response).select_one("#month-heading").get_text(strip=True) == "February 2027"
    response = client.get("/b/ann/30-minute-meeting", query_string={"month": "2999-01"})
    heading = soup(response).select_one("#month-heading").get_text(strip=True)
    assert heading == "April 2027"  # 60 days ahead (the default) reaches 2 April
    assert soup(response).find("a", rel="next") is None


@pytest.mark.parametrize(
    "query",
    [{"tz": "Not/AZone"}, {"month": "2027-99"}, {"date": "yesterday"}, {"month": "x-y"}],
)
def test_picker_shrugs_off_bad_query_values(client, organizer, query):
    response = client.get("/b/ann/30-minute-meeting", query_string=query)
    assert response.status_code == 200
    assert soup(response).find(id="picker") is not None


def test_every_picker_control_is_labelled(client, organizer):
    page = soup(client.get("/b/ann/30-minute-meeting"))
    for select in page.find_all(["select", "input"]):
        if select.get("type") == "hidden":
            continue
        assert page.find("label", attrs={"for": select["id"]}) is not None
