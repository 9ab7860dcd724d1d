"""A page's look (SPEC §12): brand colour and banner set by the API and the settings page,
served as a fingerprinted stylesheet of custom properties (readable in light and dark), the
banner and each type's colour on the pages, the colour in the emails."""

from __future__ import annotations

import re

import pytest

from bwm.domain.colors import DARK_BACKGROUND, LIGHT_BACKGROUND, contrast
from tests.conftest import soup
from tests.test_booking import book_api, monday_at


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def olga(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


def brand(client, olga, **values):
    return client.patch("/api/v1/me/page", json=values, headers=olga["headers"])


def stylesheet(client, html) -> tuple[str, str]:
    link = soup(html).find("link", href=re.compile(r"/brand\.css"))
    assert link is not None
    response = client.get(link["href"])
    assert response.status_code == 200 and response.mimetype == "text/css"
    return link["href"], response.get_data(as_text=True)


def test_the_api_sets_and_checks_the_look(client, olga):
    answer = brand(client, olga, brand_color="#FFEB3B", banner="waves")
    assert answer.status_code == 200, answer.text
    page = client.get("/api/v1/me/page", headers=olga["headers"]).json
    assert (page["brand_color"], page["banner"]) == ("#ffeb3b", "waves")
    bad = brand(client, olga, brand_color="yellow", banner="fireworks")
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"brand_color", "banner"}
    assert brand(client, olga, brand_color=None, banner=None).status_code == 200
    page = client.get("/api/v1/me/page", headers=olga["headers"]).json
    assert (page["brand_color"], page["banner"]) == (None, None)


def test_the_page_wears_the_brand_readably_in_light_and_dark(client, olga):
    brand(client, olga, brand_color="#ffeb3b", banner="dawn")  # yellow: unreadable on white
    html = client.get("/b/olga").get_data(as_text=True)
    url, css = stylesheet(client, html)
    light = re.search(r":root \{ --accent: (#\w+); --accent-fg: (#\w+); \}", css)
    dark = re.search(
        r"prefers-color-scheme: dark\) \{ :root \{ --accent: (#\w+); --accent-fg: (#\w+);", css
    )
    assert light and dark
    assert light[1] != "#ffeb3b" and contrast(light[1], LIGHT_BACKGROUND) >= 4.5
    assert contrast(light[2], light[1]) >= 4.5
    assert dark[1] == "#ffeb3b" and contrast(dark[1], DARK_BACKGROUND) >= 4.5  # reads on dark
    assert contrast(dark[2], dark[1]) >= 4.5
    banner = soup(html).find("img", class_="page-banner")
    assert banner["src"].startswith("/static/img/banners/dawn.svg") and banner["alt"] == ""
    assert client.get(banner["src"]).status_code == 200
    # Kept a year under its URL; another colour, another URL.
    assert "immutable" in client.get(url).headers["Cache-Control"]
    brand(client, olga, brand_color="#2f6fdf")
    new_url, _ = stylesheet(client, client.get("/b/olga").get_data(as_text=True))
    assert new_url != url
    assert "no-cache" in client.get(url).headers["Cache-Control"]


def test_each_type_is_marked_with_its_colour(client, olga):
    made = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Coffee", "slug": "coffee", "duration_minutes": 15, "color": "#e91e63"},
        headers=olga["headers"],
    )
    assert made.status_code == 201, made.text
    html = client.get("/b/olga").get_data(as_text=True)
    _, css = stylesheet(client, html)
    assert f".type-{made.json['id']} {{ --type-color: #e91e63; }}" in css
    card = soup(html).find("a", string="Coffee").find_parent("li")
    assert f"type-{made.json['id']}" in card["class"] and "type-mark" in card["class"]
    type_page = soup(client.get("/b/olga/coffee"))
    assert f"type-{made.json['id']}" in type_page.find("h1")["class"]
    assert type_page.find("link", href=re.compile(r"/brand\.css")) is not None


def test_the_settings_page_sets_the_look_and_names_a_bad_colour(app, client, olga, login):
    login(olga)
    page = soup(client.get("/me/page"))
    form = page.find("form", action="/me/page")
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("submit",):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "y")
        else:
            data[name] = field.get("value", field.get_text() if field.name == "textarea" else "")
    bad = client.post("/me/page", data={**data, "brand_color": "blue", "banner": "meadow"})
    assert bad.status_code == 422
    error = soup(bad).find(id="brand_color-error")
    assert error is not None and "is not a colour like #2f6fdf" in error.get_text()
    saved = client.post("/me/page", data={**data, "brand_color": "#1e6b34", "banner": "meadow"})
    assert saved.status_code == 303
    page = client.get("/api/v1/me/page", headers=olga["headers"]).json
    assert (page["brand_color"], page["banner"]) == ("#1e6b34", "meadow")


def test_the_emails_carry_the_brand_colour(app, client, olga, smtp_sink):
    brand(client, olga, brand_color="#1e6b34")
    book_api(client, monday_at(10))
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert smtp_sink.wait_for(2)
    for message in smtp_sink.messages:
        html = message.get_body(("html",)).get_content()
        bar = soup(html).find(id="brand-bar")
        assert "background: #1e6b34" in bar["style"]
