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


# The proof-of-work widget's words (its `strings`), in the reader's language.
WIDGET_STRINGS = {
    "label": _l("I am not a robot"),
    "verifying": _l("Checking that you are not a robot…"),
    "verified": _l("Checked: you are not a robot"),
    "error": _l("The check failed. Please try again."),
    "expired": _l("The check has expired. Please try again."),
    "verificationRequired": _l("Please wait for the check that you are not a robot."),
    "waitAlert": _l("Checking that you are not a robot… please wait."),
    "loading": _l("Loading…"),
    "reload": _l("Try again"),
    "verify": _l("Check"),
}


def widget_strings() -> dict[str, str]:
    return {key: str(text) for key, text in WIDGET_STRINGS.items()}


def honeypot_filled() -> bool:
    """Tell whether this POST filled the honeypot."""
    return bool((request.form.get(HONEYPOT_FIELD) or "").strip())


def init_app(app: Flask) -> None:
    @app.context_processor
    def bot_check() -> dict:
        return {"bot_check_strings": widget_strings}

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
