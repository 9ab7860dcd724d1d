"""Default configuration: everything works with nothing set."""

DEFAULTS: dict = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled in with SQLite in instance/ by create_app()
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SECRET_KEY": None,  # made once and kept in instance/secret_key when not set
    "BASE_URL": None,  # for links in emails; defaults to the request's host
    "PRIVATE_LINK_DAYS": 90,
    "ONLINE_MEETING_URL": "https://meet.jit.si/bwm-{room}",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "20 per minute",
    "RATELIMIT_BOOKING": "120 per minute",
    # SPEC §11: "pow" asks booking forms for a proof-of-work (ALTCHA, self-hosted); "off": none.
    "BOT_CHECK": "off",
    "BOT_CHECK_MAX_NUMBER": 100000,  # the work: a browser tries up to this many hashes
    "BOT_CHECK_MINUTES": 20,  # a challenge is good for this long, and for one booking
    "MAIL_SERVER": None,
    "MAIL_DEFAULT_SENDER": "bwm@example.com",
    "MAIL_TIMEOUT": 20,  # seconds for each SMTP operation; a claim lasts three of them
    "MAIL_DIR": None,  # where emails go as .eml files when no MAIL_SERVER is set
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "LANGUAGES": ["en", "sv", "da", "nl"],
    "MAX_SLOT_RANGE_DAYS": 62,
    # No request is larger (a photo or banner upload is at most 2 MB): 413 beyond.
    "MAX_CONTENT_LENGTH": 3 * 1024 * 1024,
    # Flask-Compress: pages and API answers (static files are compressed by assets.py).
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": ["text/html", "application/json", "text/csv", "text/calendar"],
    # The OpenAPI document at /api/v1/openapi.json (flask-smorest's keys).
    "API_TITLE": "bwm",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    # Public pages and free times kept per worker under their data version (0 keeps none).
    "ANSWER_CACHE_SIZE": 256,
    "CALENDAR_SYNC_MINUTES": 10,  # how often the worker reads each connected calendar
    "CALENDAR_DENY_PRIVATE_ADDRESSES": False,  # True: refuse loopback and private-network hosts
    "CALENDAR_MAX_BYTES": 10 * 1024 * 1024,  # a bigger feed is an error on that calendar
    "CALENDAR_TIMEOUT": 20,  # seconds for one calendar's fetch
    "WEBHOOK_DENY_PRIVATE_ADDRESSES": False,  # True: refuse loopback and private-network hosts
    "WEBHOOK_TIMEOUT": 10,  # seconds for one delivery (SPEC §10)
    "PROXY_HOPS": 0,  # reverse proxies in front whose X-Forwarded-* headers are trusted
    # The Content-Security-Policy of every answer: our own origin only, no inline script.
    "CONTENT_SECURITY_POLICY": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'; frame-ancestors 'none'"
    ),
    # Origins that may frame the attendee's flow (?embed=1), space-separated; "*" for any.
    "EMBED_ORIGINS": "*",
    "HSTS_SECONDS": 365 * 86400,  # Strict-Transport-Security over HTTPS
    # Single sign-on for organizers (OpenID Connect, SPEC §10); off while no issuer is set.
    "OIDC_ISSUER": None,  # e.g. https://sso.example.com/realms/team (discovery below it)
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_NAME": "SSO",  # the button says "Sign in with <name>"
    "OIDC_CREATE_USERS": False,  # True: an unknown verified address gets an account
    "OIDC_TIMEOUT": 10,  # seconds for each call to the provider (discovery, keys, token)
    "PASSWORD_LOGIN": True,  # False (with an issuer set): only the provider signs people in
}
