"""Languages: complete catalogues, pages in each language, the remembered choice, emails."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po

from tests.conftest import soup
from tests.helpers import next_weekday

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "bwm" / "translations"
LANGUAGES = ["sv", "da", "nl"]
PYBABEL = str(Path(sys.executable).parent / "pybabel")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Compile the catalogues when the install step has not (a plain `pytest`)."""
    stale = False
    for lang in LANGUAGES:
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            stale = True
    if stale:
        subprocess.run([PYBABEL, "-q", "compile", "-d", str(TRANSLATIONS)], check=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> list:
    """Extract every string from the code and templates now, as the Makefile would."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [PYBABEL, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"]
        + ["-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_is_translated(template, lang):
    cat = catalogue(lang)
    missing = []
    for message in template:
        found = cat.get(message.id)
        strings = found.string if found else None
        if isinstance(strings, str):
            strings = (strings,)
        if not found or found.fuzzy or not strings or not all(strings):
            missing.append(message.id)
    assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:5]}"
    assert len(template) > 500


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_survive_translation(lang):
    wrong = []
    for message in catalogue(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - expected or (
                len(ids) == 1 and set(PLACEHOLDER.findall(string)) != expected
            ):
                wrong.append((message.id, string))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_are_not_english_copies(lang):
    # A few words are the same in both languages ("Administrator", "Status"); whole sentences not.
    messages = [m for m in catalogue(lang) if m.id and isinstance(m.id, str)]
    copies = [m.id for m in messages if m.string == m.id and len(m.id) > 12]
    assert len(copies) < len(messages) // 50, copies
    sentences = [
        m.id
        for m in messages
        if m.string == m.id and len(re.findall(r"[^\W\d_]+", PLACEHOLDER.sub("", m.id))) > 3
    ]
    assert not sentences


@pytest.fixture
def organizer(make_user):
    return make_user(name="Ann Andersson", slug="ann", timezone="Europe/Stockholm")


def test_login_page_in_each_language(client):
    expected = {"en": "Log in", "sv": "Logga in", "da": "Log ind", "nl": "Inloggen"}
    for lang, words in expected.items():
        page = soup(client.get("/login", query_string={"lang": lang}))
        assert page.html["lang"] == lang
        assert page.find("h1").get_text(strip=True) == words


def test_pages_in_swedish_with_babel_dates(client, organizer):
    monday = next_weekday(0)
    query = {"lang": "sv", "tz": "Europe/Stockholm", "month": monday.strftime("%Y-%m")}
    page = soup(client.get("/b/ann", query_string={"lang": "sv"}))
    assert page.html["lang"] == "sv"
    assert "Välj ett möte" in page.get_text()
    response = client.get("/b/ann/30-minute-meeting", query_string=query)
    page = soup(response)
    assert page.html["lang"] == "sv"
    assert "Din tidszon" in page.get_text()
    heading = page.select_one("#month-heading").get_text(strip=True)
    assert heading == format_date(monday, "LLLL y", locale="sv")
    labels = [a["aria-label"] for a in page.select(".calendar a.day")]
    assert any("måndag" in label for label in labels)
    assert not any("Monday" in label for label in labels)


def test_switcher_keeps_the_query_and_marks_the_current_language(client, organizer):
    page = soup(client.get("/b/ann/30-minute-meeting?tz=Europe%2FStockholm&lang=da"))
    links = page.select("nav a[hreflang]")
    assert [a.get_text(strip=True) for a in links] == ["English", "Svenska", "Dansk", "Nederlands"]
    for a in links:
        assert a["lang"] == a["hreflang"]
        assert "tz=Europe%2FStockholm" in a["href"] and f"lang={a['lang']}" in a["href"]
        assert a["href"].startswith("/b/ann/30-minute-meeting?")
    assert [a["hreflang"] for a in links if a.get("aria-current") == "true"] == ["da"]


def test_the_choice_is_remembered_and_the_browser_is_asked(app, organizer):
    client = app.test_client()
    first = client.get("/b/ann", query_string={"lang": "nl"})
    assert "lang=nl" in first.headers["Set-Cookie"]
    assert soup(client.get("/b/ann")).html["lang"] == "nl"
    browser = app.test_client()
    page = soup(browser.get("/b/ann", headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"}))
    assert page.html["lang"] == "da"
    assert "Vælg et møde" in page.get_text()
    # A remembered choice beats the browser; nothing matching falls back to English.
    assert soup(client.get("/b/ann", headers={"Accept-Language": "da"})).html["lang"] == "nl"
    other = app.test_client()
    assert soup(other.get("/b/ann", headers={"Accept-Language": "fr, de"})).html["lang"] == "en"


@pytest.mark.parametrize(
    ("lang", "title"),
    [("en", "Page not found"), ("sv", "Sidan finns inte"), ("da", "Siden findes ikke")]
    + [("nl", "Pagina niet gevonden")],
)
def test_the_404_page_is_translated(client, lang, title):
    response = client.get("/b/nobody-here", query_string={"lang": lang})
    assert response.status_code == 404
    page = soup(response)
    assert page.html["lang"] == lang
    assert page.find("h1").get_text(strip=True) == title


def test_an_attendee_booking_in_dutch_gets_dutch_email(make_app, smtp_sink, make_user):
    app = make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)
    make_user(email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm")
    monday = next_weekday(0)
    start = datetime.combine(monday, datetime.min.time(), ZoneInfo("Europe/Stockholm"))
    response = app.test_client().post(
        "/api/v1/pages/olga/types/30-minute-meeting/bookings",
        json={
            "start": start.replace(hour=10).isoformat(),
            "name": "Anna Attendee",
            "email": "anna@example.org",
            "timezone": "Europe/Amsterdam",
        },
        headers={"Accept-Language": "nl"},
    )
    assert response.status_code == 201, response.text
    assert smtp_sink.wait_for(2)
    mails = {m["To"]: m for m in smtp_sink.messages}
    attendee, organizer_mail = mails["anna@example.org"], mails["olga@example.com"]
    dutch_day = format_date(monday, "full", locale="nl")
    assert str(attendee["Subject"]).strip().startswith("Geboekt: ")
    assert "maandag" in attendee["Subject"]
    body = attendee.get_body(("plain",)).get_content()
    assert "Je afspraak is geboekt." in body and dutch_day in body
    assert "Verzetten of annuleren:" in body
    html = attendee.get_body(("html",)).get_content()
    assert '<html lang="nl">' in html
    assert str(organizer_mail["Subject"]).strip().startswith("Booked: ")
    assert "Monday" in organizer_mail["Subject"]
    assert "booked a meeting with you" in organizer_mail.get_body(("plain",)).get_content()

    def summary_and_description(message) -> tuple[str, str]:
        from icalendar import Calendar

        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                event = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
                return str(event["SUMMARY"]), str(event.get("DESCRIPTION", ""))
        raise AssertionError("no invitation")

    summary, description = summary_and_description(attendee)
    assert summary.endswith(": Olga en Anna Attendee")
    assert "Verzetten of annuleren: http" in description
    summary, description = summary_and_description(organizer_mail)
    assert summary.endswith(": Olga and Anna Attendee")
