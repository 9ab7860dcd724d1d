"""Keeping bots off the public forms (SPEC §11): a honeypot field people never see.

Every public form mixes in HoneypotMixin and renders it with the render_honeypot macro
(macros/bots.html); a POST that fills it is refused with a friendly 422 before its view runs,
so nothing is booked or stored. The API has no honeypot.
"""

from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField

HONEYPOT_FIELD = "website"

# The blueprints whose forms people fill in without an account or on the way to one.
PUBLIC_BLUEPRINTS = frozenset({"attendee", "auth"})


class HoneypotMixin:
    """A field named `website` that people never see and bots fill in."""

    website = StringField(
        _l("Leave this empty"),
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )


def honeypot_filled() -> bool:
    """Tell whether this POST filled the honeypot."""
    return bool((request.form.get(HONEYPOT_FIELD) or "").strip())


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_filled_honeypot():
        if (
            request.method == "POST"
            and request.blueprint in PUBLIC_BLUEPRINTS
            and not request.is_json
            and honeypot_filled()
        ):
            from .errors import render_error

            return render_error(
                422,
                _("This form could not be sent. Please leave hidden fields empty and try again."),
            )
        return None
