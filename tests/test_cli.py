"""The flask commands: user create, user token, demo."""

from sqlalchemy import select

from bwm.extensions import db
from bwm.models import BusyBlock, User


def test_user_create_with_a_password(runner, app, client):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "Ann@Example.com",
            "--name",
            "Ann Andersson",
            "--password",
            "long-password",
            "--slug",
            "ann",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/b/ann" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ann@example.com"))
        assert user.name == "Ann Andersson"
        assert user.licensed is True
        assert user.is_admin is False
        assert user.password_hash != "long-password"
        assert [t.title for t in user.page.meeting_types] == [
            "15 minute meeting",
            "30 minute meeting",
        ]
        assert all(t.visibility == "public" for t in user.page.meeting_types)
        assert user.page.published is True
    assert client.get("/b/ann").status_code == 200


def test_user_create_prompts_for_the_password(runner, client):
    result = runner.invoke(
        args=["user", "create", "bo@example.com", "--name", "Bo", "--admin"],
        input="prompted-password\nprompted-password\n",
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/login", data={"email": "bo@example.com", "password": "prompted-password"}
    )
    assert response.status_code == 303


def test_user_create_refuses_bad_input_clearly(runner):
    ok = runner.invoke(
        args=[
            "user",
            "create",
            "c@example.com",
            "--name",
            "C",
            "--password",
            "long-password",
            "--slug",
            "cee",
        ]
    )
    assert ok.exit_code == 0
    for args, words in [
        (["user", "create", "not-an-email", "--name", "X", "--password", "long-password"], "email"),
        (
            ["user", "create", "c@example.com", "--name", "X", "--password", "long-password"],
            "already exists",
        ),
        (
            [
                "user",
                "create",
                "d@example.com",
                "--name",
                "X",
                "--password",
                "long-password",
                "--slug",
                "cee",
            ],
            "taken",
        ),
        (["user", "create", "e@example.com", "--name", "X", "--password", "short"], "password"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert words in result.output
        assert "Traceback" not in result.output


def test_user_token_prints_a_working_token_on_the_last_line(runner, client, make_user):
    user = make_user(slug="tok")
    result = runner.invoke(args=["user", "token", user["email"]])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/me/page", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["slug"] == "tok"
    second = runner.invoke(args=["user", "token", user["email"]]).output.strip().splitlines()[-1]
    assert second != token
    assert (
        client.get("/api/v1/me/page", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_user_token_for_an_unknown_user(runner):
    result = runner.invoke(args=["user", "token", "ghost@example.com"])
    assert result.exit_code != 0
    assert "ghost@example.com" in result.output


def test_demo_makes_an_organizer_with_types_and_busy_time(runner, app, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo@example.com" in result.output
    assert "/b/demo" in result.output
    page = client.get("/api/v1/pages/demo").json
    assert len(page["meeting_types"]) >= 3
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(BusyBlock)) > 0
    # Run twice: still fine, and the login printed works.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    login = client.post("/login", data={"email": "demo@example.com", "password": "demo-password"})
    assert login.status_code == 303
