"""The organizer's HTML pages under /me: page settings, meeting types, preview, busy time.

Each test drives the pages as a browser would (read the form, change some fields, post it) and
then checks what the public side shows: /b/<page> and the JSON API.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from bwm.extensions import db
from bwm.models import Booking, BusyBlock, DateOverride, HoursWindow, MeetingType
from tests.conftest import soup

HX = {"HX-Request": "true"}


# --- helpers --------------------------------------------------------------------------------


def roots(soup: BeautifulSoup) -> list:
    return [node for node in soup.contents if getattr(node, "name", None)]


def form_data(form) -> dict:
    """Return what a browser would submit for the form as it stands (no button pressed)."""
    data: dict = {}

    def add(name, value):
        if name in data:
            if not isinstance(data[name], list):
                data[name] = [data[name]]
            data[name].append(value)
        else:
            data[name] = value

    for el in form.find_all(["input", "select", "textarea"]):
        name = el.get("name")
        if not name:
            continue
        if el.name == "input":
            kind = el.get("type", "text")
            if kind in ("checkbox", "radio"):
                if el.has_attr("checked"):
                    add(name, el.get("value", "on"))
            elif kind not in ("submit", "button", "reset"):
                add(name, el.get("value", ""))
        elif el.name == "select":
            option = el.find("option", selected=True) or el.find("option")
            add(name, option.get("value", option.text) if option else "")
        else:
            add(name, el.text.removeprefix("\r\n").removeprefix("\n"))
    return data


def page_form(client, url: str = "/me/page") -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(soup(response).find("main").find("form", attrs={"novalidate": True}))


def set_hours(data: dict, hours: dict[str, list[tuple[str, str]]], prefix: str = "hours") -> dict:
    """Replace every window of the hours editor with the given ones."""
    data = {k: v for k, v in data.items() if not k.startswith(prefix + "-")}
    for day, windows in hours.items():
        for i, (start, end) in enumerate(windows):
            data[f"{prefix}-{day}-{i}-start"] = start
            data[f"{prefix}-{day}-{i}-end"] = end
    return data


def windows_of(soup, day: str) -> list[tuple[str, str]]:
    fieldset = soup.find(id=f"hours-{day}")
    found = []
    i = 0
    while fieldset.find("input", attrs={"name": f"hours-{day}-{i}-start"}):
        start = fieldset.find("input", attrs={"name": f"hours-{day}-{i}-start"})["value"]
        end = fieldset.find("input", attrs={"name": f"hours-{day}-{i}-end"})["value"]
        found.append((start, end))
        i += 1
    return found


def assert_labelled(soup: BeautifulSoup) -> None:
    """Every visible input, select and textarea has a <label for> or an aria-label."""
    controls = soup.find_all(["input", "select", "textarea"])
    assert controls
    for el in controls:
        if el.get("type") == "hidden" or el.get("aria-label"):
            continue
        assert el.get("id"), el
        label = soup.find("label", attrs={"for": el["id"]})
        assert label is not None and label.get_text(strip=True), el


def error_beside(soup: BeautifulSoup, field_id: str) -> str:
    """Return the error text shown with a field (macros/forms.html: id="<field>-error")."""
    error = soup.find(id=f"{field_id}-error")
    assert error is not None, f"no error beside {field_id}"
    field = soup.find(id=field_id)
    assert field is not None and error.find_parent("div") is field.find_parent("div")
    return error.get_text(" ", strip=True)


def next_weekday(clock, tz: str, weekday: int = 0, at_least: int = 3) -> date:
    """Return the first such weekday at least `at_least` days after the clock's date in tz."""
    day = clock.now.astimezone(ZoneInfo(tz)).date() + timedelta(days=at_least)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def slot_times(client, slug: str, type_slug: str, first: date, last: date, tz: str) -> list:
    response = client.get(
        f"/api/v1/pages/{slug}/types/{type_slug}/slots",
        query_string={"start": first.isoformat(), "end": last.isoformat(), "tz": tz},
    )
    assert response.status_code == 200, response.text
    return [datetime.fromisoformat(s) for s in response.json["slots"]]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def api_types(client, headers) -> dict:
    response = client.get("/api/v1/me/meeting-types", headers=headers)
    assert response.status_code == 200
    return {mt["slug"]: mt for mt in response.json["meeting_types"]}


