"""Routes: login, me, staff, teams, skills."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.models import Role, Workspace
from kefu.auth.schemas import (
    LoginRequest,
    LoginResponse,
    Me,
    SkillCreate,
    SkillLevel,
    SkillRead,
    StaffCreate,
    StaffRead,
    StaffUpdate,
    TeamCreate,
    TeamMemberSet,
    TeamRead,
    WorkspaceRead,
)
from kefu.http.deps import StaffCtx, get_session, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=error_responses())

StaffId = Annotated[int, path_id("staff id")]
TeamId = Annotated[int, path_id("team id")]
SkillId = Annotated[int, path_id("skill id")]


@router.post("/auth/login", response_model=LoginResponse, tags=["auth"])
def login(
    body: LoginRequest, session: Annotated[Session, Depends(get_session)], request: Request
) -> Any:
    """Password login (web UI); returns a bearer token valid for 12 hours."""
    staff, token = auth.login(
        session, workspace_key=body.workspace, email=body.email, password=body.password
    )
    out = LoginResponse(token=token, staff=StaffRead.of(staff))
    session.commit()
    return out


@router.get("/me", response_model=Me)
def me(ctx: StaffCtx) -> Any:
    assert ctx.actor.id is not None
    staff = auth.get_staff(ctx.session, actor=ctx.actor, staff_id=ctx.actor.id)
    ws = ctx.session.get(Workspace, ctx.actor.workspace_id)
    return Me(staff=StaffRead.of(staff), workspace=WorkspaceRead.model_validate(ws))


@router.get("/staff", response_model=list[StaffRead])
def list_staff(ctx: StaffCtx, role: Role | None = None) -> Any:
    return [StaffRead.of(s) for s in auth.list_staff(ctx.session, actor=ctx.actor, role=role)]


@router.post("/staff", response_model=StaffRead, status_code=201)
def create_staff(body: StaffCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="staff.create",
        request=body,
        make=lambda: StaffRead.of(
            auth.create_staff(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )


@router.get("/staff/{staff_id}", response_model=StaffRead)
def get_staff(staff_id: StaffId, ctx: StaffCtx) -> Any:
    return StaffRead.of(auth.get_staff(ctx.session, actor=ctx.actor, staff_id=staff_id))


@router.patch("/staff/{staff_id}", response_model=StaffRead)
def update_staff(staff_id: StaffId, body: StaffUpdate, ctx: StaffCtx) -> Any:
    staff = auth.update_staff(ctx.session, actor=ctx.actor, staff_id=staff_id, **body.model_dump())
    return ctx.commit(StaffRead.of(staff))


@router.put("/staff/{staff_id}/skills/{skill_id}", response_model=StaffRead)
def set_skill(staff_id: StaffId, skill_id: SkillId, body: SkillLevel, ctx: StaffCtx) -> Any:
    staff = auth.set_skill(
        ctx.session, actor=ctx.actor, staff_id=staff_id, skill_id=skill_id, level=body.level
    )
    return ctx.commit(StaffRead.of(staff))


@router.get("/teams", response_model=list[TeamRead])
def list_teams(ctx: StaffCtx) -> Any:
    return auth.list_teams(ctx.session, actor=ctx.actor)


@router.post("/teams", response_model=TeamRead, status_code=201)
def create_team(body: TeamCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="team.create",
        request=body,
        make=lambda: TeamRead.model_validate(
            auth.create_team(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )


@router.get("/teams/{team_id}", response_model=TeamRead)
def get_team(team_id: TeamId, ctx: StaffCtx) -> Any:
    return auth.get_team(ctx.session, actor=ctx.actor, team_id=team_id)


@router.put("/teams/{team_id}/members/{staff_id}", response_model=TeamRead)
def set_member(team_id: TeamId, staff_id: StaffId, body: TeamMemberSet, ctx: StaffCtx) -> Any:
    team = auth.set_member(
        ctx.session, actor=ctx.actor, team_id=team_id, staff_id=staff_id, is_lead=body.is_lead
    )
    return ctx.commit(TeamRead.model_validate(team))


@router.delete("/teams/{team_id}/members/{staff_id}", response_model=TeamRead)
def remove_member(team_id: TeamId, staff_id: StaffId, ctx: StaffCtx) -> Any:
    team = auth.remove_member(ctx.session, actor=ctx.actor, team_id=team_id, staff_id=staff_id)
    return ctx.commit(TeamRead.model_validate(team))


@router.get("/skills", response_model=list[SkillRead])
def list_skills(ctx: StaffCtx) -> Any:
    return auth.list_skills(ctx.session, actor=ctx.actor)


@router.post("/skills", response_model=SkillRead, status_code=201)
def create_skill(body: SkillCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="skill.create",
        request=body,
        make=lambda: SkillRead.model_validate(
            auth.create_skill(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )
