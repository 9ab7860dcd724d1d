"""Request-wide wiring: database pragmas, language, template globals, health check."""

import os
import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlencode

from babel import dates as babel_dates
from flask import Flask, Response, g, has_request_context, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, gettext
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter, UnicodeConverter

from .core.clock import now  # noqa: F401 - views import it from here
from .domain.errors import Conflict, Message, ValidationFailed
from .embedding import embedding, frame_policy, keep_embed
from .extensions import babel, db
from .schemas import Clean, load


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Turn on foreign keys, WAL and a busy timeout on every SQLite connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def long_date(value: date) -> str:
    """Format a date in full for the page's language ("Tuesday, 1 December 2026")."""
    return babel_dates.format_date(value, "full", locale=get_locale() or "en")


def weekday(value: date) -> str:
    """The day of the week in the page's language ("Tuesday")."""
    return babel_dates.format_date(value, "EEEE", locale=get_locale() or "en")


def day_month(value: date) -> str:
    """A day and month in the page's language ("1 December", "December 1")."""
    return babel_dates.format_skeleton("MMMMd", value, locale=get_locale() or "en")


def month_name(value: date) -> str:
    """Format a month and year for the page's language ("december 2026")."""
    return babel_dates.format_date(value, "LLLL y", locale=get_locale() or "en")


def clock(value: datetime) -> str:
    """Format the wall-clock time of an aware datetime as it stands, 24-hour ("09:00")."""
    return value.strftime("%H:%M")


# Each language named in itself, for the switcher.
LANGUAGE_NAMES = {"en": "English", "sv": "Svenska", "da": "Dansk", "nl": "Nederlands"}


def language_choices() -> list[tuple[str, str]]:
    """List (code, name) of the languages offered, each name in its own language."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in _languages()]


def language_links() -> list[dict]:
    """List the switcher's links: this page in each language, the rest of the query kept."""
    current = str(get_locale() or "en")
    links = []
    for code in _languages():
        args = request.args.copy()
        args["lang"] = code
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "url": f"{request.path}?{urlencode(list(args.items(multi=True)))}",
                "current": code == current,
            }
        )
    return links


def select_locale() -> str:
    """Choose the language: ?lang=, then the remembered choice, then the browser's, then English.

    Under /me and /admin the signed-in organizer's own language stands in for the browser's; on
    a booking page (and its private links and API) the page's default language comes after the
    browser's, for visitors whose browser asks for none of ours. A booking's manage pages speak
    the language it was booked in, like a remembered choice.
    """
    languages = _languages()
    if not has_request_context():  # the worker: callers that know better use force_locale
        return languages[0]
    asked = request.args.get("lang")
    if asked in languages:
        g.lang_chosen = asked
        return asked
    remembered = request.cookies.get("lang")
    if remembered in languages:
        return remembered
    booked_in = _booking_language()  # the language the attendee booked in is theirs too
    if booked_in in languages:
        return booked_in
    if request.blueprint in ORGANIZER_BLUEPRINTS:
        from flask_login import current_user

        if current_user.is_authenticated and current_user.language in languages:
            return current_user.language
    browser = request.accept_languages.best_match(languages)
    if browser:
        return browser
    page_default = _page_language()
    return page_default if page_default in languages else "en"


# The views an organizer sees in their own language.
ORGANIZER_BLUEPRINTS = ("organizer", "admin")
# The views of a private link, named by its token rather than by the page's slug.
LINK_ENDPOINTS = (
    "attendee.link",
    "attendee.link_book",
    "api.link_slots",
    "api.link_booking_create",
)


def _page_language() -> str | None:
    """Return the default language of the booking page this request is for, if any."""
    from .services import links, pages

    args = request.view_args or {}
    if request.blueprint not in ("attendee", "api"):
        return None
    slug = args.get("slug") or (args.get("page") if request.blueprint == "api" else None)
    if slug:
        page = pages.public_page(slug)
    elif request.endpoint in LINK_ENDPOINTS and "token" in args:
        page = links.public_page_of(args["token"])
    else:
        return None
    return page.default_language if page is not None else None


# The views of a booking's manage link (/m/<token>, and the API's /bookings/<token>).
MANAGE_PATHS = ("/m/", "/api/v1/bookings/")


def _booking_language() -> str | None:
    """Return the language a booking was made in, on the pages of its manage link."""
    token = (request.view_args or {}).get("token")
    if not token or not request.path.startswith(MANAGE_PATHS):
        return None
    from .domain.tokens import TokenError
    from .services import bookings

    try:
        return bookings.booking_for_token(token).language
    except TokenError:
        return None