def flashes(soup: BeautifulSoup) -> str:
    box = soup.find(class_="flashes")
    return box.get_text(" ", strip=True) if box else ""


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(make_user, login):
    user = make_user()
    login(user)
    return user


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/me/page"),
        ("post", "/me/page"),
        ("post", "/me/page/hours/mon"),
        ("get", "/me/types"),
        ("get", "/me/types/new"),
        ("get", "/me/types/1/edit"),
        ("post", "/me/types/1/duplicate"),
        ("post", "/me/types/1/delete"),
        ("post", "/me/types/preview"),
        ("get", "/me/busy"),
        ("post", "/me/busy/1/delete"),
    ],
)
def test_login_required(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [url]


def test_every_page_renders_with_labels(app, client, organizer, make_token):
    headers = make_token(organizer["id"])
    created = client.post(
        "/api/v1/me/meeting-types",
        headers=headers,
        json={
            "title": "Rich",
            "duration_minutes": 30,
            "hours": {"mon": [["09:00", "12:00"]]},
            "overrides": {"2030-01-02": [], "2030-01-03": [["10:00", "11:00"]]},
        },
    )
    assert created.status_code == 201
    type_id = created.json["id"]
    for url in ("/me/", "/me/page", "/me/types", "/me/types/new", f"/me/types/{type_id}/edit"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = soup(response)
        assert page.find("h1")
        if url != "/me/types":
            assert_labelled(page)
    response = client.get("/me/busy")
    assert response.status_code == 200
    assert_labelled(soup(response))
    # The nav links every organizer page.
    nav = {a["href"] for a in soup(response).find("nav").find_all("a")}
    assert {"/me/", "/me/page", "/me/types", "/me/busy"} <= nav


# --- booking page settings ------------------------------------------------------------------


def test_page_settings_save_and_public_side(app, client, organizer, clock):
    tz = "America/New_York"
    data = page_form(client)
    assert data["slug"] == organizer["slug"]
    data.update(
        slug="ann-bookings",
        display_name="Ann Example",
        welcome="Pick a time that suits you.",
        timezone=tz,
        published="y",
    )
    data = set_hours(data, {"mon": [("10:00", "12:00"), ("13:00", "15:00")]})
    response = client.post("/me/page", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/me/page"
    followed = soup(client.get("/me/page"))
    assert "saved" in flashes(followed)
    assert followed.find(id="timezone").find("option", selected=True)["value"] == tz
    assert windows_of(followed, "mon") == [("10:00", "12:00"), ("13:00", "15:00")]
    assert windows_of(followed, "tue") == []

    page = client.get("/api/v1/pages/ann-bookings").json["page"]
    assert page == {"slug": "ann-bookings", "display_name": "Ann Example", "timezone": tz}
    assert client.get(f"/b/{organizer['slug']}").status_code == 404
    public = client.get("/b/ann-bookings")
    assert "Pick a time that suits you." in public.text

    monday = next_weekday(clock, tz)
    found = slot_times(
        client, "ann-bookings", "30-minute-meeting", monday, monday + timedelta(6), tz
    )
    assert [s.date() for s in found] == [monday] * 8
    assert [s.strftime("%H:%M") for s in found] == [
        "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
    ]  # fmt: skip
    assert all(s.utcoffset() == ZoneInfo(tz).utcoffset(s.replace(tzinfo=None)) for s in found)

    # Unpublished: the public side answers 404.
    data = page_form(client)
    data.pop("published")
    assert client.post("/me/page", data=data).status_code == 303
    assert client.get("/b/ann-bookings").status_code == 404
    assert client.get("/api/v1/pages/ann-bookings").status_code == 404


def test_page_settings_errors_beside_fields(app, client, make_user, organizer, clock):
    make_user(slug="taken")
    data = page_form(client)
    bad = {**data, "slug": "Not A Slug!", "timezone": "Mars/Olympus_Mons", "display_name": " "}
    response = client.post("/me/page", data=bad)
    assert response.status_code == 422
    page = soup(response)
    assert "lowercase" in error_beside(page, "slug")
    assert "time zone" in error_beside(page, "timezone")
    assert "required" in error_beside(page, "display_name")
    assert page.find(role="alert")
    # What was typed comes back, and nothing was saved.
    assert page.find(id="slug")["value"] == "Not A Slug!"
    assert client.get(f"/api/v1/pages/{organizer['slug']}").status_code == 200

    response = client.post("/me/page", data={**data, "slug": "taken"})
    assert response.status_code == 422
    assert "taken" in error_beside(soup(response), "slug")

    # Hours: each wrong day gets its own message, in its own fieldset.
    bad_hours = set_hours(
        data,
        {"mon": [("12:00", "10:00")], "tue": [("09:00", "")], "wed": [("09:00", "12:00")]},
    )
    response = client.post("/me/page", data=bad_hours)
    assert response.status_code == 422
    page = soup(response)
    assert "before the end" in page.find(id="hours-mon").find(class_="error").get_text()
    assert "start and an end" in page.find(id="hours-tue").find(class_="error").get_text()
    assert page.find(id="hours-wed").find(class_="error") is None
    overlapping = set_hours(data, {"fri": [("09:00", "12:00"), ("11:00", "13:00")]})
    response = client.post("/me/page", data=overlapping)
    assert response.status_code == 422
    assert "overlap" in soup(response).find(id="hours-fri").find(class_="error").get_text()
    # The page kept its old hours.
    slug = organizer["slug"]
    monday = next_weekday(clock, "UTC")
    assert len(slot_times(client, slug, "30-minute-meeting", monday, monday, "UTC")) == 16


def test_midnight_end_is_24_00(app, client, organizer, make_token, clock):
    data = set_hours(page_form(client), {"sat": [("22:00", "00:00")], "sun": [("00:00", "00:00")]})
    page = soup(client.get("/me/page"))
    assert "00:00" in page.find(id="hours-hint").get_text()
    assert client.post("/me/page", data=data).status_code == 303
    hours = client.get("/api/v1/me/page", headers=make_token(organizer["id"])).json["hours"]
    assert hours["sat"] == [["22:00", "24:00"]]
    assert hours["sun"] == [["00:00", "24:00"]]
    assert hours["mon"] == []
    shown = soup(client.get("/me/page"))
    assert windows_of(shown, "sat") == [("22:00", "00:00")]
    saturday = next_weekday(clock, "UTC", 5)
    found = slot_times(client, organizer["slug"], "30-minute-meeting", saturday, saturday, "UTC")
    assert [s.strftime("%H:%M") for s in found] == ["22:00", "22:30", "23:00", "23:30"]


def test_add_and_remove_window_with_htmx(app, client, organizer, make_token):
    headers = make_token(organizer["id"])
    before = client.get("/api/v1/me/page", headers=headers).json
    data = set_hours(page_form(client), {"mon": [("09:00", "12:00")]})

    response = client.post("/me/page/hours/mon", data={**data, "action": "add-mon"}, headers=HX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    page = soup(response)
    [root] = roots(page)
    assert root.name == "fieldset" and root["id"] == "hours-mon"
    assert root.legend.get_text(strip=True) == "Monday"
    assert windows_of(page, "mon") == [("09:00", "12:00"), ("13:00", "14:00")]
    add = root.find("button", attrs={"value": "add-mon"})
    assert add["hx-post"] == "/me/page/hours/mon" and add["hx-target"] == "#hours-mon"
    assert add["type"] == "submit" and add["name"] == "action"
    assert_labelled(page)

    two = set_hours(data, {"mon": [("09:00", "12:00"), ("13:00", "14:00")]})
    response = client.post("/me/page/hours/mon", data={**two, "action": "remove-mon-0"}, headers=HX)
    page = soup(response)
    assert windows_of(page, "mon") == [("13:00", "14:00")]
    assert page.find("button", attrs={"value": "remove-mon-0"})

    empty = set_hours(data, {})
    response = client.post("/me/page/hours/sun", data={**empty, "action": "add-sun"}, headers=HX)
    assert windows_of(soup(response), "sun") == [("09:00", "17:00")]
    assert client.post("/me/page/hours/funday", data=empty, headers=HX).status_code == 404

    # Nothing was saved.
    assert client.get("/api/v1/me/page", headers=headers).json == before


def test_add_and_remove_window_without_javascript(app, client, organizer, make_token):
    headers = make_token(organizer["id"])
    before = client.get("/api/v1/me/page", headers=headers).json
    data = page_form(client)
    assert windows_of(soup(client.get("/me/page")), "tue") == [("09:00", "17:00")]

    response = client.post("/me/page", data={**data, "action": "add-tue"})
    assert response.status_code == 200
    page = soup(response)
    assert page.find("html") and page.find("form")
    assert windows_of(page, "tue") == [("09:00", "17:00"), ("18:00", "19:00")]
    assert client.get("/api/v1/me/page", headers=headers).json == before

    data = form_data(page.find("main").find("form", attrs={"novalidate": True}))
    response = client.post("/me/page", data={**data, "action": "remove-tue-0"})
    page = soup(response)
    assert windows_of(page, "tue") == [("18:00", "19:00")]
    assert client.get("/api/v1/me/page", headers=headers).json == before

    # The fragment route without htmx answers the whole page, the same result.
    response = client.post("/me/page/hours/tue", data={**data, "action": "add-tue"})
    assert response.status_code == 200 and soup(response).find("h1")

    data = form_data(page.find("main").find("form", attrs={"novalidate": True}))
    response = client.post("/me/page", data={**data, "action": "save"})
    assert response.status_code == 303
    assert client.get("/api/v1/me/page", headers=headers).json["hours"]["tue"] == [
        ["18:00", "19:00"]
    ]
    # Enter in a text field presses the first submit button: it must be Save.
    first = soup(client.get("/me/page")).find("main").find("form").find("button")
    assert first["value"] == "save"


# --- meeting types --------------------------------------------------------------------------


def full_type_form(data: dict, first: date, second: date) -> dict:
    data = set_hours(data, {"wed": [("08:00", "11:00")], "fri": [("14:00", "00:00")]})
    data = {k: v for k, v in data.items() if not k.startswith("override-")}
    data.update(
        {
            "title": "Consultation",
            "slug": "consult",
            "description": "Bring your questions.",
            "duration_minutes": "45",
            "location_kind": "in_person",
            "location": "Main Street 1",
            "online_meeting": "y",
            "availability": "own",
            "override-0-date": first.isoformat(),
            "override-0-off": "y",
            "override-1-date": second.isoformat(),
            "override-1-start": "10:00",
            "override-1-end": "12:00",
            "buffer_before_minutes": "10",
            "buffer_after_minutes": "5",
            "min_notice_minutes": "120",
            "max_days_ahead": "30",
            "slot_step_minutes": "15",
            "max_per_day": "3",
            "reminders_minutes": ["60", "1440"],
            "visibility": "private",
        }
    )
    return data


def test_meeting_type_create_edit_duplicate_delete(app, client, organizer, make_token):
    headers = make_token(organizer["id"])
    slug = organizer["slug"]
    first, second = date(2031, 3, 5), date(2031, 3, 8)
    data = full_type_form(page_form(client, "/me/types/new"), first, second)
    response = client.post("/me/types/new", data=data)
    assert response.status_code == 303, soup(response).get_text(" ", strip=True)[:2000]
    assert response.headers["Location"] == "/me/types"
    listing = soup(client.get("/me/types"))
    assert "Consultation" in flashes(listing)

    created = api_types(client, headers)["consult"]
    expected = {
        "title": "Consultation",
        "slug": "consult",
        "description": "Bring your questions.",
        "duration_minutes": 45,
        "visibility": "private",
        "location_kind": "in_person",
        "location": "Main Street 1",
        "online_meeting": True,
        "hours": {
            "mon": [],
            "tue": [],
            "wed": [["08:00", "11:00"]],
            "thu": [],
            "fri": [["14:00", "24:00"]],
            "sat": [],
            "sun": [],
        },
        "overrides": {first.isoformat(): [], second.isoformat(): [["10:00", "12:00"]]},
        "buffer_before_minutes": 10,
        "buffer_after_minutes": 5,
        "min_notice_minutes": 120,
        "max_days_ahead": 30,
        "slot_step_minutes": 15,
        "max_per_day": 3,
        "reminders_minutes": [1440, 60],
        # SPEC §9's settings, left as they come
        "questions": [],
        "requires_confirmation": False,
        "verify_email": False,
        "pending_hours": 48,
        "attendee_change_cutoff_minutes": 0,
        "durations_minutes": [45],
        "max_per_week": None,
        "max_per_month": None,
        "blocking_calendars": None,
        "color": None,
        "reminder_message": "",
        "follow_up_minutes": None,
        "follow_up_message": "",
    }
    assert {k: v for k, v in created.items() if k != "id"} == expected

    # Private: listed for the organizer without a public link, absent from the public side.
    row = listing.find(id=f"type-{created['id']}")
    assert "Private" in row.get_text() and row.find(class_="public-link") is None
    assert "Consultation" not in client.get(f"/b/{slug}").text
    public_slugs = {t["slug"] for t in client.get(f"/api/v1/pages/{slug}").json["meeting_types"]}
    assert "consult" not in public_slugs
    assert client.get(f"/b/{slug}/consult").status_code == 404

    # Edit: the form shows every saved value; change some, keep the rest.
    edit_url = f"/me/types/{created['id']}/edit"
    page = soup(client.get(edit_url))
    assert_labelled(page)
    shown = form_data(page.find("form", id="type-form"))
    assert shown["title"] == "Consultation" and shown["availability"] == "own"
    assert sorted(shown["reminders_minutes"]) == ["1440", "60"]
    assert shown["override-0-off"] == "y" and shown["override-1-start"] == "10:00"
    assert windows_of(page, "fri") == [("14:00", "00:00")]
    shown.update(title="Consultation long", duration_minutes="60", visibility="public")
    response = client.post(edit_url, data=shown)
    assert response.status_code == 303
    edited = api_types(client, headers)["consult"]
    assert edited == {
        **expected,
        "id": created["id"],
        "title": "Consultation long",
        "duration_minutes": 60,
        "durations_minutes": [60],
        "visibility": "public",
    }
    listing = soup(client.get("/me/types"))
    link = listing.find(id=f"type-{created['id']}").find(class_="public-link")
    assert urlsplit(link["href"]).path == f"/b/{slug}/consult"
    assert "Consultation long" in client.get(f"/b/{slug}").text

    # Duplicate: every setting, a new slug, "(copy)".
    response = client.post(f"/me/types/{created['id']}/duplicate")
    assert response.status_code == 303
    types = api_types(client, headers)
    [copy_slug] = set(types) - {"consult", "15-minute-meeting", "30-minute-meeting"}
    copy = types[copy_slug]
    assert copy_slug != "consult" and copy["id"] != created["id"]
    assert copy["title"] == "Consultation long (copy)"
    assert {k: v for k, v in copy.items() if k not in ("id", "slug", "title")} == {
        k: v for k, v in edited.items() if k not in ("id", "slug", "title")
    }
    assert copy_slug in soup(client.get("/me/types")).get_text()

    # Delete, with a confirmation on the button.
    delete = soup(client.get("/me/types")).find(
        "form", attrs={"action": f"/me/types/{copy['id']}/delete"}
    )
    assert delete["data-confirm"].startswith("Delete")  # asked by bwm.js: no inline handler
    response = client.post(f"/me/types/{copy['id']}/delete")
    assert response.status_code == 303
    assert copy_slug not in api_types(client, headers)
    assert "deleted" in flashes(soup(client.get("/me/types")))


def test_type_with_bookings_cannot_be_deleted(app, client, organizer, make_token, clock):
    headers = make_token(organizer["id"])
    mt = api_types(client, headers)["30-minute-meeting"]
    with app.app_context():
        start = clock.now + timedelta(days=3)
        db.session.add(
            Booking(
                user_id=organizer["id"],
                meeting_type_id=mt["id"],
                start=start,
                end=start + timedelta(minutes=30),
                attendee_name="Bo",
                attendee_email="bo@example.com",
                uid="uid-1@example.com",
                manage_token_id="manage-1",
            )
        )
        db.session.commit()
    response = client.post(f"/me/types/{mt['id']}/delete")
    assert response.status_code == 303
    page = soup(client.get("/me/types"))
    flash = page.find(class_="flash error")
    assert flash is not None and "bookings" in flash.get_text()
    assert "30-minute-meeting" in api_types(client, headers)


def test_meeting_type_errors_beside_fields(app, client, organizer):
    before = count(app, MeetingType)
    data = page_form(client, "/me/types/new")
    bad = {
        **data,
        "title": "",
        "slug": "Bad Slug",
        "duration_minutes": "0",
        "buffer_before_minutes": "-5",
        "max_days_ahead": "many",
    }
    response = client.post("/me/types/new", data=bad)
    assert response.status_code == 422
    page = soup(response)
    assert "required" in error_beside(page, "title")
    assert "lowercase" in error_beside(page, "slug")
    assert "between 5 and 720" in error_beside(page, "duration_minutes")
    assert "between 0 and 720" in error_beside(page, "buffer_before_minutes")
    assert "whole number" in error_beside(page, "max_days_ahead")
    assert page.find(id="duration_minutes")["value"] == "0"
    assert "Fix the errors" in page.find(id="preview").get_text()
    assert count(app, MeetingType) == before

    # A slug the page already uses, and hours that don't parse.
    taken = {**data, "title": "Again", "slug": "30-minute-meeting"}
    response = client.post("/me/types/new", data=taken)
    assert response.status_code == 422
    assert "already" in error_beside(soup(response), "slug")
    own = set_hours({**data, "title": "Own", "availability": "own"}, {"thu": [("15:00", "")]})
    own.update({"override-0-date": "", "override-0-start": "10:00", "override-0-end": "11:00"})
    response = client.post("/me/types/new", data=own)
    assert response.status_code == 422
    page = soup(response)
    assert "start and an end" in page.find(id="hours-thu").find(class_="error").get_text()
    assert "date" in page.find(id="overrides-error").get_text()
    assert count(app, MeetingType) == before

    # Blank slug on edit is refused; a blank slug on create is made from the title.
    mt_id = int(soup(client.get("/me/types")).find("tbody").tr["id"].split("-")[1])
    edit = page_form(client, f"/me/types/{mt_id}/edit")
    response = client.post(f"/me/types/{mt_id}/edit", data={**edit, "slug": ""})
    assert response.status_code == 422
    assert "required" in error_beside(soup(response), "slug")
    response = client.post("/me/types/new", data={**data, "title": "Quick Chat", "slug": ""})
    assert response.status_code == 303
    assert "/b/" in client.get("/me/types").text and "quick-chat" in client.get("/me/types").text


def test_add_and_remove_override_rows(app, client, organizer):
    data = page_form(client, "/me/types/new")
    assert not any(k.startswith("override-") for k in data)
    response = client.post(
        "/me/types/overrides", data={**data, "action": "add-override"}, headers=HX
    )
    assert response.status_code == 200
    page = soup(response)
    [root] = roots(page)
    assert root["id"] == "overrides"
    assert page.find(id="override-0-off").has_attr("checked")
    assert_labelled(page)
    # Without JavaScript: the same buttons on the whole form.
    rows = {
        **data,
        "override-0-date": "2031-01-01",
        "override-0-off": "y",
        "override-1-date": "2031-01-02",
        "override-1-start": "09:00",
        "override-1-end": "10:00",
    }
    response = client.post("/me/types/new", data={**rows, "action": "remove-override-0"})
    assert response.status_code == 200
    page = soup(response)
    assert page.find(id="override-0-date")["value"] == "2031-01-02"
    assert page.find(id="override-1-date") is None
    response = client.post("/me/types/new", data={**rows, "action": "add-thu"})
    page = soup(response)
    assert len(windows_of(page, "thu")) == 2
    assert page.find(id="override-1-date")["value"] == "2031-01-02"


def test_preview_matches_slots_and_writes_nothing(app, client, organizer, make_token, clock):
    slug = organizer["slug"]
    data = page_form(client, "/me/types/new")
    data.update(
        title="Preview me",
        slug="preview-me",
        duration_minutes="30",
        availability="own",
        buffer_after_minutes="15",
        max_days_ahead="30",
    )
    data = set_hours(data, {"mon": [("10:00", "12:00")], "thu": [("15:00", "16:00")]})
    counts = [count(app, m) for m in (MeetingType, HoursWindow, DateOverride, BusyBlock)]

    response = client.post("/me/types/preview", data=data, headers=HX)
    assert response.status_code == 200
    page = soup(response)
    [root] = roots(page)
    assert root["id"] == "preview"
    shown = [datetime.fromisoformat(t["datetime"]) for t in page.find_all("time")]
    assert len(shown) == 8
    assert [count(app, m) for m in (MeetingType, HoursWindow, DateOverride, BusyBlock)] == counts

    # Without JavaScript: the Preview button re-renders the page with the preview filled in.
    response = client.post("/me/types/new", data={**data, "action": "preview"})
    assert response.status_code == 200
    page_times = [t["datetime"] for t in soup(response).find(id="preview").find_all("time")]
    assert page_times == [t.isoformat() for t in shown]
    assert count(app, MeetingType) == counts[0]

    # Saved, the same values give the same times through the public API.
    assert client.post("/me/types/new", data=data).status_code == 303
    today = clock.now.date()
    api = slot_times(client, slug, "preview-me", today, today + timedelta(days=14), "UTC")
    assert shown == api[:8]
    assert {s.strftime("%H:%M") for s in shown} <= {
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "15:00",
        "15:30",
    }

    # Busy time counts in the preview too: block the first shown start.
    headers = make_token(organizer["id"])
    block = {"start": shown[0].isoformat(), "end": (shown[0] + timedelta(minutes=30)).isoformat()}
    assert client.post("/api/v1/me/busy", headers=headers, json=block).status_code == 201
    mt_id = api_types(client, headers)["preview-me"]["id"]
    response = client.post(f"/me/types/{mt_id}/preview", data=data, headers=HX)
    again = [datetime.fromisoformat(t["datetime"]) for t in soup(response).find_all("time")]
    assert shown[0] not in again
    api = slot_times(client, slug, "preview-me", today, today + timedelta(days=14), "UTC")
    assert again == api[:8]

    # A weekly cap counts in the preview: book the first start, cap the week at one.
    booked = client.post(
        f"/api/v1/pages/{slug}/types/preview-me/bookings",
        json={"start": again[0].isoformat(), "name": "Bo", "email": "bo@example.org"},
    )
    assert booked.status_code == 201
    capped = {**data, "max_per_week": "1"}
    response = client.post(f"/me/types/{mt_id}/preview", data=capped, headers=HX)
    weekly = [datetime.fromisoformat(t["datetime"]) for t in soup(response).find_all("time")]
    week = again[0].isocalendar()[:2]
    assert weekly and all(s.astimezone(ZoneInfo("UTC")).isocalendar()[:2] != week for s in weekly)

    # Wrong values: a note, not an error page.
    response = client.post("/me/types/preview", data={**data, "duration_minutes": "0"}, headers=HX)
    assert response.status_code == 200
    assert "Fix the errors" in response.text
    bad_hours = set_hours(data, {"mon": [("12:00", "10:00")]})
    response = client.post("/me/types/preview", data=bad_hours, headers=HX)
    assert "Fix the errors" in response.text


def test_type_page_htmx_wiring(app, client, organizer):
    page = soup(client.get("/me/types/new"))
    form = page.find("form", id="type-form")
    live = form.find(attrs={"aria-live": "polite"})
    assert live["hx-post"] == "/me/types/preview"
    assert "change" in live["hx-trigger"] and "input delay:400ms" in live["hx-trigger"]
    assert live["hx-include"] == "#type-form" and live["hx-target"] == "#preview"
    assert live.find(id="preview")
    assert form.find("button")["value"] == "save"
    add = form.find("button", attrs={"value": "add-wed"})
    assert add["hx-post"] == "/me/types/hours/wed"
    assert form.find("button", attrs={"value": "preview"})
    response = client.post(
        "/me/types/hours/wed", data={**form_data(form), "action": "add-wed"}, headers=HX
    )
    [root] = roots(soup(response))
    assert root["id"] == "hours-wed" and len(windows_of(soup(response), "wed")) == 2


# --- busy blocks ----------------------------------------------------------------------------


def test_busy_block_add_list_delete(app, client, make_user, login, clock):
    tz = "Europe/Stockholm"
    user = make_user(timezone=tz)
    login(user)
    monday = next_weekday(clock, tz)
    before = slot_times(client, user["slug"], "30-minute-meeting", monday, monday, tz)
    assert "10:00" in {s.strftime("%H:%M") for s in before}

    response = client.post(
        "/me/busy",
        data={
            "start_date": monday.isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "title": "Dentist",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        block = db.session.scalar(select(BusyBlock).where(BusyBlock.user_id == user["id"]))
        local = datetime.combine(monday, time(10), ZoneInfo(tz))
        assert block.start == local and block.end == local + timedelta(hours=1)
        block_id = block.id

    page = soup(client.get("/me/busy"))
    item = page.find(id=f"block-{block_id}")
    assert "Dentist" in item.get_text()
    times = item.find_all("time")
    assert [t.get_text(strip=True)[-5:] for t in times] == ["10:00", "11:00"]
    assert "added" in flashes(page)

    after = slot_times(client, user["slug"], "30-minute-meeting", monday, monday, tz)
    assert {s.strftime("%H:%M") for s in before} - {s.strftime("%H:%M") for s in after} == {
        "10:00",
        "10:30",
    }

    response = client.post(f"/me/busy/{block_id}/delete")
    assert response.status_code == 303
    assert soup(client.get("/me/busy")).find(id=f"block-{block_id}") is None
    assert slot_times(client, user["slug"], "30-minute-meeting", monday, monday, tz) == before

    # Across midnight, and 00:00 with no end date as the end of the day.
    response = client.post(
        "/me/busy",
        data={"start_date": monday.isoformat(), "start_time": "16:00", "end_time": "00:00"},
    )
    assert response.status_code == 303
    with app.app_context():
        block = db.session.scalar(select(BusyBlock).where(BusyBlock.user_id == user["id"]))
        assert block.end == datetime.combine(monday + timedelta(1), time(0), ZoneInfo(tz))


def test_busy_block_errors(app, client, organizer, clock):
    monday = next_weekday(clock, "UTC")
    response = client.post(
        "/me/busy",
        data={"start_date": monday.isoformat(), "start_time": "11:00", "end_time": "10:00"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert "after the start" in error_beside(page, "end_time")
    response = client.post("/me/busy", data={"start_time": "11:00", "end_time": "12:00"})
    assert response.status_code == 422
    assert "required" in error_beside(soup(response), "start_date")
    assert count(app, BusyBlock) == 0


# --- another organizer's things -------------------------------------------------------------


def test_another_organizers_ids_are_404(app, client, make_user, login, make_token):
    other = make_user()
    me = make_user()
    login(me)
    other_type = api_types(client, make_token(other["id"]))["30-minute-meeting"]["id"]
    created = client.post(
        "/api/v1/me/busy",
        headers=make_token(other["id"]),
        json={"start": "2031-01-01T10:00:00+00:00", "end": "2031-01-01T11:00:00+00:00"},
    )
    other_block = created.json["id"]
    assert client.get(f"/me/types/{other_type}/edit").status_code == 404
    assert client.post(f"/me/types/{other_type}/edit", data={"title": "Mine"}).status_code == 404
    assert client.post(f"/me/types/{other_type}/duplicate").status_code == 404
    assert client.post(f"/me/types/{other_type}/delete").status_code == 404
    assert client.post(f"/me/types/{other_type}/preview", headers=HX).status_code == 404
    assert client.post(f"/me/types/{other_type}/hours/mon", headers=HX).status_code == 404
    assert client.post(f"/me/busy/{other_block}/delete").status_code == 404
    assert client.get("/me/types/999999/edit").status_code == 404
    assert count(app, BusyBlock) == 1
    assert "30-minute-meeting" in api_types(client, make_token(other["id"]))


# --- CSRF -----------------------------------------------------------------------------------


def test_post_without_csrf_token_is_rejected(make_app):
    from bwm.services.organizers import create_organizer

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        user = create_organizer("csrf@example.com", "Cee", "correct-horse")
        db.session.commit()
        type_id = user.page.meeting_types[0].id
        user_id = user.id
    client = app.test_client()

    def token(url: str) -> str:
        return soup(client.get(url)).find("input", attrs={"name": "csrf_token"})["value"]

    login = {"email": "csrf@example.com", "password": "correct-horse"}
    assert client.post("/login", data={**login, "csrf_token": token("/login")}).status_code == 303

    data = page_form(client)
    assert data["csrf_token"]
    no_token = {k: v for k, v in data.items() if k != "csrf_token"}
    assert client.post("/me/page", data={**no_token, "display_name": "Hacked"}).status_code == 400
    assert client.post("/me/page/hours/mon", data=no_token, headers=HX).status_code == 400
    assert client.post(f"/me/types/{type_id}/delete").status_code == 400
    assert client.post("/me/busy", data={"start_date": "2031-01-01"}).status_code == 400
    # htmx sends the token in a header from <body hx-headers>.
    body = soup(client.get("/me/page")).body
    headers = {**HX, "X-CSRFToken": json.loads(body["hx-headers"])["X-CSRFToken"]}
    assert client.post("/me/page/hours/mon", data=no_token, headers=headers).status_code == 200
    assert client.post("/me/page", data={**data, "display_name": "Cee 2"}).status_code == 303
    with app.app_context():
        from bwm.models import User

        assert db.session.get(User, user_id).page.display_name == "Cee 2"


def test_the_type_editor_sets_the_booking_policies(app, client, organizer, make_token):
    """SPEC §9's settings through the form alone: saved as the API says, wrong ones beside their
    fields with nothing saved."""
    from bwm.models import ConnectedCalendar

    with app.app_context():
        calendars = [
            ConnectedCalendar(
                user_id=organizer["id"], kind="ics", url=f"https://example.com/{n}.ics", name=n
            )
            for n in ("Work", "Family")
        ]
        db.session.add_all(calendars)
        db.session.commit()
        work, family = (c.id for c in calendars)
    headers = make_token(organizer["id"])
    mt = api_types(client, headers)["30-minute-meeting"]
    url = f"/me/types/{mt['id']}/edit"
    data = page_form(client, url)
    page = soup(client.get(url))
    assert page.find("label", string=lambda s: s and "Family" in s) is not None

    bad = {**data, "color": "blue", "durations_minutes": "30, 60, 61, 62, 63, 64, 65"}
    response = client.post(url, data=bad)
    assert response.status_code == 422
    errors = soup(response)
    assert "colour" in errors.find(id="color-error").get_text()
    assert "at most 6" in errors.find(id="durations_minutes-error").get_text()
    assert api_types(client, headers)["30-minute-meeting"]["color"] is None

    data.update(
        {
            "durations_minutes": "60 30",
            "requires_confirmation": "y",
            "verify_email": "y",
            "pending_hours": "12",
            "attendee_change_cutoff_minutes": "120",
            "max_per_week": "4",
            "max_per_month": "10",
            "blocking": "chosen",
            "blocking_calendars": [str(family)],
            "color": "#2F6FDF",
            "reminder_message": "Bring the contract.",
            "follow_up_minutes": "60",
            "follow_up_message": "Thanks!",
        }
    )
    assert client.post(url, data=data).status_code == 303
    saved = api_types(client, headers)["30-minute-meeting"]
    expected = {
        "durations_minutes": [30, 60],
        "requires_confirmation": True,
        "verify_email": True,
        "pending_hours": 12,
        "attendee_change_cutoff_minutes": 120,
        "max_per_week": 4,
        "max_per_month": 10,
        "blocking_calendars": [family],
        "color": "#2f6fdf",
        "reminder_message": "Bring the contract.",
        "follow_up_minutes": 60,
        "follow_up_message": "Thanks!",
    }
    assert {k: saved[k] for k in expected} == expected
    assert work not in saved["blocking_calendars"]

    # The form shows what is saved; "every calendar" and empty fields clear them again.
    again = page_form(client, url)
    assert again["durations_minutes"] == "30, 60" and again["blocking"] == "chosen"
    again.update(blocking="all", durations_minutes="", max_per_week="", color="")
    assert client.post(url, data=again).status_code == 303
    cleared = api_types(client, headers)["30-minute-meeting"]
    assert cleared["blocking_calendars"] is None and cleared["durations_minutes"] == [30]
    assert cleared["max_per_week"] is None and cleared["color"] is None
