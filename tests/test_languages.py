"""The organizer's own language, a page's default language, and whose language each email is in.

The order (issue #7): ?lang=, then the remembered choice, then the browser's Accept-Language,
then the page's default, then English; under /me the organizer's own language stands in for the
browser's. An attendee's emails are in the language they booked in, the organizer's in theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar

from bwm.extensions import db
from bwm.models import Booking, User
from tests.conftest import soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def settings_form(client) -> dict:
    """Return what the browser would post from /me/page as it stands (no button pressed)."""
    response = client.get("/me/page")
    assert response.status_code == 200
    form = soup(response).find("main").find("form", attrs={"novalidate": True})
    data: dict = {}
    for el in form.find_all(["input", "select", "textarea"]):
        name = el.get("name")
        if not name:
            continue
        if el.name == "select":
            option = el.find("option", selected=True) or el.find("option")
            data[name] = option["value"]
        elif el.name == "textarea":
            data[name] = el.text.removeprefix("\n")
        elif el.get("type") == "checkbox":
            if el.has_attr("checked"):
                data[name] = el.get("value", "y")
        elif el.get("type") not in ("submit", "button"):
            data[name] = el.get("value", "")
    return data


def chosen(page: BeautifulSoup, field: str) -> str:
    return page.find("select", id=field).find("option", selected=True)["value"]


def stored(app, user_id: int) -> tuple[str, str, str]:
    """Return the organizer's language, their page's default language and its display name."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.language, user.page.default_language, user.page.display_name


def set_languages(app, user_id: int, *, language: str = "en", page_default: str = "en") -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.language = language
        user.page.default_language = page_default
        db.session.commit()


def lang_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("lang="):
            return header.split(";", 1)[0].removeprefix("lang=")
    return None


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )


# --- the settings form -----------------------------------------------------------------------


def test_the_settings_offer_each_language_named_in_itself(client, login, organizer):
    login(organizer)
    page = soup(client.get("/me/page"))
    for field in ("language", "default_language"):
        select = page.find("select", id=field)
        options = [(o["value"], o.get_text(strip=True)) for o in select.find_all("option")]
        assert options == [
            ("en", "English"), ("sv", "Svenska"), ("da", "Dansk"), ("nl", "Nederlands"),
        ]  # fmt: skip
        assert page.find("label", attrs={"for": field}).get_text(strip=True)
        assert chosen(page, field) == "en"


def test_the_organizer_sets_their_language_and_the_pages_default(app, client, login, organizer):
    login(organizer)
    response = client.post(
        "/me/page", data={**settings_form(client), "language": "sv", "default_language": "da"}
    )
    assert response.status_code == 303
    # Their own choice, just made, is remembered like a choice from the switcher.
    assert lang_cookie(response) == "sv"
    assert stored(app, organizer["id"])[:2] == ("sv", "da")
    page = soup(client.get("/me/page"))
    assert page.html["lang"] == "sv"
    assert "Din bokningssida har sparats." in page.get_text()
    assert (chosen(page, "language"), chosen(page, "default_language")) == ("sv", "da")
    assert page.find("h1").get_text(strip=True) == "Bokningssida"

    # Saving again without changing the language leaves the remembered choice alone.
    again = client.post("/me/page", data=settings_form(client))
    assert again.status_code == 303 and lang_cookie(again) is None


def test_me_pages_are_in_the_organizers_language_unless_lang_or_the_cookie_says_otherwise(
    app, organizer
):
    set_languages(app, organizer["id"], language="nl")
    client = app.test_client()  # no remembered choice
    assert client.post("/login", data=organizer).status_code == 303
    # The organizer's language beats the browser's under /me ...
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    for url in ("/me/", "/me/page", "/me/types", "/me/bookings"):
        assert soup(client.get(url, headers=english_browser)).html["lang"] == "nl", url
    # ... and on an attendee page, even their own, the browser decides.
    assert soup(client.get("/b/olga", headers=english_browser)).html["lang"] == "en"
    # ?lang= beats it, and is remembered.
    asked = client.get("/me/", query_string={"lang": "da"}, headers=english_browser)
    assert soup(asked).html["lang"] == "da"
    assert soup(client.get("/me/page", headers=english_browser)).html["lang"] == "da"
    # Before logging in, the browser decides.
    other = app.test_client()
    assert soup(other.get("/login", headers=english_browser)).html["lang"] == "en"


