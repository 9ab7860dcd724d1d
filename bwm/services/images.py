"""A page's photo and uploaded banner (SPEC §12): only real images of the checked kinds, at most
2 MB, decoded and re-encoded here (WebP) so no metadata, script or trailing bytes survive, made
no larger than they are shown; served back as image/webp under a URL that changes with them."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain.errors import Message, ValidationFailed
from ..extensions import db
from ..models import BookingPage, PageImage

MAX_BYTES = 2 * 1024 * 1024
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
# The largest each is shown at (twice the CSS size, for sharp screens).
BOUNDS = {"photo": (320, 320), "banner": (2400, 600)}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them

TOO_BIG = _l("is larger than 2 MB")
NOT_IMAGE = _l("is not a PNG, JPEG, WebP or GIF image")
EMPTY = _l("is empty")


def reencode(data: bytes, kind: str, field: str | None = None) -> tuple[bytes, int, int]:
    """The upload decoded and encoded again as WebP within the kind's bounds; ValidationFailed
    naming `field` (the kind) when it is empty, too big or not an image of the checked kinds."""
    field = field or kind
    from PIL import Image, ImageOps  # only where an image is uploaded

    if not data:
        raise ValidationFailed({field: Message(EMPTY)})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({field: Message(TOO_BIG)})
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in FORMATS or img.width * img.height > MAX_PIXELS:
                raise ValidationFailed({field: Message(NOT_IMAGE)})
            img.load()
            picture = ImageOps.exif_transpose(img)  # as the camera meant it, then no EXIF
            picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
    except ValidationFailed:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationFailed({field: Message(NOT_IMAGE)}) from None
    picture.thumbnail(BOUNDS[kind])
    out = io.BytesIO()
    picture.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue(), picture.width, picture.height


def image_of(page: BookingPage, kind: str) -> PageImage | None:
    return db.session.scalar(
        select(PageImage).where(PageImage.page_id == page.id, PageImage.kind == kind)
    )


def set_image(
    page: BookingPage, kind: str, data: bytes, *, now: datetime, field: str | None = None
) -> PageImage:
    """Keep the upload (re-encoded) as the page's photo or banner, replacing the one before."""
    encoded, width, height = reencode(data, kind, field)
    found = image_of(page, kind) or PageImage(page_id=page.id, kind=kind)
    found.mimetype = "image/webp"
    found.data = encoded
    found.width, found.height = width, height
    found.version = hashlib.sha256(encoded).hexdigest()[:12]
    found.created_at = now
    db.session.add(found)
    db.session.flush()
    return found


def remove_image(page: BookingPage, kind: str) -> None:
    """Remove the page's photo or uploaded banner (an ORM delete: the page's version rises)."""
    found = image_of(page, kind)
    if found is not None:
        db.session.delete(found)
        db.session.flush()


def versions(page: BookingPage) -> dict[str, str]:
    """The kinds the page has, with their versions (for the URLs), in one query."""
    rows = db.session.execute(
        select(PageImage.kind, PageImage.version).where(PageImage.page_id == page.id)
    )
    return {kind: version for kind, version in rows}
