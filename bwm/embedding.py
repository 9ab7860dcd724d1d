"""Embedding the attendee's flow in other websites (SPEC §10): ?embed=1 pages without chrome,
framable from BWM_EMBED_ORIGINS, and a CSRF defence for the attendee's forms that needs no cookie.

In a cross-site frame the browser never sends the session cookie (SameSite=Lax), so Flask-WTF's
session-bound token can't work there. The attendee's forms carry instead a signed, time-limited
token of the form itself (which form, for which page or booking, when it was issued), and their
POSTs must come from our own origin: the frame's form is served by us, so a POST from the frame
says Origin: <us>; a foreign Origin (or Sec-Fetch-Site: cross-site) is another site's page
sending a visitor's browser to us. Organizer and admin forms keep the session-bound token.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from .core.clock import now
from .core.signing import signer
from .domain.tokens import TokenError
from .extensions import csrf

# The attendee's flow: every page it goes through keeps ?embed=1 and may be framed with it.
EMBED_ENDPOINTS = frozenset(
    {
        "attendee.page",
        "attendee.meeting_type",
        "attendee.book",
        "attendee.link",
        "attendee.link_book",
        "attendee.manage",
        "attendee.manage_ics",
        "attendee.manage_cancel",
        "attendee.manage_reschedule",
        "attendee.manage_reschedule_confirm",
    }
)

FORM_TOKEN_SALT = "bwm.attendee-form"
FORM_TOKEN_MAX_AGE = 2 * 3600  # seconds: long enough to fill in a form, short enough to go stale


def embedding() -> bool:
    """Tell whether this request is a page of the flow asked for with ?embed=1."""
    return (
        has_request_context()
        and request.endpoint in EMBED_ENDPOINTS
        and request.args.get("embed") == "1"
    )


def embed_origins() -> list[str]:
    """The origins that may frame the flow (EMBED_ORIGINS, space-separated; "*" for any)."""
    value = current_app.config.get("EMBED_ORIGINS") or "*"
    if isinstance(value, str):
        value = value.split()
    return [str(origin).strip().rstrip("/") for origin in value if str(origin).strip()] or ["*"]


def frame_policy(policy: str) -> str:
    """Return the Content-Security-Policy with frame-ancestors set to the embedding origins."""
    kept = [
        part.strip()
        for part in policy.split(";")
        if part.strip() and not part.strip().startswith("frame-ancestors")
    ]
    return "; ".join([*kept, "frame-ancestors " + " ".join(embed_origins())])


def keep_embed(endpoint: str, values: dict) -> None:
    """Add embed=1 (and an asked-for ?lang=) to every URL of the flow built on an embedded page.

    A caller that passes embed=None (a link to keep, an email's link) gets the plain URL.
    """
    if not embedding() or endpoint not in EMBED_ENDPOINTS or values.get("embed", "1") is None:
        return
    values.setdefault("embed", "1")
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        values.setdefault("lang", lang)


def _scope() -> str:
    """What a form token is for: the page, type, link or booking in the URL (its view args)."""
    args = sorted((str(k), str(v)) for k, v in (request.view_args or {}).items())
    return hashlib.sha256(json.dumps(args).encode()).hexdigest()[:22]


class FormToken(CSRF):
    """A CSRF token of the form itself, signed and time-limited; no session, so no cookie."""

    def setup_form(self, form):
        self.form_name = type(form).__name__
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        issued = int(now().timestamp())
        return signer(FORM_TOKEN_SALT).sign([self.form_name, _scope(), issued])

    def validate_csrf_token(self, form, field) -> None:
        try:
            name, scope, issued = signer(FORM_TOKEN_SALT).unsign(field.data or "")
        except (TokenError, ValueError, TypeError):
            raise ValidationError("The form token is not valid.") from None
        if name != self.form_name or scope != _scope():
            raise ValidationError("The form token is not valid.")
        age = now().timestamp() - int(issued)
        if not 0 <= age + 60 <= FORM_TOKEN_MAX_AGE + 60:  # a minute's grace for clocks
            raise ValidationError("The form token has expired.")


class AttendeeForm(FlaskForm):
    """A form of the attendee's flow: protected by FormToken instead of the session."""

    class Meta:
        csrf_class = FormToken


def same_origin_post() -> bool:
    """Tell whether the POST comes from our own pages (or a listed origin), as the browser says.

    Browsers send Origin with every POST; without one (an old browser, a script) only
    Sec-Fetch-Site can tell, and then only a cross-site or same-site sender is refused.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site") not in ("cross-site", "same-site")
    origin = origin.rstrip("/")
    ours = {request.host_url.rstrip("/")}
    base = current_app.config.get("BASE_URL")
    if base:
        parts = urlsplit(base)
        ours.add(f"{parts.scheme}://{parts.netloc}")
    listed = [o for o in embed_origins() if o != "*"]
    return origin in ours or origin in listed


def form_token_required(form_class: type[AttendeeForm]):
    """Check a view's POSTs with the form's own token and the sender's origin, not the session.

    The view is exempt from the global CSRFProtect (which needs the session cookie); this
    checks instead, under the same switch (WTF_CSRF_ENABLED), and fails the same way (400).
    """

    def decorate(view):
        @wraps(view)
        def checked_view(*args, **kwargs):
            if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
                if not same_origin_post():
                    raise CSRFError("The form was sent from another website.")
                form = form_class()
                if not form.csrf_token.validate(form):
                    raise CSRFError(form.csrf_token.errors[0])
            return view(*args, **kwargs)

        csrf.exempt(checked_view)
        return checked_view

    return decorate