def test_an_unknown_language_is_refused_beside_its_field_and_nothing_is_stored(
    app, client, login, organizer
):
    login(organizer)
    data = settings_form(client)
    bad = {**data, "language": "xx", "default_language": "fr", "display_name": "Olga Changed"}
    response = client.post("/me/page", data=bad)
    assert response.status_code == 422
    page = soup(response)
    assert page.find(role="alert")
    for field in ("language", "default_language"):
        error = page.find(id=f"{field}-error")
        assert error is not None and "must be one of en, sv, da, nl" in error.get_text(), field
        assert page.find(id=field)["aria-invalid"] == "true"
    assert lang_cookie(response) is None
    assert stored(app, organizer["id"]) == ("en", "en", "Olga")

    # A bad language and a bad slug: both are named.
    response = client.post("/me/page", data={**data, "language": "", "slug": "Not A Slug!"})
    assert response.status_code == 422
    page = soup(response)
    assert page.find(id="language-error") and page.find(id="slug-error")
    assert stored(app, organizer["id"]) == ("en", "en", "Olga")
    with app.app_context():
        assert db.session.get(User, organizer["id"]).page.slug == "olga"


# --- the page's default language for visitors -----------------------------------------------


@pytest.mark.parametrize(
    ("headers", "query", "lang", "words"),
    [
        ({}, {}, "da", "Vælg et møde"),
        ({"Accept-Language": "fr-FR, de;q=0.8"}, {}, "da", "Vælg et møde"),
        ({"Accept-Language": "sv-SE,sv;q=0.9"}, {}, "sv", "Välj ett möte"),
        ({"Accept-Language": "sv"}, {"lang": "nl"}, "nl", "Kies een afspraak"),
        ({}, {"lang": "en"}, "en", "Choose a meeting"),
    ],
)
def test_a_visitor_gets_the_pages_default_when_nothing_else_decides(
    app, organizer, headers, query, lang, words
):
    set_languages(app, organizer["id"], page_default="da")
    page = soup(app.test_client().get("/b/olga", headers=headers, query_string=query))
    assert page.html["lang"] == lang
    assert words in page.get_text()


def test_the_pages_default_covers_its_types_links_and_api_but_not_other_pages(
    app, make_user, make_token, organizer
):
    set_languages(app, organizer["id"], language="sv", page_default="da")
    client = app.test_client()
    meeting_type = soup(client.get("/b/olga/30-minute-meeting"))
    assert meeting_type.html["lang"] == "da"
    assert "Din tidszone" in meeting_type.get_text()
    # A remembered choice still beats the page's default.
    chooser = app.test_client()
    chooser.get("/b/olga", query_string={"lang": "nl"})
    assert soup(chooser.get("/b/olga/30-minute-meeting")).html["lang"] == "nl"
    # Another organizer's page keeps English; so does an unknown page.
    make_user(email="per@example.com", name="Per", slug="per")
    assert soup(client.get("/b/per")).html["lang"] == "en"
    assert soup(client.get("/b/nobody")).html["lang"] == "en"

    # A private link of the page: its page, and a booking through it, are in Danish.
    headers = make_token(organizer["id"])
    created = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Hidden", "duration_minutes": 30, "visibility": "private"},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    link = client.post(
        f"/api/v1/me/meeting-types/{created.json['id']}/links", json={}, headers=headers
    )
    assert link.status_code == 201, link.json
    token = link.json["token"]
    assert soup(client.get(f"/p/{token}")).html["lang"] == "da"
    assert soup(client.get("/p/not-a-token")).html["lang"] == "en"
    monday = next_weekday(0)
    start = datetime.combine(monday, datetime.min.time(), STOCKHOLM).replace(hour=11)
    booked = client.post(
        f"/api/v1/links/{token}/bookings",
        json={"start": start.isoformat(), "name": "Dan", "email": "dan@example.org"},
    )
    assert booked.status_code == 201, booked.json
    # Through the API with no Accept-Language, a public type's booking takes the default too.
    booked = client.post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={"start": start.replace(hour=13).isoformat(), "name": "Dea", "email": "dea@ex.org"},
    )
    assert booked.status_code == 201, booked.json
    with app.app_context():
        languages = {b.attendee_name: b.language for b in db.session.query(Booking)}
    assert languages == {"Dan": "da", "Dea": "da"}


