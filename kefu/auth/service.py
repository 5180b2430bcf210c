"""Workspaces, staff, teams, skills, API tokens and password login."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kefu import clock, events
from kefu.auth import secrets
from kefu.auth.actor import Actor
from kefu.auth.models import (
    ApiToken,
    Role,
    Skill,
    Staff,
    StaffSkill,
    Team,
    TeamKind,
    TeamMember,
    Workspace,
)
from kefu.auth.permissions import Perm, require
from kefu.errors import Conflict, Invalid, Unauthorized
from kefu.tenancy import get_scoped, scoped

STAFF = ("员工", "staff member")
TEAM = ("团队", "team")
SKILL = ("技能", "skill")


def create_workspace(
    session: Session, *, key: str, name: str, timezone: str = "Asia/Shanghai", locale: str = "zh-CN"
) -> Workspace:
    """A new tenant with its own widget signing secret."""
    if session.scalars(select(Workspace).where(Workspace.key == key)).first():
        raise Conflict("workspace.exists", zh=f"工作区 {key} 已存在", en=f"workspace {key} exists")
    ws = Workspace(
        key=key,
        name=name,
        timezone=timezone,
        locale=locale,
        widget_secret=secrets.new_widget_secret(),
    )
    session.add(ws)
    session.flush()
    return ws


def get_workspace_by_key(session: Session, key: str) -> Workspace | None:
    return session.scalars(select(Workspace).where(Workspace.key == key)).first()


# --- staff -------------------------------------------------------------------------------------


def create_staff(
    session: Session,
    *,
    actor: Actor,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
) -> Staff:
    require(actor, Perm.manage_workspace)
    email = email.strip().lower()
    exists = session.scalars(scoped(Staff, actor).where(Staff.email == email)).first()
    if exists:
        raise Conflict(
            "staff.email_taken", zh=f"邮箱 {email} 已被使用", en=f"email {email} is taken"
        )
    staff = Staff(
        workspace_id=actor.workspace_id,
        email=email,
        name=name,
        role=role,
        password_hash=secrets.hash_password(password) if password else None,
    )
    session.add(staff)
    session.flush()
    return staff


def get_staff(session: Session, *, actor: Actor, staff_id: int, for_update: bool = False) -> Staff:
    require(actor, Perm.read)
    return get_scoped(session, Staff, staff_id, actor, what=STAFF, for_update=for_update)


def list_staff(session: Session, *, actor: Actor, role: Role | None = None) -> Sequence[Staff]:
    require(actor, Perm.read)
    stmt = (
        scoped(Staff, actor)
        .order_by(Staff.id)
        .options(selectinload(Staff.skills), selectinload(Staff.memberships))
    )
    if role is not None:
        stmt = stmt.where(Staff.role == role)
    return session.scalars(stmt).all()


def update_staff(
    session: Session,
    *,
    actor: Actor,
    staff_id: int,
    name: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> Staff:
    require(actor, Perm.manage_workspace)
    staff = get_scoped(session, Staff, staff_id, actor, what=STAFF, for_update=True)
    if name is not None:
        staff.name = name
    if role is not None:
        staff.role = role
    if active is not None and active != staff.active:
        staff.active = active
        # Their open tickets must not be left without an owner: the tickets domain reacts to this.
        events.record(
            session,
            actor=actor,
            type="staff.deactivated" if not active else "staff.reactivated",
            payload={"staff_id": staff.id},
        )
    if password is not None:
        staff.password_hash = secrets.hash_password(password)
    session.flush()
    return staff


def set_skill(session: Session, *, actor: Actor, staff_id: int, skill_id: int, level: int) -> Staff:
    """Give a staff member a skill at a level (1–5); level 0 removes it."""
    require(actor, Perm.manage_teams)
    staff = get_scoped(session, Staff, staff_id, actor, what=STAFF)
    get_scoped(session, Skill, skill_id, actor, what=SKILL)
    current = next((s for s in staff.skills if s.skill_id == skill_id), None)
    if level == 0:
        if current is not None:
            staff.skills.remove(current)
    elif current is None:
        staff.skills.append(StaffSkill(skill_id=skill_id, level=level))
    else:
        current.level = level
    session.flush()
    return staff


# --- teams and skills --------------------------------------------------------------------------


def create_team(
    session: Session, *, actor: Actor, name: str, kind: TeamKind, description: str = ""
) -> Team:
    require(actor, Perm.manage_teams)
    if session.scalars(scoped(Team, actor).where(Team.name == name)).first():
        raise Conflict("team.exists", zh=f"团队 {name} 已存在", en=f"team {name} exists")
    team = Team(workspace_id=actor.workspace_id, name=name, kind=kind, description=description)
    session.add(team)
    session.flush()
    return team


def get_team(session: Session, *, actor: Actor, team_id: int) -> Team:
    require(actor, Perm.read)
    return get_scoped(session, Team, team_id, actor, what=TEAM)


def list_teams(session: Session, *, actor: Actor) -> Sequence[Team]:
    require(actor, Perm.read)
    return session.scalars(scoped(Team, actor).order_by(Team.id)).all()


def set_member(
    session: Session, *, actor: Actor, team_id: int, staff_id: int, is_lead: bool = False
) -> Team:
    """Add a staff member to a team, or change whether they lead it."""
    require(actor, Perm.manage_teams)
    team = get_scoped(session, Team, team_id, actor, what=TEAM, for_update=True)
    get_scoped(session, Staff, staff_id, actor, what=STAFF)
    member = next((m for m in team.members if m.staff_id == staff_id), None)
    if member is None:
        team.members.append(TeamMember(staff_id=staff_id, is_lead=is_lead))
    else:
        member.is_lead = is_lead
    session.flush()
    return team


def remove_member(session: Session, *, actor: Actor, team_id: int, staff_id: int) -> Team:
    require(actor, Perm.manage_teams)
    team = get_scoped(session, Team, team_id, actor, what=TEAM, for_update=True)
    get_scoped(session, Staff, staff_id, actor, what=STAFF)  # unknown: 404, as in set_member
    team.members[:] = [m for m in team.members if m.staff_id != staff_id]
    session.flush()
    return team


def create_skill(session: Session, *, actor: Actor, name: str, description: str = "") -> Skill:
    require(actor, Perm.manage_teams)
    if session.scalars(scoped(Skill, actor).where(Skill.name == name)).first():
        raise Conflict("skill.exists", zh=f"技能 {name} 已存在", en=f"skill {name} exists")
    skill = Skill(workspace_id=actor.workspace_id, name=name, description=description)
    session.add(skill)
    session.flush()
    return skill


def list_skills(session: Session, *, actor: Actor) -> Sequence[Skill]:
    require(actor, Perm.read)
    return session.scalars(scoped(Skill, actor).order_by(Skill.id)).all()


# --- tokens and login --------------------------------------------------------------------------


def issue_token(
    session: Session, *, staff: Staff, name: str = "", ttl: timedelta | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token for `staff`; the raw value is returned once and never stored."""
    raw = secrets.new_api_token()
    token = ApiToken(
        workspace_id=staff.workspace_id,
        staff_id=staff.id,
        name=name,
        token_hash=secrets.token_digest(raw),
        prefix=raw[:10],
        expires_at=clock.now() + ttl if ttl else None,
    )
    session.add(token)
    session.flush()
    return token, raw


