"""Embedding (SPEC §10): ?embed=1 pages without chrome, framable only from BWM_EMBED_ORIGINS, the
whole flow kept in the frame, and attendee forms that work with no cookie at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import soup
from tests.helpers import next_weekday

JANUARY = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
TYPE = "/b/olga/30-minute-meeting"


@pytest.fixture
def app(make_app, clock):
    clock.now = JANUARY
    return make_app(
        CLOCK=clock,
        WTF_CSRF_ENABLED=True,
        EMBED_ORIGINS="https://shop.example.com https://www.example.org",
    )


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


def ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    (part,) = [p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors")]
    return part


def framable(response) -> bool:
    return "X-Frame-Options" not in response.headers and ancestors(response) == (
        "frame-ancestors https://shop.example.com https://www.example.org"
    )


def refuses_framing(response) -> bool:
    return (
        response.headers.get("X-Frame-Options") == "DENY"
        and ancestors(response) == "frame-ancestors 'none'"
    )


def first_time_url(client, query: str = "") -> str:
    """The booking form's URL of the first free time on the coming Monday, in the frame."""
    monday = next_weekday(0, today=JANUARY.date())
    picker = soup(
        client.get(f"{TYPE}?embed=1&month={monday:%Y-%m}&date={monday.isoformat()}{query}")
    )
    return picker.select_one(".times a")["href"]


def form_of(response, selector: str = "form[method=post]") -> tuple[str, dict]:
    """The action and the values (hidden ones included) of a page's form."""
    form = soup(response).select_one(selector)
    values = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    return form["action"], values


def cookieless(app):
    return app.test_client(use_cookies=False)


def book_in_frame(app, **fields) -> tuple:
    """GET the form and POST it from two clients that keep no cookie; return the POST's answer."""
    client = cookieless(app)
    page = client.get(first_time_url(client))
    assert page.status_code == 200
    action, values = form_of(page)
    values.update(name="Anna Attendee", email="anna@example.org", note="", **fields)
    answer = cookieless(app).post(action, data=values, headers={"Origin": "http://localhost"})
    return page, answer


def assert_kept_in_frame(response) -> None:
    """Every link and form of ours on the page keeps embed=1 (the link to keep opens apart)."""
    html = soup(response)
    urls = [a["href"] for a in html.select("a[href]") if a.get("target") != "_blank"]
    urls += [a["hx-get"] for a in html.select("[hx-get]")]
    urls += [f.get("action", "") for f in html.select("form")]
    ours = [u for u in urls if u.startswith("/") and not u.startswith("/static/")]
    assert ours
    for url in ours:
        query = parse_qs(urlsplit(url).query)
        assert query.get("embed") == ["1"] or (
            html.select_one(f'form[action="{url}"] input[name=embed][value="1"]')
        ), url


def test_embed_pages_are_framable_from_the_listed_origins_only(client, organizer, app):
    for url in ("/b/olga?embed=1", f"{TYPE}?embed=1"):
        response = client.get(url)
        assert response.status_code == 200
        assert framable(response), url
    for url in ("/b/olga", TYPE, "/login", "/healthz", "/embed.js"):
        assert refuses_framing(client.get(url)), url


def test_everything_else_stays_unframable_also_when_signed_in(client, organizer, app):
    client.post(
        "/login", data={"email": "olga@example.com", "password": "correct-horse"}
    )  # refused without its token: signing in is still an organizer form
    page, answer = book_in_frame(app)
    manage = urlsplit(answer.headers["Location"]).path
    assert refuses_framing(client.get(manage))
    assert framable(client.get(f"{manage}?embed=1"))
    assert refuses_framing(client.get("/me/", follow_redirects=True))
    assert refuses_framing(client.get("/me/?embed=1", follow_redirects=True))
    assert refuses_framing(client.get("/login?embed=1"))


def test_the_default_lets_any_site_frame_the_flow(make_app, organizer, clock):
    app = make_app(CLOCK=clock)
    assert app.config["EMBED_ORIGINS"] == "*"
    response = app.test_client().get(f"{TYPE}?embed=1")
    assert ancestors(response) == "frame-ancestors *"
    assert "X-Frame-Options" not in response.headers
    assert ancestors(app.test_client().get(TYPE)) == "frame-ancestors 'none'"


