"""Routes: one's own presence, the agents and queues boards, routing settings, an agent's caps."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.http.deps import RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.routing import admin, presence, queues
from kefu.routing.schemas import (
    AgentList,
    AgentRead,
    CapsSet,
    PresenceRead,
    PresenceSet,
    QueueList,
    QueueRead,
    SettingsRead,
    SettingsUpdate,
)

router = APIRouter(prefix="/api/v1/routing", tags=["routing"], responses=error_responses())

StaffId = Annotated[int, path_id("staff id")]


@router.put("/presence", response_model=PresenceRead)
def set_presence(body: PresenceSet, ctx: StaffCtx) -> Any:
    """Set my presence; going online hands me waiting conversations at once."""
    row = presence.set_presence(ctx.session, actor=ctx.actor, state=body.state)
    return ctx.commit(PresenceRead.of(row))


@router.get("/agents", response_model=AgentList)
def list_agents(ctx: StaffCtx, team_id: RefFilter = None) -> Any:
    """Agents who take conversations: state (auto-away applied), load and caps per channel class."""
    found = admin.agents(ctx.session, actor=ctx.actor, team_id=team_id)
    return AgentList(items=[AgentRead.of(a) for a in found])


@router.get("/queues", response_model=QueueList)
def list_queues(ctx: StaffCtx) -> Any:
    """Each team's queue: how many wait and the longest wait."""
    return QueueList(
        items=[QueueRead.of(q) for q in queues.list_queues(ctx.session, actor=ctx.actor)]
    )


@router.get("/settings", response_model=SettingsRead)
def get_settings(ctx: StaffCtx) -> Any:
    return SettingsRead.of(admin.get_settings(ctx.session, actor=ctx.actor))


@router.put("/settings", response_model=SettingsRead)
def update_settings(body: SettingsUpdate, ctx: StaffCtx) -> Any:
    """Change caps, sticky days, overflow, auto-away…; fields left out keep their value."""
    row = admin.update_settings(ctx.session, actor=ctx.actor, changes=body.changes())
    return ctx.commit(SettingsRead.of(row))


@router.put("/agents/{staff_id}/caps", response_model=AgentRead)
def set_caps(staff_id: StaffId, body: CapsSet, ctx: StaffCtx) -> Any:
    """An agent's own caps per channel class (null: the workspace's); more room pulls work."""
    info = admin.set_caps(
        ctx.session,
        actor=ctx.actor,
        staff_id=staff_id,
        caps=body.model_dump(exclude_unset=True),
    )
    return ctx.commit(AgentRead.of(info))
