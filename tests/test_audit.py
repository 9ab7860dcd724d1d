"""The audit trail (SPEC §11): each admin action and policy change is one event, written with
the change (or not at all), shown at /admin/audit, in the API and by `flask audit show`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bwm.extensions import db
from bwm.models import AuditEvent
from bwm.services import audit, policy
from tests.conftest import Clock, soup

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SETTINGS = {
    "bookings_enabled": "y",
    "user_policy": "block",
    "external_sharing": "y",
    "anonymous_sharing": "y",
    "max_detail": "free_busy",
}


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def admin(make_user):
    return make_user(email="root@example.com", admin=True)


def trail(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def test_org_settings_from_the_admin_page_name_the_admin_and_only_what_changed(
    app, client, admin, login
):
    login(admin)
    response = client.post("/admin/settings", data=SETTINGS)
    assert response.status_code == 303
    (event,) = trail(app, "org.settings")
    assert (event.actor, event.actor_id, event.target_type) == (
        "root@example.com",
        admin["id"],
        "org",
    )
    assert (event.before, event.after) == ({"user_policy": "none"}, {"user_policy": "block"})
    assert event.at == T0
    # The same again changes nothing, and records nothing.
    client.post("/admin/settings", data=SETTINGS)
    assert len(trail(app, "org.settings")) == 1


def test_a_user_policy_change_and_an_invite_are_recorded(app, client, admin, login, make_user):
    ann = make_user(email="ann@example.com")
    login(admin)
    assert client.post(f"/admin/users/{ann['id']}/licence", data={"value": "no"}).status_code == 303
    (event,) = trail(app, "user.policy")
    assert (event.target, event.before, event.after) == (
        "ann@example.com",
        {"licensed": True},
        {"licensed": False},
    )
    assert client.post(f"/admin/users/{ann['id']}/invite", data={}).status_code == 303
    (invite,) = trail(app, "user.invite")
    assert (invite.actor, invite.target) == ("root@example.com", "ann@example.com")


def test_a_user_made_on_the_admin_page_and_on_the_command_line(app, client, admin, login):
    login(admin)
    response = client.post(
        "/admin/users",
        data={"name": "Bo", "email": "bo@example.com", "password": "a-long-password"},
    )
    assert response.status_code == 303
    result = app.test_cli_runner().invoke(
        args=["user", "create", "cy@example.com", "--name", "Cy", "--password", "long-password"]
    )
    assert result.exit_code == 0, result.output
    made = trail(app, "user.create")
    assert [(e.target, e.actor.split(" (")[0]) for e in made] == [
        ("bo@example.com", "root@example.com"),
        ("cy@example.com", "command line"),
    ]
    assert made[0].before is None and made[0].after["email"] == "bo@example.com"


def test_single_sign_on_names_itself_when_it_makes_an_account(app):
    from bwm.services import sso

    with app.test_request_context():
        user = sso.user_for_claims(
            {"email": "new@example.com", "email_verified": True}, create_users=True, now=T0
        )
        db.session.commit()
        assert user.email == "new@example.com"
    (event,) = trail(app, "user.create")
    assert (event.actor, event.actor_id, event.target) == ("single sign-on", None, user.email)


def test_the_event_is_rolled_back_with_a_failed_change(app):
    with app.app_context():
        audit.acting_as("someone")
        policy.update_org({"user_policy": "allow"}, now=T0)
        db.session.flush()
        assert db.session.scalar(select(AuditEvent.action)) == "org.settings"
        db.session.rollback()
    assert trail(app) == []
    assert policy_now(app) == "none"


def policy_now(app) -> str:
    with app.app_context():
        return policy.org_policy().user_policy


def test_rotate_secrets_and_backups_are_recorded(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["rotate-secrets"]).exit_code == 0
    assert runner.invoke(args=["backup", str(tmp_path / "b.zip")]).exit_code == 0
    actions = [e.action for e in trail(app)]
    assert actions == ["secrets.rotate", "backup.create"]
    assert trail(app, "backup.create")[0].target == "b.zip"


def many(app, n: int, *, start: datetime = T0) -> None:
    with app.app_context():
        for i in range(n):
            audit.record(
                "org.settings" if i % 2 else "user.policy",
                now=start + timedelta(minutes=i),
                target_type="user",
                target=f"u{i}@example.com",
                before={"licensed": True},
                after={"licensed": False},
                actor="ann@example.com" if i % 3 == 0 else "bo@example.com",
            )
        db.session.commit()


def test_the_page_pages_newest_first_and_filters(app, client, admin, login):
    many(app, 60)
    login(admin)
    page = soup(client.get("/admin/audit"))
    rows = page.select("#audit-events tbody tr")
    assert len(rows) == 50
    assert "u59@example.com" in rows[0].text and "UTC" in rows[0].text
    assert "licensed" in rows[0].text and "true → false" in rows[0].text
    assert page.select_one("#admin-nav a[href='/admin/audit']")
    older = page.select_one("#audit-older")["href"]
    rest = soup(client.get(older)).select("#audit-events tbody tr")
    assert len(rest) == 10 and "u9@example.com" in rest[0].text
    assert not soup(client.get(older)).select_one("#audit-older")

    options = [o["value"] for o in page.select("select[name=action] option")]
    assert options == ["", "org.settings", "user.policy"]
    filtered = soup(client.get("/admin/audit?action=org.settings&who=ANN")).select("tbody tr")
    assert filtered and all("org.settings" in r.text and "ann@" in r.text for r in filtered)
    assert len(filtered) == 10  # odd i, multiple of 3, under 60
    one = soup(client.get("/admin/audit?target=u7@")).select("tbody tr")
    assert len(one) == 1
    day = soup(client.get("/admin/audit?from=2027-03-02&to=2027-03-03"))
    assert day.select_one("#audit-empty")


def test_the_page_by_htmx_gets_the_table_alone_and_bad_dates_are_named(app, client, admin, login):
    many(app, 3)
    login(admin)
    partial = client.get("/admin/audit", headers={"HX-Request": "true"})
    assert "HX-Request" in partial.headers["Vary"]
    html = soup(partial)
    assert html.select_one("section#audit") and not html.select_one("#admin-nav")
    bad = client.get("/admin/audit?from=yesterday")
    assert bad.status_code == 422
    assert soup(bad).select_one("#from-error")


def test_the_page_is_for_admins_only(client, make_user, login):
    login(make_user())
    assert client.get("/admin/audit").status_code == 403


def test_the_api_filters_pages_and_names_bad_fields(app, client, admin, make_token, make_user):
    many(app, 5)
    headers = make_token(admin["id"])
    first = client.get("/api/v1/admin/audit?limit=2", headers=headers).json
    assert [e["target"] for e in first["events"]] == ["u4@example.com", "u3@example.com"]
    assert first["events"][0]["before"] == {"licensed": True}
    assert first["events"][0]["at"] == (T0 + timedelta(minutes=4)).isoformat()
    after = client.get(f"/api/v1/admin/audit?limit=2&after={first['next']}", headers=headers).json
    assert [e["target"] for e in after["events"]] == ["u2@example.com", "u1@example.com"]
    last = client.get(f"/api/v1/admin/audit?after={after['next']}", headers=headers).json
    assert len(last["events"]) == 1 and last["next"] is None
    only = client.get("/api/v1/admin/audit?action=org.settings", headers=headers).json
    assert {e["action"] for e in only["events"]} == {"org.settings"}

    bad = client.get("/api/v1/admin/audit?limit=500&from=nope", headers=headers)
    assert bad.status_code == 422
    assert "limit" in str(bad.json) and "from" in str(bad.json)
    other = make_token(make_user()["id"])
    assert client.get("/api/v1/admin/audit", headers=other).status_code == 403


def test_organization_webhooks_made_and_removed_by_api_name_the_admin(
    app, client, admin, make_token, make_user
):
    headers = make_token(admin["id"])
    made = client.post(
        "/api/v1/admin/webhooks",
        json={"url": "https://hooks.example.com/bwm", "events": ["booking.created"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert (
        client.delete(f"/api/v1/admin/webhooks/{made.json['id']}", headers=headers).status_code
        == 204
    )
    created, deleted = trail(app, "webhook.create") + trail(app, "webhook.delete")
    assert (created.actor, created.target) == ("root@example.com", "https://hooks.example.com/bwm")
    assert created.after == {"url": "https://hooks.example.com/bwm", "events": ["booking.created"]}
    assert deleted.actor == "root@example.com" and deleted.before == created.after
    # An organizer's own webhook is not an admin action.
    olga = make_user(email="olga@example.com")
    own = client.post(
        "/api/v1/me/webhooks",
        json={"url": "https://hooks.example.com/olga", "events": ["booking.created"]},
        headers=make_token(olga["id"]),
    )
    assert own.status_code == 201, own.text
    assert len(trail(app, "webhook.create")) == 1


def test_a_new_api_token_and_an_email_sent_again_are_recorded(app, client, admin, make_token):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["user", "token", "root@example.com"]).exit_code == 0
    (token,) = trail(app, "user.token")
    assert token.actor.startswith("command line") and token.target == "root@example.com"
    with app.app_context():
        from bwm import outbox
        from bwm.models import OutboxMessage

        message = outbox.enqueue("x@example.org", "Hello", "Hi", now=T0)
        message.status = "failed"
        db.session.commit()
        message_id = message.id
        assert db.session.get(OutboxMessage, message_id).status == "failed"
    retried = client.post(
        f"/api/v1/admin/operations/mail/{message_id}/retry", headers=make_token(admin["id"])
    )
    assert retried.status_code == 200, retried.text
    (event,) = trail(app, "mail.retry")
    assert (event.actor, event.target) == ("root@example.com", f"#{message_id}")
    # Nothing to send again: nothing recorded.
    again = client.post(
        f"/api/v1/admin/operations/mail/{message_id}/retry", headers=make_token(admin["id"])
    )
    assert again.status_code == 404
    assert len(trail(app, "mail.retry")) == 1


def test_a_restored_database_keeps_its_trail(app, make_app, tmp_path, database_url):
    many(app, 3)
    archive = tmp_path / "trail.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    from tests.test_backup import fresh_app

    target = fresh_app("sqlite:///" + str(tmp_path / "restored.sqlite"), tmp_path / "b")
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    restored = [(e.action, e.target, e.before, e.after) for e in trail(target)]
    original = [(e.action, e.target, e.before, e.after) for e in trail(app)][:3]
    assert restored[:3] == original
    assert restored[3][0] == "backup.restore"


def test_the_command_line_shows_the_trail(app):
    many(app, 4)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "show", "--action", "user.policy", "--limit", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "user.policy" in lines[0] and "user:u2@example.com" in lines[0]
    assert '{"licensed": true} -> {"licensed": false}' in lines[0]
    result = runner.invoke(args=["audit", "show", "--who", "nobody"])
    assert result.output.strip() == "no events"
