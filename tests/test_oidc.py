"""Single sign-on for organizers (SPEC §10) against a real OpenID provider.

The provider is the npm package oidc-provider (OpenID certified), run with the machine's
Node.js from tests/oidc (`npm ci --prefix tests/oidc` installs it; .ci/run does). Its
development login and consent pages are driven by Playwright with Debian's Chromium. Where
Node.js, the package or Chromium is missing these tests are skipped with the reason, except
under CI=true, where they fail. The tests that need no browser use the Flask test client.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select as sql_select

from bwm.extensions import db
from bwm.models import User
from tests.conftest import soup
from tests.servers import serve
from tests.smtp import free_port

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
PROVIDER = OIDC_DIR / "provider.mjs"
NODE = shutil.which("node")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CLIENT_ID = "bwm-test"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
NAME = "Team SSO"

# The provider's accounts, by the login typed on its development form (any password works).
ACCOUNTS = {
    "ann": {"email": "ann@example.com", "email_verified": True, "name": "Ann Andersson"},
    "eve": {"email": "eve@example.com", "email_verified": False, "name": "Eve Unverified"},
    "newbie": {"email": "newbie@example.org", "email_verified": True, "name": "Nils Newbie"},
    "bob": {"email": "bob@example.com", "email_verified": True, "name": "Bob Blocked"},
}


def need(what: bool, reason: str) -> None:
    """Skip with the reason when a part is missing; under CI=true fail instead."""
    if what:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs {reason}")
    pytest.skip(reason)


def need_provider() -> None:
    need(NODE is not None, "Node.js for the OpenID provider (apt-get install nodejs npm)")
    need(
        (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(),
        "the npm package oidc-provider: npm ci --prefix tests/oidc",
    )


class Provider:
    """oidc-provider as a subprocess on a port of the test's choosing."""

    def __init__(self, port: int, redirect_uri: str, log: Path, *, conform: bool = True):
        need_provider()
        env = {
            **os.environ,
            "OIDC_PORT": str(port),
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URI": redirect_uri,
            "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
            "OIDC_CONFORM": "true" if conform else "false",
        }
        env.pop("NODE_ENV", None)  # development mode: an http issuer on 127.0.0.1 is allowed
        self.issuer = f"http://127.0.0.1:{port}"
        self.log = open(log, "w")  # closed in stop()
        self.proc = subprocess.Popen(
            [NODE, str(PROVIDER)],
            cwd=OIDC_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


@pytest.fixture
def provider(tmp_path):
    """Start providers: provider(port, redirect_uri, conform=...) -> Provider."""
    started: list[Provider] = []

    def start(port: int, redirect_uri: str, **kwargs) -> Provider:
        p = Provider(port, redirect_uri, tmp_path / f"provider-{len(started)}.log", **kwargs)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def sso_config(issuer: str, **extra) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_NAME": NAME,
        "OIDC_TIMEOUT": 5,
        **extra,
    }


@pytest.fixture
def live_sso(make_app, provider):
    """The app on a real server beside a real provider that knows its callback URL."""
    stack = ExitStack()

    def make(*, conform: bool = True, **extra) -> dict:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        app = make_app(**sso_config(issuer, BASE_URL=None, WTF_CSRF_ENABLED=True, **extra))
        base = stack.enter_context(serve(app))
        issuer = provider(port, f"{base}/login/oidc/callback", conform=conform).issuer
        return {"app": app, "base": base, "issuer": issuer}

    yield make
    stack.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def tab(request):
    """A fresh browser page (Debian's Chromium), or a skip with the reason."""
    need_provider()
    need(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}: apt-get install chromium")
    browser = request.getfixturevalue("browser")
    context = browser.new_context()
    yield context.new_page()
    context.close()


def sign_in_at_provider(page, base: str, login: str, *, start: str = "/login") -> int:
    """Click "Sign in with …", sign in and consent at the provider; return the callback's status."""
    page.goto(base + start)
    page.get_by_role("link", name=f"Sign in with {NAME}").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    with page.expect_response(lambda r: "/login/oidc/callback" in r.url) as answer:
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    return answer.value.status