def test_embed_origins_come_from_the_environment(monkeypatch, tmp_path, database_url):
    from bwm import create_app

    monkeypatch.setenv("BWM_EMBED_ORIGINS", "https://a.example.com https://b.example.net")
    monkeypatch.setenv("BWM_SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.setenv("BWM_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["EMBED_ORIGINS"] == "https://a.example.com https://b.example.net"


def test_embed_pages_have_no_chrome(client, organizer):
    for url in ("/b/olga?embed=1", f"{TYPE}?embed=1"):
        html = soup(client.get(url))
        assert html.select_one("header") is None and html.select_one("footer") is None
        assert html.select_one("nav") is None
        assert "Svenska" not in html.get_text()
        assert html.select_one("main h1")
        scripts = [s["src"].split("?")[0] for s in html.select("script[src]")]
        assert "/static/js/embed-frame.js" in scripts
        assert not html.select("script:not([src])")  # CSP: no inline script
    plain = soup(client.get(TYPE))
    assert plain.select_one("header.site") and plain.select_one("footer.site nav")
    assert "/static/js/embed-frame.js" not in [
        s["src"].split("?")[0] for s in plain.select("script[src]")
    ]


def test_the_whole_flow_keeps_embed_1(app, organizer):
    client = cookieless(app)
    assert_kept_in_frame(client.get("/b/olga?embed=1"))
    monday = next_weekday(0, today=JANUARY.date())
    picker = client.get(f"{TYPE}?embed=1&month={monday:%Y-%m}&date={monday.isoformat()}")
    assert_kept_in_frame(picker)
    # The picker's fragments for htmx keep it too.
    fragment = client.get(f"{TYPE}?embed=1&month={monday:%Y-%m}", headers={"HX-Request": "true"})
    assert_kept_in_frame(fragment)
    form_page, answer = book_in_frame(app)
    assert_kept_in_frame(form_page)
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert parse_qs(urlsplit(location).query)["embed"] == ["1"]
    manage = client.get(location)
    assert manage.status_code == 200 and "confirmed" in manage.text
    assert_kept_in_frame(manage)
    html = soup(manage)
    assert html.select_one("header") is None
    # The host page is told which booking and when, never who.
    marker = html.select_one("[data-bwm-booked]")
    assert marker["data-uid"] and marker["data-start"].startswith("2027-01-18T")
    assert "anna" not in str(marker).lower()
    # The link to keep is the plain one.
    keep = html.select_one("a[target=_blank]")
    assert "embed" not in keep["href"] and keep["href"] == keep.get_text()
    # Reschedule: the picker, the confirmation and the move stay in the frame.
    token = urlsplit(location).path.rsplit("/", 1)[1]
    picker = client.get(f"/m/{token}/reschedule?embed=1&month={monday:%Y-%m}&date={monday}")
    assert picker.status_code == 200 and framable(picker)
    assert_kept_in_frame(picker)
    later = [a["href"] for a in soup(picker).select(".times a")][-1]
    confirm = client.get(later)
    assert confirm.status_code == 200 and framable(confirm)
    assert_kept_in_frame(confirm)
    action, values = form_of(confirm)
    moved = cookieless(app).post(action, data=values, headers={"Origin": "http://localhost"})
    assert moved.status_code == 303, moved.text
    assert parse_qs(urlsplit(moved.headers["Location"]).query)["embed"] == ["1"]
    # Cancel, from the frame's manage page.
    action, values = form_of(client.get(moved.headers["Location"]))
    cancelled = cookieless(app).post(
        action, data={**values, "reason": "Sorry"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert cancelled.status_code == 303, cancelled.text
    page = client.get(cancelled.headers["Location"])
    assert "cancelled" in page.text and framable(page)


def test_a_language_asked_for_is_kept_in_the_frame(app, organizer):
    client = cookieless(app)
    response = client.get(f"{TYPE}?embed=1&lang=sv")
    assert "Set-Cookie" not in response.headers  # the frame keeps it in its URLs instead
    links = [a["href"] for a in soup(response).select("#picker a[href]")]
    assert links and all("lang=sv" in link for link in links)


def test_booking_in_the_frame_needs_no_cookie(app, organizer):
    page, answer = book_in_frame(app)
    assert "Set-Cookie" not in page.headers
    assert answer.status_code == 303, answer.text
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Location"].startswith("/m/")


def test_private_links_embed_too(app, organizer):
    client = cookieless(app)
    created = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Secret chat", "duration_minutes": 30, "visibility": "private"},
        headers=organizer["headers"],
    )
    link = client.post(
        f"/api/v1/me/meeting-types/{created.json['id']}/links",
        json={},
        headers=organizer["headers"],
    ).json
    path = urlsplit(link["url"]).path
    monday = next_weekday(0, today=JANUARY.date())
    picker = client.get(f"{path}?embed=1&month={monday:%Y-%m}&date={monday.isoformat()}")
    assert picker.status_code == 200 and framable(picker)
    assert soup(picker).select_one("header") is None
    assert_kept_in_frame(picker)
    form_page = client.get(soup(picker).select_one(".times a")["href"])
    assert framable(form_page)
    action, values = form_of(form_page)
    values.update(name="Pia Private", email="pia@example.org")
    answer = cookieless(app).post(action, data=values, headers={"Origin": "http://localhost"})
    assert answer.status_code == 303, answer.text
    assert "embed=1" in answer.headers["Location"]


def refused(response) -> bool:
    return response.status_code == 400 and "The form had expired" in response.text


def test_a_tampered_foreign_or_missing_form_token_is_refused(app, organizer):
    client = cookieless(app)
    page = client.get(first_time_url(client))
    action, values = form_of(page)
    values.update(name="Anna Attendee", email="anna@example.org")
    origin = {"Origin": "http://localhost"}
    token = values["csrf_token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert refused(client.post(action, data={**values, "csrf_token": tampered}, headers=origin))
    assert refused(client.post(action, data={**values, "csrf_token": ""}, headers=origin))
    # A token of another form, or of this form on another type, is no good here.
    manage = book_in_frame(app)[1].headers["Location"]
    _, cancel_values = form_of(client.get(manage))
    assert refused(
        client.post(
            action, data={**values, "csrf_token": cancel_values["csrf_token"]}, headers=origin
        )
    )
    # The friendly page, in the frame when asked from it.
    answer = client.post(action, data={**values, "csrf_token": tampered}, headers=origin)
    assert soup(answer).select_one("main h1") and framable(answer)
    # Its own token passes: the time is taken by the booking above, so the "taken" page.
    taken = client.post(action, data=values, headers=origin)
    assert taken.status_code == 409 and framable(taken)
    assert soup(taken).select_one("header") is None
    assert_kept_in_frame(taken)


def test_an_expired_form_token_is_refused(app, organizer, clock):
    client = cookieless(app)
    page = client.get(first_time_url(client))
    action, values = form_of(page)
    values.update(name="Anna Attendee", email="anna@example.org")
    clock.advance(hours=2, minutes=2)
    assert refused(client.post(action, data=values, headers={"Origin": "http://localhost"}))
    clock.now = JANUARY + timedelta(hours=1)  # within two hours, the same form still works
    assert (
        client.post(action, data=values, headers={"Origin": "http://localhost"}).status_code == 303
    )


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"Origin": "http://localhost"}, True),  # the frame's own form: served by us
        ({"Origin": "https://shop.example.com"}, True),  # a listed host page's own form
        ({"Sec-Fetch-Site": "same-origin"}, True),
        ({}, True),  # no browser headers at all (an old browser, a script)
        ({"Origin": "https://evil.example.net", "Sec-Fetch-Site": "cross-site"}, False),
        ({"Origin": "https://evil.example.net"}, False),
        ({"Origin": "null"}, False),
        ({"Sec-Fetch-Site": "cross-site"}, False),
        ({"Sec-Fetch-Site": "same-site"}, False),
    ],
)
def test_a_post_from_another_website_is_refused(app, organizer, headers, ok):
    client = cookieless(app)
    action, values = form_of(client.get(first_time_url(client)))
    values.update(name="Anna Attendee", email="anna@example.org")
    answer = client.post(action, data=values, headers=headers)
    assert (answer.status_code == 303) is ok, answer.status_code
    if not ok:
        assert refused(answer)