# --- whose language each email is in --------------------------------------------------------


@pytest.fixture
def mail_app(make_app, smtp_sink):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)


def _invitation_summary(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return str(
                Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]["SUMMARY"]
            )
    raise AssertionError("no invitation")


def test_the_organizer_in_swedish_and_the_attendee_in_dutch_each_get_their_own(
    mail_app, smtp_sink, make_user
):
    app = mail_app
    olga = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    organizer_client = app.test_client()
    assert organizer_client.post("/login", data=olga).status_code == 303
    data = settings_form(organizer_client)
    assert organizer_client.post("/me/page", data={**data, "language": "sv"}).status_code == 303

    # The attendee books through the HTML form, their browser in Dutch.
    monday = next_weekday(0)
    start = datetime.combine(monday, datetime.min.time(), STOCKHOLM).replace(hour=10)
    attendee = app.test_client()
    response = attendee.post(
        "/b/olga/30-minute-meeting/book",
        data={
            "start": start.isoformat(),
            "timezone": "Europe/Amsterdam",
            "name": "Anna Attendee",
            "email": "anna@example.org",
            "note": "",
        },
        headers={"Accept-Language": "nl-NL,nl;q=0.9"},
    )
    assert response.status_code == 303, response.text
    assert smtp_sink.wait_for(2)
    mails = {m["To"]: m for m in smtp_sink.messages}
    to_attendee, to_organizer = mails["anna@example.org"], mails["olga@example.com"]

    assert (
        str(to_organizer["Subject"])
        .strip()
        .startswith("Bokat: 30 minute meeting med Anna Attendee, ")
    )
    assert "måndag" in to_organizer["Subject"]
    body = to_organizer.get_body(("plain",)).get_content()
    assert "Anna Attendee har bokat ett möte med dig." in body
    assert '<html lang="sv">' in to_organizer.get_body(("html",)).get_content()
    assert _invitation_summary(to_organizer).endswith(": Olga och Anna Attendee")

    assert str(to_attendee["Subject"]).strip().startswith("Geboekt: ")
    assert "maandag" in to_attendee["Subject"]
    assert "Je afspraak is geboekt." in to_attendee.get_body(("plain",)).get_content()
    assert _invitation_summary(to_attendee).endswith(": Olga en Anna Attendee")

    # The organizer cancels from /me (in Swedish): the attendee still hears in Dutch.
    with app.app_context():
        booking_id = db.session.query(Booking.id).scalar()
    cancel = organizer_client.post(f"/me/bookings/{booking_id}/cancel", data={"reason": ""})
    assert cancel.status_code in (200, 303), cancel.text
    assert smtp_sink.wait_for(4)
    later = {m["To"]: m for m in smtp_sink.messages[2:]}
    assert str(later["anna@example.org"]["Subject"]).strip().startswith("Geannuleerd: ")
    assert str(later["olga@example.com"]["Subject"]).strip().startswith("Avbokat: ")


def test_reminders_go_out_in_each_readers_language(make_app, smtp_sink, make_user, clock):
    day = next_weekday(2, at_least=5)
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)
    clock.now = start - timedelta(days=3)
    app = make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)
    from bwm.services import meeting_types

    olga = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    with app.app_context():
        user = db.session.get(User, olga["id"])
        user.language = "da"
        meeting_types.create(
            user.page,
            {
                "title": "Reminded",
                "slug": "reminded",
                "duration_minutes": 30,
                "reminders_minutes": [60],
            },
        )
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/pages/olga/types/reminded/bookings",
        json={"start": start.isoformat(), "name": "Rita", "email": "rita@example.org"},
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 201, response.json
    assert smtp_sink.wait_for(2)
    clock.now = start - timedelta(minutes=59)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert smtp_sink.wait_for(4)
    reminders = {m["To"]: str(m["Subject"]).strip() for m in smtp_sink.messages[2:]}
    assert reminders["rita@example.org"].startswith("Påminnelse: Reminded med Olga, ")
    assert reminders["olga@example.com"].startswith("Påmindelse: Reminded med Rita, ")