def user_row(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(sql_select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


# --- through the browser, with the provider's own pages --------------------------------------


@pytest.mark.parametrize("conform", [True, False], ids=["email-from-userinfo", "email-in-id-token"])
def test_a_verified_email_signs_its_organizer_in(live_sso, make_user, tab, conform):
    live = live_sso(conform=conform)
    make_user(email="ann@example.com", name="Ann")
    assert sign_in_at_provider(tab, live["base"], "ann") == 303
    assert urlsplit(tab.url).path == "/me/"
    tab.goto(live["base"] + "/me/account")
    assert urlsplit(tab.url).path == "/me/account"  # signed in: not sent back to /login
    assert "ann@example.com" in tab.content()


def test_the_page_asked_for_comes_after_signing_in(live_sso, make_user, tab):
    live = live_sso()
    make_user(email="ann@example.com", name="Ann")
    tab.goto(live["base"] + "/me/account")
    assert urlsplit(tab.url).path == "/login"
    assert sign_in_at_provider(tab, live["base"], "ann", start="/me/account") == 303
    assert urlsplit(tab.url).path == "/me/account"


def test_an_unverified_email_is_refused(live_sso, make_user, tab):
    live = live_sso()
    make_user(email="eve@example.com", name="Eve")
    assert sign_in_at_provider(tab, live["base"], "eve") == 403
    assert "has not verified your email address" in tab.content()
    tab.goto(live["base"] + "/me/")
    assert urlsplit(tab.url).path == "/login"


def test_an_unknown_user_is_refused(live_sso, tab):
    live = live_sso()
    assert sign_in_at_provider(tab, live["base"], "newbie") == 403
    assert "There is no account for newbie@example.org" in tab.content()
    assert user_row(live["app"], "newbie@example.org") is None


def test_an_unknown_user_is_created_when_configured(live_sso, tab):
    live = live_sso(OIDC_CREATE_USERS=True)
    assert sign_in_at_provider(tab, live["base"], "newbie") == 303
    assert urlsplit(tab.url).path == "/me/"
    user = user_row(live["app"], "newbie@example.org")
    assert user is not None
    assert (user.name, user.licensed, user.is_admin) == ("Nils Newbie", True, False)


def test_an_unlicensed_user_signs_in_as_with_a_password(live_sso, make_user, runner, tab):
    """The licence decides whether the pages are seen, not whether the owner signs in."""
    live = live_sso()
    make_user(email="bob@example.com", name="Bob")
    assert runner.invoke(args=["user", "set", "bob@example.com", "--licensed", "no"]).exit_code == 0
    assert sign_in_at_provider(tab, live["base"], "bob") == 303
    assert urlsplit(tab.url).path == "/me/"
    assert "does not have a" in tab.content()  # the banner says why the page is offline


def test_a_wrong_client_secret_is_a_friendly_page(live_sso, make_user, tab):
    live = live_sso(OIDC_CLIENT_SECRET="not-the-secret")
    make_user(email="ann@example.com", name="Ann")
    assert sign_in_at_provider(tab, live["base"], "ann") == 400
    assert f"{NAME} answered with an error" in tab.content()
    tab.goto(live["base"] + "/me/")
    assert urlsplit(tab.url).path == "/login"


def test_denied_at_the_provider_is_a_friendly_page(live_sso, tab):
    live = live_sso()
    tab.goto(live["base"] + "/login")
    tab.get_by_role("link", name=f"Sign in with {NAME}").click()
    with tab.expect_response(lambda r: "/login/oidc/callback" in r.url) as answer:
        tab.get_by_role("link", name="[ Cancel ]").click()
    tab.wait_for_load_state()
    assert answer.value.status == 403
    assert "error=access_denied" in answer.value.url
    assert tab.get_by_role("heading", name="Sign-in was cancelled").is_visible()
    assert tab.get_by_role("link", name="Back to the sign-in page").is_visible()


# --- with the test client -------------------------------------------------------------------


@pytest.fixture
def sso_client(make_app, provider):
    """A test client of an app whose provider runs and knows the test client's callback."""
    port = free_port()
    app = make_app(**sso_config(f"http://127.0.0.1:{port}"))
    running = provider(port, "http://localhost/login/oidc/callback")
    client = app.test_client()
    client.provider = running
    return client


def start_flow(client) -> dict:
    """Start signing in; return the query of the provider's authorization URL."""
    answer = client.get("/login/oidc")
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(client.provider.issuer)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_the_start_asks_for_a_code_with_pkce_state_and_nonce(sso_client):
    query = start_flow(sso_client)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://localhost/login/oidc/callback"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) >= 43
    assert query["state"] and query["nonce"]


def test_a_tampered_state_is_refused(sso_client):
    query = start_flow(sso_client)
    answer = sso_client.get(f"/login/oidc/callback?code=abc&state={query['state']}x")
    assert answer.status_code == 400
    assert soup(answer).h1.get_text(strip=True) == "That sign-in could not be finished"
    assert "Traceback" not in answer.text


def test_a_callback_nobody_started_is_refused(sso_client):
    answer = sso_client.get("/login/oidc/callback?code=abc&state=made-up")
    assert answer.status_code == 400
    assert "expired or was started in another window" in answer.text


def test_a_code_the_provider_does_not_know_is_refused(sso_client):
    query = start_flow(sso_client)
    answer = sso_client.get(f"/login/oidc/callback?code=forged&state={query['state']}")
    assert answer.status_code == 400
    assert f"{NAME} answered with an error" in answer.text
    assert sso_client.get("/me/").status_code == 302  # still signed out


def test_the_state_works_once(sso_client):
    query = start_flow(sso_client)
    sso_client.get(f"/login/oidc/callback?code=forged&state={query['state']}")
    again = sso_client.get(f"/login/oidc/callback?code=forged&state={query['state']}")
    assert again.status_code == 400
    assert "expired or was started in another window" in again.text


def test_a_provider_that_stops_before_the_callback_is_a_friendly_page(sso_client):
    query = start_flow(sso_client)  # discovery is kept from here on
    sso_client.provider.stop()
    began = time.monotonic()
    answer = sso_client.get(f"/login/oidc/callback?code=abc&state={query['state']}")
    assert answer.status_code == 502
    assert time.monotonic() - began < 5
    assert f"{NAME} did not answer" in answer.text


def test_the_discovery_document_is_kept(sso_client):
    start_flow(sso_client)
    sso_client.provider.stop()
    start_flow(sso_client)  # no provider now: the start needs nothing but the kept document


# --- configuration, without a provider ------------------------------------------------------


def test_a_provider_that_is_down_is_a_friendly_page_at_once(make_app):
    app = make_app(**sso_config(f"http://127.0.0.1:{free_port()}"))  # nothing listens there
    began = time.monotonic()
    answer = app.test_client().get("/login/oidc")
    assert time.monotonic() - began < 3
    assert answer.status_code == 502
    assert soup(answer).h1.get_text(strip=True) == f"{NAME} did not answer"
    assert "Traceback" not in answer.text


def test_a_provider_that_never_answers_is_bounded_by_the_timeout(make_app):
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        app = make_app(**sso_config(f"http://127.0.0.1:{port}", OIDC_TIMEOUT=1))
        began = time.monotonic()
        answer = app.test_client().get("/login/oidc")
        assert time.monotonic() - began < 4
    assert answer.status_code == 502


def test_the_button_is_labelled_from_the_configuration(make_app):
    app = make_app(**sso_config("http://127.0.0.1:9", OIDC_NAME="Acme Keycloak"))
    page = soup(app.test_client().get("/login"))
    link = page.find("a", id="sso-link")
    assert link.get_text(strip=True) == "Sign in with Acme Keycloak"
    assert link["href"] == "/login/oidc"
    assert page.find("input", attrs={"name": "password"}) is not None  # passwords still work


def test_the_button_keeps_the_page_asked_for(make_app):
    app = make_app(**sso_config("http://127.0.0.1:9"))
    link = soup(app.test_client().get("/login?next=/me/account")).find("a", id="sso-link")
    assert link["href"] == "/login/oidc?next=/me/account"


def test_without_an_issuer_there_is_no_button_and_no_route(client):
    page = soup(client.get("/login"))
    assert page.find("a", id="sso-link") is None
    assert page.find("input", attrs={"name": "password"}) is not None
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=a&state=b").status_code == 404


def test_password_login_turned_off(make_app, make_user):
    app = make_app(**sso_config("http://127.0.0.1:9", PASSWORD_LOGIN=False))
    user = make_user(email="ann@example.com")
    client = app.test_client()
    page = soup(client.get("/login"))
    assert page.find("input", attrs={"name": "password"}) is None
    assert page.find("a", id="forgot-link") is None
    assert page.find("a", id="sso-link").get_text(strip=True) == f"Sign in with {NAME}"
    refused = client.post("/login", data={"email": user["email"], "password": user["password"]})
    assert refused.status_code == 403
    assert soup(refused).find("a", id="sso-link") is not None
    assert client.get("/me/").status_code == 302  # not signed in
    assert client.get("/login/forgot").status_code == 404  # a reset would sign its reader in


def test_password_login_stays_on_without_a_provider(make_app, make_user):
    """BWM_PASSWORD_LOGIN=false with no issuer would lock everyone out: it is ignored."""
    app = make_app(PASSWORD_LOGIN=False)
    user = make_user(email="ann@example.com")
    client = app.test_client()
    assert soup(client.get("/login")).find("input", attrs={"name": "password"}) is not None
    answer = client.post("/login", data={"email": user["email"], "password": user["password"]})
    assert answer.status_code == 303


# --- the rules, in the service --------------------------------------------------------------


@pytest.fixture
def rules(app):
    from bwm.services import sso

    with app.app_context():
        yield sso
        db.session.rollback()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("true", True), ("True", True), (False, False), ("false", False), (None, False)],
)
def test_what_counts_as_verified(rules, value, expected):
    assert rules.verified({"email_verified": value}) is expected


