"""Sharing a booking page: the links to share, by email, as a signature and as a QR code."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from .. import outbox
from ..core.urls import external_url
from ..domain.errors import ValidationFailed
from ..models import BookingPage, OutboxMessage
from . import pages
from .organizers import normalize_email

MAX_RECIPIENTS = 20
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class Target:
    """Something to share: the page, or one of its public meeting types."""

    key: str  # "page" or "type-<id>"
    label: str
    url: str


def page_url(page: BookingPage) -> str:
    return external_url("attendee.page", slug=page.slug)


def targets(page: BookingPage) -> list[Target]:
    """Return the page and each public type, with the absolute URLs to share."""
    found = [Target("page", _("The booking page"), page_url(page))]
    for mt in pages.public_types(page):
        url = external_url("attendee.meeting_type", slug=page.slug, type_slug=mt.slug)
        found.append(Target(f"type-{mt.id}", mt.title, url))
    return found


def parse_addresses(value: str) -> list[str]:
    """Split comma-separated addresses and check each; ValidationFailed names the bad ones."""
    parts = [part.strip() for part in (value or "").split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise ValidationFailed({"to": _("Give at least one email address.")})
    if len(parts) > MAX_RECIPIENTS:
        raise ValidationFailed({"to": _("At most %(n)s addresses at a time.", n=MAX_RECIPIENTS)})
    found: list[str] = []
    bad: list[str] = []
    for part in parts:
        try:
            address = normalize_email(part)
        except ValidationFailed:
            bad.append(part)
            continue
        if address not in found:
            found.append(address)
    if bad:
        shown = ", ".join(" ".join(b.split()) for b in bad)  # no line breaks in the message
        raise ValidationFailed({"to": _("Not a valid email address: %(list)s", list=shown)})
    return found


def share_by_email(
    page: BookingPage, addresses: list[str], message: str, target: Target, *, now: datetime
) -> list[OutboxMessage]:
    """Write one email per address to the outbox, in the caller's transaction.

    The worker sends them.
    """
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed({"message": _("At most %(n)s characters.", n=MAX_MESSAGE)})
    organizer = page.user
    context = {"page": page, "organizer": organizer, "message": message, "target": target}
    # The subject goes through enqueue, which turns any line break into a space.
    subject = _("%(name)s invites you to book a meeting", name=page.display_name)
    text = render_template("email/share.txt", **context)
    html = render_template("email/share.html", **context)
    return outbox.enqueue_all(
        [outbox.Email(address, subject, text, html) for address in addresses],
        now=now,
    )


def signature(page: BookingPage, url: str) -> tuple[Markup, str]:
    """Return the email-signature snippet as HTML (the name escaped) and as plain text."""
    label = _("Book a meeting with %(name)s", name=page.display_name)
    html = Markup('<p><a href="{url}">{label}</a></p>').format(url=url, label=label)
    text = f"{label}: {url}"
    return html, text


def qr_svg(url: str) -> bytes:
    """Draw the URL as a QR code, an SVG document."""
    out = io.BytesIO()
    import segno  # only for this picture: web processes needn't carry it

    segno.make(url, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=True)
    return out.getvalue()
