"""The app's keys: one signer per purpose, and the key that encrypts stored secrets.

SECRET_KEY signs and encrypts; SECRET_KEY_FALLBACKS (BWM_SECRET_KEY_FALLBACKS, older keys,
comma-separated) are still accepted: links in emails already sent, sessions and calendar
passwords stored under an older key keep working after a rotation, as Flask's own sessions do
with the same setting. `flask --app bwm rotate-secrets` re-encrypts stored passwords with the
current key, after which the old keys can go once every link signed with them may expire.
"""

from __future__ import annotations

import base64

from flask import current_app

from ..domain.tokens import TokenSigner


def keys() -> list[str]:
    """Return the keys, older ones first and the current key last (as itsdangerous wants)."""
    cfg = current_app.config
    return [*(cfg.get("SECRET_KEY_FALLBACKS") or []), cfg["SECRET_KEY"]]


def signer(salt: str) -> TokenSigner:
    """Return the signer for one purpose: signs with the current key, accepts every key."""
    return TokenSigner(keys(), salt)


def fernet():
    """Return the cipher of stored secrets: encrypts with the current key, reads with any."""
    # Imported when a secret is stored or read, not by every web process.
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(_derive(key)) for key in reversed(keys())])


def _derive(secret: str | bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"bwm", info=b"bwm.calendar-passwords"
    ).derive(material)
    return base64.urlsafe_b64encode(key)


def split_keys(value: object) -> list[str]:
    """Read SECRET_KEY_FALLBACKS as given: a list, or text with the keys comma-separated."""
    if not value:
        return []
    if isinstance(value, str):
        return [key.strip() for key in value.split(",") if key.strip()]
    return [str(key) for key in value]
