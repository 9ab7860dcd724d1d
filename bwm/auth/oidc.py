"""Signing in with an OpenID Connect provider (SPEC §10): authorization code with PKCE.

Authlib keeps the state, the nonce and the PKCE verifier in the session, checks the state at
the callback and the ID token (signature, issuer, audience, nonce). These two requests are the
ones that talk to the provider (discovery, keys, token), each call bounded by OIDC_TIMEOUT; the
discovery document and the keys are kept once fetched. Who a verified answer signs in is
services/sso.py's to say.

Authlib (and the requests it talks through) is imported only where OIDC is set up and used: a web
process without a provider never loads them.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..extensions import db, limiter
from ..services import sso
from ..web import now
from .blueprint import bp
from .views import safe_next

EXTENSION = "bwm.oidc"
NEXT_KEY = "oidc_next"


def _token_errors() -> tuple[type[Exception], ...]:
    """The errors of a bad ID token: joserfc's (Authlib 1.7 on) and Authlib's own JOSE ones."""
    found: list[type[Exception]] = []
    try:
        from joserfc.errors import JoseError

        found.append(JoseError)
    except ImportError:
        pass
    from authlib.jose.errors import JoseError as AuthlibJoseError

    found.append(AuthlibJoseError)
    return tuple(found)


@bp.record_once
def _set_up(state) -> None:
    """Register the provider's client on the app when OIDC is configured."""
    app: Flask = state.app
    settings = sso.settings_from(app.config)
    app.extensions[EXTENSION] = None
    if not sso.flag(app.config.get("PASSWORD_LOGIN"), True) and not settings.enabled:
        app.logger.warning("BWM_PASSWORD_LOGIN=false is ignored: no BWM_OIDC_ISSUER is set")
    if not settings.enabled:
        return
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    app.extensions[EXTENSION] = oauth.register(
        "oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret or None,
        server_metadata_url=settings.metadata_url,
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": settings.timeout,
        },
    )


def settings() -> sso.Settings:
    return sso.settings_from(current_app.config)


def _client():
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        abort(404)
    return client


def _problem(status: int, title: str, message: str):
    """Render the page that says why signing in through the provider did not work."""
    context = {"title": title, "message": message, "settings": settings()}
    return render_template("auth/sso_problem.html", **context), status


def _network_errors() -> tuple[type[Exception], ...]:
    """What talking to the provider raises when it is down, silent or answers nonsense."""
    from requests import RequestException

    return (RequestException, ValueError, RuntimeError)


def _unreachable(exc: Exception):
    current_app.logger.warning("OpenID provider unreachable: %r", exc)
    name = settings().name
    message = _(
        "We could not reach %(name)s to sign you in. Please try again in a few minutes.", name=name
    )
    return _problem(502, _("%(name)s did not answer", name=name), message)


@bp.get("/login/oidc")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def oidc_login():
    """Send the organizer to the provider to sign in (the session keeps state and nonce)."""
    client = _client()
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("organizer.dashboard"))
    session.pop(NEXT_KEY, None)
    if next_url:
        session[NEXT_KEY] = next_url
    try:
        return client.authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except _network_errors() as exc:
        return _unreachable(exc)


@bp.get("/login/oidc/callback")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def oidc_callback():
    """Finish signing in with the provider's answer: check it, then sign the match in."""
    from authlib.integrations.base_client import MismatchingStateError, OAuthError

    client = _client()
    name = settings().name
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise OAuthError(error="no_id_token", description="the answer had no ID token")
        if "email" not in claims:
            # Providers that follow the spec to the letter keep the email for the UserInfo
            # endpoint; it counts only for the same subject as the ID token.
            extra = client.userinfo(token=token)
            if extra.get("sub") == claims.get("sub"):
                claims = {**extra, **claims}
    except MismatchingStateError:
        return _problem(
            400,
            _("That sign-in could not be finished"),
            _("The sign-in expired or was started in another window. Please try again."),
        )
    except OAuthError as exc:
        current_app.logger.info("OpenID sign-in refused by the provider: %s", exc.error)
        if exc.error in ("access_denied", "login_required", "consent_required"):
            return _problem(
                403,
                _("Sign-in was cancelled"),
                _("%(name)s did not sign you in. You can try again.", name=name),
            )
        return _problem(
            400,
            _("That sign-in could not be finished"),
            _("%(name)s answered with an error. Please try again.", name=name),
        )
    except _network_errors() as exc:
        return _unreachable(exc)
    except _token_errors() as exc:
        current_app.logger.warning("OpenID ID token refused: %r", exc)
        return _problem(
            400,
            _("That sign-in could not be finished"),
            _("The answer from %(name)s could not be checked. Please try again.", name=name),
        )
    try:
        user = sso.user_for_claims(claims, create_users=settings().create_users, now=now())
    except sso.SignInRefused as refused:
        db.session.rollback()
        return _problem(refused.status, _("You can't sign in here yet"), refused.message())
    db.session.commit()
    login_user(user)
    return redirect(session.pop(NEXT_KEY, None) or url_for("organizer.dashboard"), 303)