def test_an_invitation_is_in_the_invited_users_language(make_app, smtp_sink, make_user):
    mail = make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)
    admin = make_user(email="ada@example.com", name="Ada", slug="ada", admin=True)
    set_languages(mail, admin["id"], language="sv")
    client = mail.test_client()
    assert client.post("/login", data=admin).status_code == 303
    # A new user starts in the language the admin works in, and is invited in it.
    response = client.post(
        "/admin/users", data={"name": "Dag Dahl", "email": "dag@example.com", "invite": "y"}
    )
    assert response.status_code == 303, response.text
    assert smtp_sink.wait_for(1)
    assert str(smtp_sink.messages[0]["Subject"]).strip() == "Du är inbjuden till Bookings with me"
    with mail.app_context():
        dag = db.session.query(User).filter_by(email="dag@example.com").one()
        dag.language = "nl"
        db.session.commit()
        dag_id = dag.id
    # Sent again after they chose Dutch (the admin still works in Swedish): Dutch.
    again = client.post(f"/admin/users/{dag_id}/invite")
    assert again.status_code == 303, again.text
    assert smtp_sink.wait_for(2)
    assert (
        str(smtp_sink.messages[1]["Subject"]).strip() == "Je bent uitgenodigd voor Bookings with me"
    )


def test_the_manage_pages_speak_the_language_the_attendee_booked_in(mail_app, smtp_sink, make_user):
    app = mail_app
    make_user(email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm")
    start = datetime.combine(next_weekday(1), datetime.min.time(), STOCKHOLM).replace(hour=10)
    booked = app.test_client().post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings?lang=nl",
        json={"start": start.isoformat(), "name": "Anna", "email": "anna@example.org"},
    )
    assert booked.status_code == 201, booked.text
    path = "/m/" + booked.json["manage_url"].rsplit("/m/", 1)[1]

    # Opened later from another browser that prefers English: still Dutch, as booked.
    other = app.test_client()
    page = soup(other.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert page.html["lang"] == "nl"
    assert page.find("a", attrs={"hreflang": "nl", "aria-current": "true"})
    # Asking for another language still wins, and is remembered.
    asked = other.get(path + "?lang=sv", headers={"Accept-Language": "en"})
    assert soup(asked).html["lang"] == "sv"
    assert soup(other.get(path, headers={"Accept-Language": "en"})).html["lang"] == "sv"
    # A tampered token gets the plain 404 page, in the browser's language.
    tampered = app.test_client().get(path + "x", headers={"Accept-Language": "da"})
    assert tampered.status_code == 404 and soup(tampered).html["lang"] == "da"


def test_a_calendar_shared_with_a_colleague_is_announced_in_the_colleagues_language(
    mail_app, smtp_sink, make_user, make_token
):
    app = mail_app
    olga = make_user(email="olga@example.com", name="Olga", slug="olga")
    make_user(email="dan@example.com", name="Dan", slug="dan")
    with app.app_context():
        db.session.scalars(db.select(User).filter_by(email="dan@example.com")).one().language = "da"
        db.session.commit()
    client = app.test_client()
    for email in ("dan@example.com", "eve@example.net"):
        response = client.post(
            "/api/v1/me/calendar-shares",
            json={"email": email, "detail": "free_busy"},
            headers={**make_token(olga["id"]), "Accept-Language": "en"},
        )
        assert response.status_code == 201, response.text
    assert smtp_sink.wait_for(2)
    subjects = {m["To"]: str(m["Subject"]) for m in smtp_sink.messages}
    assert subjects["dan@example.com"] == "Olga har delt sin kalender med dig"
    assert subjects["eve@example.net"] == "Olga shared their calendar with you"