def _languages() -> list[str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def translated(message: str) -> str:
    """Show a message of the domain or a schema in the reader's language."""
    if isinstance(message, Message):
        values = {k: translated(v) if isinstance(v, str) else v for k, v in message.values.items()}
        return gettext(message.template, **values)
    return gettext(message) if message else message


def problems_of(exc: ValidationFailed | Conflict) -> dict[str, str]:
    """The messages of bad input or of a clash with what is stored, by field."""
    return exc.errors if isinstance(exc, ValidationFailed) else {exc.field: exc.message}


def errors_beside(
    form, errors: Mapping[str, str], *, aliases: Mapping[str, str] | None = None, fallback=None
) -> list[str]:
    """Put each message beside the form's field of that name (or of its alias, or the fallback
    field), translated; return those no field shows, as "field: message"."""
    rest = []
    for name, message in errors.items():
        field = getattr(form, (aliases or {}).get(name, name), None)
        if field is None or not hasattr(field, "errors"):
            field = fallback
        if field is not None:
            field.errors = [*field.errors, translated(message)]
        else:
            rest.append(f"{name}: {translated(message)}")
    return rest


def checked(form, schema, data: Mapping, *, partial: bool = False) -> Clean | None:
    """Load a form's values through the API's schema: the values, or None with each message
    beside its field (the rest in form.other_errors)."""
    try:
        return load(schema, data, partial=partial)
    except ValidationFailed as exc:
        form.other_errors = errors_beside(form, exc.errors)
        return None


class RowId(IntegerConverter):
    """<int:id> in every path: a number beyond what a row's id can be (1 to 2^31 - 1) is read as
    0, which no row has, so the view answers its own 404.

    Such numbers would otherwise reach the database and fail there (beyond 2^63 in SQLite, 2^31
    in PostgreSQL's integer columns); refusing them in the route instead answers 405 for the
    methods of a neighbouring rule.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if self.min <= number <= self.max else 0


class PathPart(UnicodeConverter):
    """Every other part of a path: no NUL (PostgreSQL refuses it in any text it is given)."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def attendee_name(booking) -> str:
    """The attendee's name as the organizer sees it: "Erased" once their data is erased."""
    if getattr(booking, "anonymized_at", None) is not None:
        return gettext("Erased")
    return booking.attendee_name


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowId
    app.url_map.converters["default"] = app.url_map.converters["string"] = PathPart
    app.session_interface = SessionInterface()
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    app.jinja_env.globals["language_links"] = language_links
    app.jinja_env.globals["embedding"] = embedding
    app.url_defaults(keep_embed)
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["month_name"] = month_name
    app.jinja_env.filters["weekday"] = weekday
    app.jinja_env.filters["day_month"] = day_month
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["attendee_name"] = attendee_name

    @app.after_request
    def remember_language(response):
        chosen = g.get("lang_chosen")
        if chosen and not embedding():  # the frame keeps ?lang= in its URLs: no cookie
            response.set_cookie("lang", chosen, max_age=365 * 86400, samesite="Lax", httponly=True)
        return secure_answer(response)

    @app.get("/embed.js")
    def embed_js():
        """Serve the script that embeds the booking flow in another website."""
        with open(os.path.join(app.static_folder, "js", "embed.js"), "rb") as f:
            response = Response(f.read(), mimetype="text/javascript")
        response.add_etag()
        # Host pages load it on every visit; its URL is not versioned, so a week, not a year.
        response.cache_control.public = True
        response.cache_control.max_age = 7 * 86400
        return response.make_conditional(request)

    @app.get("/healthz")
    def healthz():
        """Answer 200 with the worker's state and the outbox's counts, 503 without a database."""
        from .services import operations  # here: it imports the worker, which imports web

        try:
            db.session.execute(text("SELECT 1"))
            found = operations.health(now())
        except Exception as exc:  # noqa: BLE001 - any database failure is "not healthy"
            app.logger.warning("health check failed: %s", exc)
            return jsonify({"status": "error", "database": "error"}), 503
        return jsonify({"status": "ok", "database": "ok", **found})


def secure_answer(response):
    """Add the security headers every answer carries (pages, API, errors, static files)."""
    from flask import current_app

    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    policy = current_app.config["CONTENT_SECURITY_POLICY"]
    if embedding():  # the attendee's flow in another website's frame (SPEC §10)
        headers.setdefault("Content-Security-Policy", frame_policy(policy))
    else:
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors, for older browsers
    if request.is_secure:
        seconds = int(current_app.config["HSTS_SECONDS"])
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session; over HTTPS it makes every cookie of the answer Secure.

    The session is saved after every after_request hook (Flask-Login's "keep me signed in"
    cookie, the language cookie), so this is the one place that sees all of them.
    """

    def save_session(self, app, session, response) -> None:
        super().save_session(app, session, response)
        if not request.is_secure:
            return
        cookies = response.headers.getlist("Set-Cookie")
        if any("; secure" not in c.lower() for c in cookies):
            response.headers.setlist(
                "Set-Cookie", [c if "; secure" in c.lower() else f"{c}; Secure" for c in cookies]
            )


def csv_response(text: str, filename: str) -> Response:
    """A CSV download, never kept by a cache."""
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