def service_account(session: Session, *, workspace: Workspace, role: Role) -> Staff:
    """The workspace's API account for a role (created on first use), for `kefu token create`."""
    email = f"api-{role.value}@{workspace.key}.kefu.local"
    staff = session.scalars(
        select(Staff).where(Staff.workspace_id == workspace.id, Staff.email == email)
    ).first()
    if staff is None:
        staff = Staff(workspace_id=workspace.id, email=email, name=f"API ({role.value})", role=role)
        session.add(staff)
        session.flush()
    return staff


_BAD_TOKEN = Unauthorized(
    "auth.bad_token", zh="登录凭证无效或已过期", en="invalid or expired token"
)


def authenticate_token(session: Session, raw: str) -> Actor:
    """The acting staff member for a bearer token, or Unauthorized."""
    if not raw.startswith(secrets.TOKEN_PREFIX):
        raise _BAD_TOKEN
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == secrets.token_digest(raw))
    ).first()
    now = clock.now()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.staff.active
    ):
        raise _BAD_TOKEN
    return Actor.staff(token.workspace_id, token.staff_id, token.staff.role)


def login(session: Session, *, workspace_key: str, email: str, password: str) -> tuple[Staff, str]:
    """Password login for the web UI: returns the staff member and a 12-hour token."""
    ws = get_workspace_by_key(session, workspace_key)
    staff = (
        session.scalars(
            select(Staff).where(Staff.workspace_id == ws.id, Staff.email == email.strip().lower())
        ).first()
        if ws
        else None
    )
    # One message for every failure: do not tell which of workspace, email or password was wrong.
    if (
        staff is None
        or not staff.active
        or not secrets.verify_password(staff.password_hash, password)
    ):
        raise Unauthorized(
            "auth.bad_login", zh="工作区、邮箱或密码错误", en="wrong workspace, email or password"
        )
    _, raw = issue_token(session, staff=staff, name="web login", ttl=timedelta(hours=12))
    return staff, raw


def revoke_token(session: Session, *, actor: Actor, raw: str) -> None:
    token = session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == secrets.token_digest(raw),
            ApiToken.workspace_id == actor.workspace_id,
        )
    ).first()
    if token is None:
        raise Invalid("auth.unknown_token", zh="凭证不存在", en="unknown token")
    token.revoked_at = clock.now()
    session.flush()
