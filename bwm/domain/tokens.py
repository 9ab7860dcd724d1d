"""Signed tokens for links in emails: manage links, private links, share links."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer


class TokenError(Exception):
    """A token that can't be used, and why: invalid (404) or expired/used/revoked (410)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def gone(self) -> bool:
        return self.reason in ("expired", "used", "revoked")

    @classmethod
    def invalid(cls) -> TokenError:
        return cls("invalid")

    @classmethod
    def expired(cls) -> TokenError:
        return cls("expired")

    @classmethod
    def used(cls) -> TokenError:
        return cls("used")

    @classmethod
    def revoked(cls) -> TokenError:
        return cls("revoked")


class TokenSigner:
    """Sign and check a small payload with the app's secret and a purpose (salt)."""

    def __init__(self, secret: str, salt: str):
        self._serializer = URLSafeSerializer(secret, salt=salt)

    def sign(self, payload: str | int | list | dict) -> str:
        return self._serializer.dumps(payload)

    def unsign(self, token: str):
        """Return the payload, or raise TokenError.invalid() for a tampered or foreign token."""
        try:
            return self._serializer.loads(token)
        except (BadSignature, ValueError, TypeError, UnicodeError):
            raise TokenError.invalid() from None