def test_a_known_address_is_matched_whatever_its_case(rules, make_user):
    made = make_user(email="ann@example.com")
    user = rules.user_for_claims(
        {"email": "ANN@Example.com", "email_verified": True}, create_users=False, now=NOW
    )
    assert user.id == made["id"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"email_verified": True}, "no_email"),
        ({"email": "", "email_verified": True}, "no_email"),
        ({"email": "ann@example.com"}, "unverified_email"),
        ({"email": "ann@example.com", "email_verified": "false"}, "unverified_email"),
        ({"email": "nobody@example.com", "email_verified": True}, "unknown_user"),
    ],
)
def test_refusals(rules, make_user, claims, reason):
    make_user(email="ann@example.com")
    with pytest.raises(rules.SignInRefused) as refused:
        rules.user_for_claims(claims, create_users=False, now=NOW)
    assert refused.value.reason == reason
    assert refused.value.status == 403


def test_no_account_is_made_under_an_allow_list(rules, runner):
    assert runner.invoke(args=["org", "set", "--user-policy", "allow"]).exit_code == 0
    with pytest.raises(rules.SignInRefused) as refused:
        rules.user_for_claims(
            {"email": "new@example.com", "email_verified": True}, create_users=True, now=NOW
        )
    assert refused.value.reason == "not_allowed"
    assert "allow list" in refused.value.message()


def test_a_made_account_is_licensed_not_admin_and_has_no_known_password(rules):
    from bwm.services.organizers import authenticate

    user = rules.user_for_claims(
        {"email": "new@example.com", "email_verified": True, "preferred_username": "newton"},
        create_users=True,
        now=NOW,
    )
    assert (user.email, user.name, user.licensed, user.is_admin) == (
        "new@example.com",
        "newton",
        True,
        False,
    )
    assert user.page is not None
    assert authenticate("new@example.com", "") is None


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (None, True, True),
        ("", False, False),
        ("false", True, False),
        ("0", True, False),
        ("yes", False, True),
        (True, False, True),
        (False, True, False),
    ],
)
def test_flags_read_from_text_or_json(value, default, expected):
    from bwm.services.sso import flag

    assert flag(value, default) is expected
