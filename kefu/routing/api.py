"""Routes: one's own presence, the agents and queues boards, routing settings, an agent's caps,
transfer to a team; and the customer's "a human, please"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.channels.widget_api import CustomerCtx
from kefu.http.deps import RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.routing import admin, presence, queues, transfer
from kefu.routing.schemas import (
    AgentList,
    AgentRead,
    CapsSet,
    HumanRequested,
    PresenceRead,
    PresenceSet,
    QueueList,
    QueueRead,
    RoutedRead,
    SettingsRead,
    SettingsUpdate,
    TransferToTeam,
)

router = APIRouter(prefix="/api/v1/routing", tags=["routing"], responses=error_responses())

widget_router = APIRouter(prefix="/api/v1/widget", tags=["widget"], responses=error_responses())

StaffId = Annotated[int, path_id("staff id")]
ConversationId = Annotated[int, path_id("conversation id")]


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


@router.post("/conversations/{conversation_id}/transfer", response_model=RoutedRead)
def transfer_to_team(conversation_id: ConversationId, body: TransferToTeam, ctx: StaffCtx) -> Any:
    """Hand a conversation to a team: routed within it now, or waiting in its queue."""
    routed = transfer.to_team(
        ctx.session, actor=ctx.actor, conversation_id=conversation_id, team_id=body.team_id
    )
    return ctx.commit(RoutedRead.model_validate(transfer.where(ctx.session, routed)))


@widget_router.post("/conversations/{conversation_id}/human", response_model=HumanRequested)
def ask_for_human(conversation_id: ConversationId, ctx: CustomerCtx) -> Any:
    """The customer asks for a person (an app's button; the widget's bot also hears "转人工")."""
    routed = transfer.ask_for_human(ctx.session, actor=ctx.actor, conversation_id=conversation_id)
    shown = transfer.where(ctx.session, routed)
    return ctx.commit(
        HumanRequested(
            conversation_id=shown.conversation_id,
            with_agent=shown.staff_id is not None,
            position=shown.position,
            estimated_wait_s=shown.estimated_wait_s,
        )
    )
