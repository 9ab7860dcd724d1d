"""Calendar passwords, stored encrypted with a key derived from the secret key."""

from __future__ import annotations

from sqlalchemy import select

from ...calendars import CalendarError
from ...core import signing
from ...extensions import db
from ...models import ConnectedCalendar


def encrypt_password(password: str) -> str:
    """Encrypt a calendar password with a key derived from the secret key."""
    return signing.fernet().encrypt(password.encode("utf-8")).decode("ascii")


def rotate_passwords() -> int:
    """Encrypt every stored calendar password again with the current key; return how many."""
    cipher = signing.fernet()
    rows = db.session.scalars(
        select(ConnectedCalendar).where(ConnectedCalendar.password_encrypted.is_not(None))
    ).all()
    for cal in rows:
        cal.password_encrypted = cipher.rotate(cal.password_encrypted.encode("ascii")).decode()
    db.session.flush()
    return len(rows)


def decrypt_password(token: str | None) -> str:
    """Return the stored password; CalendarError when no key it was stored with is left."""
    if not token:
        return ""
    from cryptography.fernet import InvalidToken

    try:
        return signing.fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise CalendarError(
            "The stored password can't be read any more (the server's secret key changed): "
            "remove the calendar and connect it again."
        ) from exc