def test_with_any_origin_allowed_only_our_own_may_post(make_app, organizer, clock):
    clock.now = JANUARY
    app = make_app(CLOCK=clock, WTF_CSRF_ENABLED=True)
    client = cookieless(app)
    action, values = form_of(client.get(first_time_url(client)))
    values.update(name="Anna Attendee", email="anna@example.org")
    assert refused(client.post(action, data=values, headers={"Origin": "https://any.example.com"}))
    assert (
        client.post(action, data=values, headers={"Origin": "http://localhost"}).status_code == 303
    )


def test_organizer_forms_still_need_the_session_token(app, organizer):
    client = app.test_client()
    login = {"email": "olga@example.com", "password": "correct-horse"}
    assert client.post("/login", data=login).status_code == 400
    html = soup(client.get("/login"))
    token = html.find("input", attrs={"name": "csrf_token"})["value"]
    # An attendee form's token is no session token.
    _, values = form_of(cookieless(app).get(first_time_url(cookieless(app))))
    assert (
        client.post("/login", data={**login, "csrf_token": values["csrf_token"]}).status_code == 400
    )
    assert cookieless(app).post("/login", data={**login, "csrf_token": token}).status_code == 400
    assert client.post("/login", data={**login, "csrf_token": token}).status_code == 303


def test_embed_js_is_served_for_other_websites(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.cache_control.max_age >= 86400 and response.cache_control.public
    body = response.get_data(as_text=True)
    assert "bwm:booked" in body and "data-bwm-url" in body
    assert "http" not in body.replace("https://bwm.example.com", "")  # nothing of a third party


def test_links_that_leave_the_site_never_carry_the_frame(make_app):
    from flask import url_for

    from bwm.core.urls import external_url

    app = make_app(BASE_URL=None)
    with app.test_request_context("/b/olga/30-minute-meeting?embed=1&lang=sv"):
        assert url_for("attendee.manage", token="t") == "/m/t?embed=1&lang=sv"
        assert url_for("organizer.dashboard") == "/me/"  # not a page of the flow
        # The links in emails and the API's manage_url are the plain ones.
        assert external_url("attendee.manage", token="t") == "http://localhost/m/t"
    with app.test_request_context("/b/olga/30-minute-meeting"):
        assert url_for("attendee.manage", token="t") == "/m/t"
