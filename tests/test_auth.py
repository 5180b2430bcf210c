"""Staff authentication: bearer tokens, password login, staff/team/skill management."""

from datetime import timedelta

from typer.testing import CliRunner

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.models import Role
from kefu.cli import app
from kefu.config import Settings
from kefu.runtime import build
from tests.conftest import fresh_database
from tests.factories import PASSWORD


def test_password_login_gives_a_working_token(client, world):
    r = client.post(
        "/api/v1/auth/login",
        json={"workspace": "acme", "email": "AGENT@acme.test", "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["staff"]["role"] == "agent" and me.json()["workspace"]["key"] == "acme"


def test_failed_logins_do_not_say_which_part_was_wrong(client, world):
    bodies = [
        {"workspace": "acme", "email": "agent@acme.test", "password": "wrong-password"},
        {"workspace": "acme", "email": "nobody@acme.test", "password": PASSWORD},
        {"workspace": "nowhere", "email": "agent@acme.test", "password": PASSWORD},
        {"workspace": "acme", "email": "admin@acme.test", "password": PASSWORD},  # has no password
    ]
    answers = {client.post("/api/v1/auth/login", json=b).json()["detail"] for b in bodies}
    assert answers == {"工作区、邮箱或密码错误"}


def test_missing_bad_revoked_and_expired_tokens_are_401(client, world, runtime):
    assert client.get("/api/v1/tickets").status_code == 401
    assert (
        client.get("/api/v1/tickets", headers={"Authorization": "Bearer kf_nope"}).status_code
        == 401
    )
    assert client.get("/api/v1/tickets", headers={"Authorization": "Basic abc"}).status_code == 401
    with runtime.sessions() as s:
        staff = s.get(type(world.staff[Role.agent]), world.staff[Role.agent].id)
        _, short = auth.issue_token(s, staff=staff, ttl=timedelta(minutes=5))
        _, revoked = auth.issue_token(s, staff=staff)
        auth.revoke_token(s, actor=world.actor(), raw=revoked)
        s.commit()
    ok = {"Authorization": f"Bearer {short}"}
    assert client.get("/api/v1/tickets", headers=ok).status_code == 200
    assert (
        client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {revoked}"}).status_code
        == 401
    )
    with clock.frozen(clock.now() + timedelta(minutes=6)):
        r = client.get("/api/v1/tickets", headers=ok)
    assert r.status_code == 401 and r.json()["code"] == "auth.bad_token"


def test_deactivated_staff_lose_access(client, world):
    admin = world.headers(Role.admin)
    agent = world.staff[Role.agent]
    r = client.patch(f"/api/v1/staff/{agent.id}", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/me", headers=world.headers(Role.agent)).status_code == 401


def test_admin_manages_staff_teams_and_skills(client, world):
    admin = world.headers(Role.admin)
    r = client.post(
        "/api/v1/staff",
        json={
            "email": "wang.fang@acme.test",
            "name": "王芳",
            "role": "agent",
            "password": "s3cret-pass",
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    staff_id = r.json()["id"]
    dup = client.post(
        "/api/v1/staff",
        json={"email": "Wang.Fang@acme.test", "name": "x", "role": "agent"},
        headers=admin,
    )
    assert dup.status_code == 409
    team = client.post(
        "/api/v1/teams", json={"name": "跨境专员组", "kind": "cross_border"}, headers=admin
    ).json()
    skill = client.post("/api/v1/skills", json={"name": "跨境清关"}, headers=admin).json()
    r = client.put(
        f"/api/v1/teams/{team['id']}/members/{staff_id}", json={"is_lead": True}, headers=admin
    )
    assert r.json()["members"] == [{"staff_id": staff_id, "is_lead": True}]
    r = client.put(
        f"/api/v1/staff/{staff_id}/skills/{skill['id']}", json={"level": 4}, headers=admin
    )
    assert r.json()["skills"] == [{"skill_id": skill["id"], "name": "跨境清关", "level": 4}]
    assert r.json()["team_ids"] == [team["id"]]
    r = client.put(
        f"/api/v1/staff/{staff_id}/skills/{skill['id']}", json={"level": 0}, headers=admin
    )
    assert r.json()["skills"] == []
    r = client.delete(f"/api/v1/teams/{team['id']}/members/{staff_id}", headers=admin)
    assert r.json()["members"] == []
    # An agent may read the roster but not change it.
    assert client.get("/api/v1/teams", headers=world.headers()).status_code == 200
    assert (
        client.post(
            "/api/v1/teams", json={"name": "x", "kind": "tech"}, headers=world.headers()
        ).status_code
        == 403
    )


def test_cli_db_upgrade_and_token_create(db_kind, tmp_path):
    """`kefu db upgrade`, then `kefu token create` prints a token that works with its role."""
    with fresh_database(db_kind, str(tmp_path), "kefu_cli") as url:
        env = {"KEFU_DATABASE_URL": url}
        runner = CliRunner()
        assert (
            runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
        )  # already at head: no-op
        rt = build(Settings(database_url=url))
        with rt.sessions() as s:
            auth.create_workspace(s, key="cli", name="CLI Shop")
            s.commit()
        r = runner.invoke(
            app, ["token", "create", "--workspace", "cli", "--role", "supervisor"], env=env
        )
        assert r.exit_code == 0, r.output
        token = r.output.strip().splitlines()[-1]
        with rt.sessions() as s:
            actor = auth.authenticate_token(s, token)
        assert actor.role is Role.supervisor
        bad = runner.invoke(
            app, ["token", "create", "--workspace", "nope", "--role", "agent"], env=env
        )
        assert bad.exit_code == 2
        rt.close()
