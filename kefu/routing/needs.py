"""What a conversation needs of its agent (什么类型的客户对接到什么类型的客服, seed 003).

- channel class: chat, call or e-mail, from the channel's kind (caps count per class);
- team: the one asked for (the bot's handoff, a transfer), else the workspace's default team;
- skills with minimum levels: those asked for; the VIP skill for a customer of a VIP tier; the
  `lang:<code>` skill for a customer whose language is not Chinese. A skill that no one in the
  workspace has is dropped rather than leave the customer waiting for nobody;
- senior: an angry customer or a P1 ticket (seed 002) — and the supervisor is told;
- sticky: the agent who last served this customer within `sticky_days`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.models import Skill, Team, TeamKind
from kefu.channels.models import Channel
from kefu.conversations.models import Conversation, Direction, Message
from kefu.customers.models import Customer
from kefu.routing import core, rules
from kefu.routing.emotion import is_angry
from kefu.routing.models import RoutingSettings
from kefu.tickets.models import Priority, Ticket, TicketConversation
from kefu.tickets.rules import OPEN_STATUSES


@dataclass(frozen=True)
class Assessment:
    needs: core.Needs
    priority: int
    vip: bool
    angry: bool
    p1: bool


def assess(
    session: Session,
    conv: Conversation,
    settings: RoutingSettings,
    context: Mapping[str, Any] | None = None,
) -> Assessment:
    ctx = dict(context or {})
    channel = session.get(Channel, conv.channel_id)
    customer = session.get(Customer, conv.customer_id)
    assert channel is not None and customer is not None
    ws = conv.workspace_id
    wanted: dict[str, int] = {str(k): int(v) for k, v in (ctx.get("skills") or {}).items()}
    vip = customer.tier in settings.vip_tiers
    if vip:
        wanted[settings.vip_skill] = max(wanted.get(settings.vip_skill, 0), 1)
    lang = (customer.locale or "zh").split("-")[0].lower()
    if lang != "zh":
        wanted[f"lang:{lang}"] = max(wanted.get(f"lang:{lang}", 0), 1)
    existing = set(
        session.scalars(select(Skill.name).where(Skill.workspace_id == ws, Skill.name.in_(wanted)))
    )
    skills = {name: level for name, level in wanted.items() if name in existing and level > 0}
    p1 = str(ctx.get("priority", "")).upper() == "P1" or _has_p1_ticket(session, conv.id)
    angry = bool(ctx.get("angry")) or is_angry(str(ctx.get("text") or _last_inbound(session, conv)))
    needs = core.Needs(
        channel_class=rules.CHANNEL_CLASS[channel.kind],
        team_id=_team(session, ws, ctx, settings),
        skills=skills,
        senior=angry or p1,
        sticky_agent_id=_last_agent(session, conv, settings.sticky_days),
    )
    return Assessment(
        needs=needs,
        priority=rules.priority(vip=vip, angry=angry, p1=p1),
        vip=vip,
        angry=angry,
        p1=p1,
    )


def _team(
    session: Session, ws: int, ctx: Mapping[str, Any], settings: RoutingSettings
) -> int | None:
    if ctx.get("team_id") is not None:
        team = session.get(Team, int(ctx["team_id"]))
        if team is not None and team.workspace_id == ws:
            return team.id
    kind = next((k for k in TeamKind if k.value == ctx.get("team_kind")), None)
    if kind is not None:
        found = session.scalar(
            select(Team.id).where(Team.workspace_id == ws, Team.kind == kind).order_by(Team.id)
        )
        if found is not None:
            return int(found)
    return settings.default_team_id


def _has_p1_ticket(session: Session, conversation_id: int) -> bool:
    linked = select(TicketConversation.ticket_id).where(
        TicketConversation.conversation_id == conversation_id
    )
    return bool(
        session.scalar(
            select(func.count()).where(
                Ticket.id.in_(linked),
                Ticket.priority == Priority.P1,
                Ticket.status.in_(OPEN_STATUSES),
            )
        )
    )


def _last_inbound(session: Session, conv: Conversation) -> str:
    return (
        session.scalar(
            select(Message.body)
            .where(Message.conversation_id == conv.id, Message.direction == Direction.inbound)
            .order_by(Message.id.desc())
            .limit(1)
        )
        or ""
    )


def _last_agent(session: Session, conv: Conversation, sticky_days: int) -> int | None:
    """Who last served this customer, on any channel, within `sticky_days` (0: never sticky)."""
    if sticky_days <= 0:
        return None
    since = clock.now() - timedelta(days=sticky_days)
    touched = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    return session.scalar(
        select(Conversation.assignee_id)
        .where(
            Conversation.workspace_id == conv.workspace_id,
            Conversation.customer_id == conv.customer_id,
            Conversation.id != conv.id,
            Conversation.assignee_id.is_not(None),
            touched >= since,
        )
        .order_by(touched.desc(), Conversation.id.desc())
        .limit(1)
    )
