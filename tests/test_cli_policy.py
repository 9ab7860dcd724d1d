"""The policy commands of SPEC §5: `org show`, `org set`, `user set`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bwm.extensions import db
from bwm.models import User

DEFAULTS = [
    "bookings: on",
    "user_policy: none",
    "external_sharing: on",
    "anonymous_sharing: on",
    "max_detail: free_busy",
    "retention_days: keep",
    "consent_text: (none)",
    "allow_list: (empty)",
    "block_list: (empty)",
]


def run(runner, *args: str, code: int = 0) -> str:
    result = runner.invoke(args=list(args))
    assert result.exit_code == code, result.output
    if code:
        # A clear message from click, never a traceback.
        assert not result.exception or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
    return result.output


def settings(runner) -> dict[str, str]:
    lines = run(runner, "org", "show").splitlines()
    return dict(line.split(": ", 1) for line in lines)


def user_row(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


@pytest.fixture
def ann(make_user):
    return make_user(email="ann@example.com", name="Ann", slug="ann")


@pytest.fixture
def bo(make_user):
    return make_user(email="bo@example.com", name="Bo", slug="bo")


def test_org_show_prints_every_setting_with_the_defaults(runner):
    assert run(runner, "org", "show").splitlines() == DEFAULTS


def test_org_set_changes_every_setting_and_show_prints_them(runner):
    output = run(
        runner,
        "org",
        "set",
        "--bookings",
        "off",
        "--user-policy",
        "allow",
        "--sharing",
        "off",
        "--anonymous-sharing",
        "off",
        "--max-detail",
        "full",
    )
    assert "bookings: off" in output
    assert settings(runner) == {
        "bookings": "off",
        "user_policy": "allow",
        "external_sharing": "off",
        "anonymous_sharing": "off",
        "max_detail": "full",
        "retention_days": "keep",
        "consent_text": "(none)",
        "allow_list": "(empty)",
        "block_list": "(empty)",
    }
    run(runner, "org", "set", "--max-detail", "limited")
    assert settings(runner)["max_detail"] == "limited"
    assert settings(runner)["bookings"] == "off"  # the others are kept


def test_org_set_lists_whose_pages_go_offline_and_come_back(runner, ann, bo):
    output = run(runner, "org", "set", "--bookings", "off")
    assert "offline now: ann@example.com" in output
    assert "offline now: bo@example.com" in output
    output = run(runner, "org", "set", "--bookings", "on")
    assert "back online: ann@example.com" in output


@pytest.mark.parametrize(
    "args",
    [
        ["--bookings", "maybe"],
        ["--user-policy", "everyone"],
        ["--sharing", "yes"],
        ["--anonymous-sharing", "1"],
        ["--max-detail", "all"],
    ],
)
def test_org_set_refuses_bad_values_without_a_traceback(runner, args):
    output = run(runner, "org", "set", *args, code=2)
    assert "Invalid value" in output
    assert run(runner, "org", "show").splitlines() == DEFAULTS


def test_org_set_with_nothing_to_set_says_so(runner):
    assert "give at least one setting" in run(runner, "org", "set", code=2)


def test_user_set_bookings_off_with_no_list_makes_a_block_list(app, runner, client, ann, bo):
    output = run(runner, "user", "set", "ann@example.com", "--bookings", "off")
    assert "user_policy: block (was none)" in output
    assert "bookings: off (on_block_list)" in output
    shown = settings(runner)
    assert shown["user_policy"] == "block"
    assert shown["block_list"] == "ann@example.com"
    assert client.get("/b/ann").status_code == 404
    assert client.get("/b/bo").status_code == 200  # the block list holds only Ann

    output = run(runner, "user", "set", "ann@example.com", "--bookings", "on")
    assert "user_policy" not in output  # stays a block list
    assert settings(runner)["block_list"] == "(empty)"
    assert settings(runner)["user_policy"] == "block"
    assert client.get("/b/ann").status_code == 200


def test_user_set_with_an_allow_list_adds_and_removes(app, runner, client, ann, bo):
    run(runner, "org", "set", "--user-policy", "allow")
    assert client.get("/b/ann").status_code == 404
    run(runner, "user", "set", "ann@example.com", "--bookings", "on")
    assert settings(runner)["allow_list"] == "ann@example.com"
    assert client.get("/b/ann").status_code == 200
    assert client.get("/b/bo").status_code == 404
    run(runner, "user", "set", "Ann@Example.com", "--bookings", "off")
    assert settings(runner)["allow_list"] == "(empty)"
    assert settings(runner)["user_policy"] == "allow"
    assert client.get("/b/ann").status_code == 404


def test_user_set_with_a_block_list_adds_and_removes(runner, client, ann):
    run(runner, "org", "set", "--user-policy", "block")
    assert client.get("/b/ann").status_code == 200
    run(runner, "user", "set", "ann@example.com", "--bookings", "off")
    assert settings(runner)["block_list"] == "ann@example.com"
    assert client.get("/b/ann").status_code == 404
    run(runner, "user", "set", "ann@example.com", "--bookings", "on")
    assert client.get("/b/ann").status_code == 200


def test_user_set_licence_and_admin(app, runner, client, ann):
    output = run(runner, "user", "set", "ann@example.com", "--licensed", "no", "--admin", "yes")
    assert "licensed: no" in output and "admin: yes" in output
    row = user_row(app, "ann@example.com")
    assert (row.licensed, row.is_admin) == (False, True)
    assert client.get("/b/ann").status_code == 404
    run(runner, "user", "set", "ann@example.com", "--licensed", "yes", "--admin", "no")
    row = user_row(app, "ann@example.com")
    assert (row.licensed, row.is_admin) == (True, False)
    assert client.get("/b/ann").status_code == 200


def test_a_new_user_is_licensed_and_on_no_list(app, runner):
    run(runner, "user", "create", "cy@example.com", "--name", "Cy", "--password", "long-password")
    row = user_row(app, "cy@example.com")
    assert (row.licensed, row.allow_listed, row.block_listed) == (True, False, False)


def test_user_set_an_unknown_user_is_a_clear_error(runner):
    output = run(runner, "user", "set", "nobody@example.com", "--bookings", "off", code=1)
    assert "no user with the email nobody@example.com" in output
    assert settings(runner)["user_policy"] == "none"


@pytest.mark.parametrize(
    "args", [["--bookings", "no"], ["--licensed", "on"], ["--admin", "true"], []]
)
def test_user_set_refuses_bad_values(runner, ann, args):
    output = run(runner, "user", "set", "ann@example.com", *args, code=2)
    assert "Invalid value" in output or "give --bookings" in output


def test_changes_take_effect_at_once_in_a_running_app(app, runner, client, ann):
    assert client.get("/b/ann").status_code == 200
    run(runner, "org", "set", "--bookings", "off")
    assert client.get("/b/ann").status_code == 404
    run(runner, "org", "set", "--bookings", "on")
    assert client.get("/b/ann").status_code == 200


def test_org_set_privacy_settings_are_shown_checked_and_audited(runner, app):
    output = run(
        runner, "org", "set", "--retention-days", "30", "--consent-text", "I agree to the notice."
    )
    assert "retention_days: 30" in output
    assert settings(runner)["consent_text"] == "I agree to the notice."
    result = runner.invoke(args=["org", "set", "--retention-days", "abc"])
    assert result.exit_code == 2
    assert "--retention-days" in result.output and "whole number" in result.output
    result = runner.invoke(args=["org", "set", "--retention-days", "99999"])
    assert result.exit_code == 2 and "--retention-days" in result.output
    assert settings(runner)["retention_days"] == "30"  # nothing stored was lost
    run(runner, "org", "set", "--retention-days", "keep", "--consent-text", "")
    assert settings(runner)["retention_days"] == "keep"
    assert settings(runner)["consent_text"] == "(none)"
    with app.app_context():
        from bwm.models import AuditEvent

        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.before, e.after) for e in events] == [
            (
                "org.privacy",
                {"retention_days": None, "consent_text": ""},
                {"retention_days": 30, "consent_text": "I agree to the notice."},
            ),
            (
                "org.privacy",
                {"retention_days": 30, "consent_text": "I agree to the notice."},
                {"retention_days": None, "consent_text": ""},
            ),
        ]
        assert all(e.actor.startswith("command line") for e in events)
