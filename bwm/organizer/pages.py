"""The booking page's settings under /me/page: address, name, welcome, zone, publishing,
languages and weekly hours."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.errors import Conflict, ValidationFailed
from ..extensions import db
from ..htmx import render_htmx
from ..schemas.fields import WEEKDAYS
from ..services import images, organizers, pages
from ..web import errors_beside, now, problems_of, translated
from . import editors
from .blueprint import bp
from .forms import PageSettingsForm, submitted_action


def _page_context(form: PageSettingsForm, hours: editors.HoursState, errors: dict) -> dict:
    """Build what the settings page and its day fragments show."""
    return {
        "form": form,
        "page": current_user.page,
        "days": editors.editor_days(hours, errors.get("days")),
        "hours_error": errors.get("hours"),
        "other_errors": errors.get("other", []),
        "hours_endpoint": "organizer.page_day_hours",
        "hours_args": {},
    }


@bp.route("/page", methods=["GET", "POST"])
def page_settings():
    """Change the booking page's address, name, welcome, zone, publishing, languages and hours."""
    page = current_user.page
    form = PageSettingsForm(obj=page, language=current_user.language)
    if request.method == "GET":
        hours = editors.hours_from_json(pages.page_to_dict(page)["hours"])
        return render_template("organizer/page_settings.html", **_page_context(form, hours, {}))

    hours = editors.hours_from_form(request.form)
    if editors.apply_hours_action(hours, submitted_action()):
        # Add or Remove without JavaScript: show the form again, nothing saved.
        return render_template("organizer/page_settings.html", **_page_context(form, hours, {}))
    errors: dict = {}
    if form.validate():
        data = {
            "slug": form.slug.data or "",
            "display_name": form.display_name.data or "",
            "welcome": form.welcome.data or "",
            "timezone": form.timezone.data or "",
            "published": bool(form.published.data),
            "brand_color": (form.brand_color.data or "").strip() or None,
            "banner": form.banner.data or None,
            "hours": editors.hours_to_json(hours),
            "default_language": form.default_language.data,
            "language": form.language.data,
        }
        before = current_user.language
        try:
            organizers.update_settings(current_user, data, current_app.config["LANGUAGES"])
            _save_images(form, page)
        except ValidationFailed as exc:
            errors = _page_errors(form, hours, exc.errors)
        except Conflict as exc:
            errors_beside(form, problems_of(exc))
        else:
            db.session.commit()
            language = str(get_locale() or "en")
            if current_user.language != before:
                # A choice just made beats one remembered from the switcher: remember it instead.
                language = g.lang_chosen = current_user.language
            with force_locale(language):  # the language of the page the redirect shows
                flash(_("Your booking page is saved."), "success")
            return redirect(url_for(".page_settings"), 303)
        db.session.rollback()
    return render_template(
        "organizer/page_settings.html", **_page_context(form, hours, errors)
    ), 422


# The upload fields and the kind of image each keeps.
UPLOADS = {"photo": ("photo", "remove_photo"), "banner_upload": ("banner", "remove_banner_upload")}


def _save_images(form: PageSettingsForm, page) -> None:
    """Keep the uploaded photo or banner (re-encoded), or remove them; ValidationFailed names
    the upload field."""
    problems = {}
    for field, (kind, remove) in UPLOADS.items():
        upload = getattr(form, field).data
        if getattr(form, remove).data:
            images.remove_image(page, kind)
        elif upload and getattr(upload, "filename", ""):
            try:
                data = upload.read(images.MAX_BYTES + 1)  # enough to know it is too big
            finally:
                upload.close()  # a large upload is a temporary file
            try:
                images.set_image(page, kind, data, now=now(), field=field)
            except ValidationFailed as exc:
                problems.update(exc.errors)
    if problems:
        raise ValidationFailed(problems)


def _page_errors(form: PageSettingsForm, hours: editors.HoursState, found: dict) -> dict:
    """Put the service's messages beside their fields; the hours' beside their days."""
    errors: dict = {}
    if "hours" in found:
        errors["days"] = editors.hours_errors(hours)
        if not errors["days"]:
            errors["hours"] = translated(found["hours"])
    errors["other"] = errors_beside(form, {k: v for k, v in found.items() if k != "hours"})
    return errors


@bp.post("/page/hours/<day>")
def page_day_hours(day: str):
    """Add or remove a window of one day in the page's hours editor; save nothing."""
    if day not in WEEKDAYS:
        abort(404)
    form = PageSettingsForm(obj=current_user.page, language=current_user.language)
    hours = editors.hours_from_form(request.form)
    editors.apply_hours_action(hours, request.form.get("action", ""))
    context = _page_context(form, hours, {})
    return render_htmx(
        "organizer/page_settings.html",
        "organizer/_day_hours.html",
        day=editors.one_day(hours, day),
        **context,
    )
