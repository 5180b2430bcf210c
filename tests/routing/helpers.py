"""Building routing scenes through the service layer: agents with skills and teams, customers who
write in, and what they ended up with."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Skill, Staff, Team, TeamKind
from kefu.channels import service as channels
from kefu.channels.models import Channel, ChannelKind
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation
from kefu.customers import service as customers
from kefu.routing import presence
from kefu.routing.models import EntryStatus, Presence, QueueEntry
from tests.factories import World

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai


def skill(s: Session, world: World, name: str) -> Skill:
    found = s.scalars(
        select(Skill).where(Skill.workspace_id == world.workspace.id, Skill.name == name)
    ).first()
    return found or auth.create_skill(s, actor=world.system, name=name)


def team(s: Session, world: World, name: str, kind: TeamKind = TeamKind.frontline) -> Team:
    return auth.create_team(s, actor=world.system, name=name, kind=kind)


def agent(
    s: Session,
    world: World,
    name: str,
    *,
    skills: dict[str, int] | None = None,
    teams: tuple[Team, ...] = (),
    role: Role = Role.agent,
    state: Presence | None = Presence.online,
    lead_of: tuple[Team, ...] = (),
) -> Staff:
    staff = auth.create_staff(
        s, actor=world.system, email=f"{name}@{world.workspace.key}.test", name=name, role=role
    )
    for skill_name, level in (skills or {}).items():
        auth.set_skill(
            s,
            actor=world.system,
            staff_id=staff.id,
            skill_id=skill(s, world, skill_name).id,
            level=level,
        )
    for t in teams:
        auth.set_member(s, actor=world.system, team_id=t.id, staff_id=staff.id)
    for t in lead_of:
        auth.set_member(s, actor=world.system, team_id=t.id, staff_id=staff.id, is_lead=True)
    if state is not None:
        set_state(s, world, staff, state)
    return staff


def as_actor(world: World, staff: Staff) -> Actor:
    return Actor.staff(world.workspace.id, staff.id, staff.role)


def set_state(s: Session, world: World, staff: Staff, state: Presence) -> None:
    presence.set_presence(s, actor=as_actor(world, staff), state=state)


def channel(s: Session, world: World, kind: ChannelKind) -> Channel:
    if kind is ChannelKind.web_chat:
        assert world.chat is not None
        return world.chat
    found = s.scalars(
        select(Channel).where(Channel.workspace_id == world.workspace.id, Channel.kind == kind)
    ).first()
    return found or channels.create(s, actor=world.system, kind=kind, name=f"{kind.value} 渠道")


def customer_writes(
    s: Session,
    world: World,
    text: str = "你好，我想问一下订单",
    *,
    tier: str = "regular",
    locale: str = "zh-CN",
    customer_id: int | None = None,
    kind: ChannelKind = ChannelKind.web_chat,
) -> Conversation:
    """A customer opens a conversation and writes: routing runs in the same transaction."""
    if customer_id is None:
        customer_id = customers.create(
            s, actor=world.system, display_name="顾客", tier=tier, locale=locale
        ).id
    conv = conversations.create(
        s,
        actor=world.system,
        channel_id=channel(s, world, kind).id,
        customer_id=customer_id,
    )
    conversations.post_message(
        s,
        actor=Actor.customer(world.workspace.id, customer_id),
        conversation_id=conv.id,
        body=text,
    )
    s.refresh(conv)
    return conv


def entry_of(s: Session, conv: Conversation) -> QueueEntry | None:
    return s.scalars(
        select(QueueEntry).where(
            QueueEntry.conversation_id == conv.id, QueueEntry.status == EntryStatus.waiting
        )
    ).first()


def close(s: Session, world: World, conv: Conversation) -> None:
    from kefu.conversations.models import ConversationStatus

    conversations.set_status(
        s, actor=world.system, conversation_id=conv.id, status=ConversationStatus.closed
    )
