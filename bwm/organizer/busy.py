"""Busy time under /me/busy: blocks the organizer adds by hand, listed and deleted."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..domain.errors import ValidationFailed
from ..extensions import db
from ..models import BusyBlock
from ..services import busy
from ..web import errors_beside, now
from .blueprint import bp
from .forms import BusyBlockForm, EmptyForm


@bp.route("/busy", methods=["GET", "POST"])
def busy_blocks():
    """List the upcoming busy blocks and add one, in the page's time zone."""
    page = current_user.page
    tz = ZoneInfo(page.timezone)
    form = BusyBlockForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            start = datetime.combine(form.start_date.data, form.start_time.data, tz)
            end_day = form.end_date.data or form.start_date.data
            if form.end_date.data is None and form.end_time.data == datetime.min.time():
                end_day += timedelta(days=1)  # 00:00 on the same day: midnight at its end
            end = datetime.combine(end_day, form.end_time.data, tz)
            data = {"start": start.isoformat(), "end": end.isoformat(), "title": form.title.data}
            try:
                busy.create_block(current_user, data)
            except ValidationFailed as exc:
                aliases = {"start": "start_time", "end": "end_time"}
                errors_beside(form, exc.errors, aliases=aliases, fallback=form.title)
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("The busy time is added."), "success")
                return redirect(url_for(".busy_blocks"), 303)
    current = now()
    blocks = [
        (block, block.start.astimezone(tz), block.end.astimezone(tz))
        for block in busy.list_blocks(current_user)
        if block.end > current
    ]
    return render_template(
        "organizer/busy_blocks.html", form=form, page=page, blocks=blocks
    ), status


@bp.post("/busy/<int:block_id>/delete")
def busy_block_delete(block_id: int):
    """Delete one of the organizer's busy blocks."""
    block = db.session.scalar(
        select(BusyBlock).where(BusyBlock.id == block_id, BusyBlock.user_id == current_user.id)
    )
    if block is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(block)
    db.session.commit()
    flash(_("The busy time is deleted."), "success")
    return redirect(url_for(".busy_blocks"), 303)
