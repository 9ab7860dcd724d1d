"""The public read side in HTML: the booking page and the first slot picker."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from tests.conftest import soup
from tests.helpers import next_weekday


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


def test_picker_in_the_attendees_zone(client, organizer):
    monday = next_weekday(0)
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
    # 09:00-17:00 in Stockholm is 03:00-11:00 or 04:00-12:00 in New York (6 or 5 hours behind).
    assert times[0] in ("03:00", "04:00")
    assert len(times) == 16
    assert "America/New York" in page.get_text()


def test_picker_fragment_for_htmx_and_next_month(client, organizer):
    today = date.today()
    response = client.get("/b/ann/30-minute-meeting", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = soup(response)
    assert fragment.find("html") is None
    root = fragment.find(id="picker")
    assert root is not None
    next_link = root.find("a", rel="next")
    assert next_link is not None and "Next month" in next_link.get_text()
    following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f"month={following:%Y-%m}" in next_link["href"]
    assert next_link["hx-get"] == next_link["href"]
    full = client.get("/b/ann/30-minute-meeting")
    assert soup(full).find("html")["lang"] == "en"
    assert soup(full).find(id="picker") is not None


def test_picker_stops_at_the_horizon_and_never_goes_back_before_today(client, organizer):
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()  # the page's day, not the machine's
    response = client.get("/b/ann/30-minute-meeting", query_string={"month": "2001-01"})
    assert soup(response).select_one("#month-heading").get_text(strip=True) == today.strftime(
        "%B %Y"
    )
    response = client.get("/b/ann/30-minute-meeting", query_string={"month": "2999-01"})
    heading = soup(response).select_one("#month-heading").get_text(strip=True)
    horizon = today + timedelta(days=61)
    assert heading == horizon.strftime("%B %Y")
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
