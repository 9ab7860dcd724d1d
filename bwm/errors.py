"""Map errors to HTTP once: friendly pages for people, JSON for the API."""

from datetime import timedelta

from flask import Flask, jsonify, render_template, request
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .domain.errors import BookingClosed, ChangeTooLate, Conflict, SlotTaken, ValidationFailed
from .domain.tokens import TokenError
from .web import translated


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _titles() -> dict[int, str]:
    return {
        400: _("That request could not be understood"),
        403: _("You may not see this"),
        404: _("Page not found"),
        405: _("That is not allowed here"),
        409: _("That was just changed"),
        410: _("This link no longer works"),
        413: _("That is too large"),
        422: _("Please check what you entered"),
        429: _("Too many tries"),
        500: _("Something went wrong on our side"),
    }


def render_error(code: int, message: str | None = None):
    """Render the friendly error page for a status code."""
    title = _titles().get(code, _("Something went wrong"))
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(ValidationFailed)
    def validation_failed(exc: ValidationFailed):
        if wants_json():
            return jsonify({"errors": exc.errors}), 422
        return render_error(422, "; ".join(f"{k}: {translated(v)}" for k, v in exc.errors.items()))

    @app.errorhandler(Conflict)
    def conflict(exc: Conflict):
        if wants_json():
            return jsonify({"error": exc.message, "errors": {exc.field: exc.message}}), 409
        return render_error(409, translated(exc.message))

    @app.errorhandler(TokenError)
    def token_error(exc: TokenError):
        messages = {
            "invalid": _("This link is not valid. Check that you copied all of it."),
            "expired": _("This link has expired."),
            "used": _("This link has already been used."),
            "revoked": _("This link was withdrawn by the organizer."),
        }
        code = 410 if exc.gone else 404
        if wants_json():
            return jsonify({"error": messages[exc.reason], "reason": exc.reason}), code
        return render_error(code, messages[exc.reason])

    @app.errorhandler(SlotTaken)
    def slot_taken(exc: SlotTaken):
        message = _("That time was just taken. Please pick another one.")
        if wants_json():
            return jsonify({"error": message}), 409
        return render_error(409, message)

    @app.errorhandler(BookingClosed)
    def booking_closed(exc: BookingClosed):
        message = closed_message(exc.reason)
        # Gone for good (410), or still there in another state than the change needs (409).
        code = 409 if exc.reason in ("decided", "pending", "unverified") else 410
        if wants_json():
            return jsonify({"error": message, "reason": exc.reason}), code
        return render_error(code, message)

    @app.errorhandler(ChangeTooLate)
    def change_too_late(exc: ChangeTooLate):
        message = too_late_message(exc.minutes)
        if wants_json():
            return jsonify({"error": message, "reason": "cutoff"}), 403
        return render_error(403, message)

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError):
        if wants_json():
            return jsonify({"error": exc.description}), 400
        return render_error(400, _("The form had expired. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if wants_json():
            response = jsonify({"error": exc.description or exc.name})
            response.status_code = code
            if code == 405 and getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        message = exc.description if code in (404, 409, 410) and _custom(exc) else None
        valid = getattr(exc, "valid_methods", None)
        headers = {"Allow": ", ".join(valid)} if valid else {}
        return (*render_error(code, message), headers)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        app.logger.exception("unhandled error", exc_info=exc)
        if wants_json():
            return jsonify({"error": InternalServerError.description}), 500
        return render_error(500)


def too_late_message(minutes: int, contact: str = "") -> str:
    """Say that the attendee can no longer move or cancel (the type's cut-off), and whom to ask."""
    if wants_json():
        return (
            f"this booking can't be moved or cancelled less than {minutes} minutes before it "
            "starts; please contact the organizer"
        )
    message = _(
        "This booking can't be moved or cancelled less than %(time)s before it starts.",
        time=format_timedelta(timedelta(minutes=minutes), threshold=1.0),
    )
    if contact:
        message += " " + _("Please contact %(contact)s.", contact=contact)
    return message


def closed_message(reason: str) -> str:
    """Say, in the reader's language, why a booking can't be changed (BookingClosed's reason)."""
    return {
        "cancelled": _("This booking was cancelled, so it can't be changed."),
        "past": _("This meeting has already taken place, so it can't be changed."),
        "declined": _("This request was declined, so it can't be changed."),
        "decided": _("This request has already been answered."),
        "pending": _(
            "This request is waiting for the organizer's answer, so it can't be moved yet. "
            "It can still be cancelled."
        ),
        "unverified": _(
            "This booking waits for you to confirm your email address, so it can't be moved "
            "yet. It can still be cancelled."
        ),
        "released": _(
            "The email address was not confirmed in time, so the time was released. "
            "You are welcome to book again."
        ),
    }[reason]


def _custom(exc: HTTPException) -> bool:
    """Tell whether the exception carries our own message rather than werkzeug's default."""
    return exc.description != type(exc).description
