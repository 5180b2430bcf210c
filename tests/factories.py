"""Test data made through the service layer, the way the product makes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, Workspace
from kefu.channels import service as channels
from kefu.channels.models import Channel, ChannelKind
from kefu.customers import service as customers
from kefu.customers.models import Customer, IdentityKind

PASSWORD = "correct-horse-42"


@dataclass
class World:
    workspace: Workspace
    staff: dict[Role, Staff] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)
    chat: Channel | None = None

    def headers(self, role: Role = Role.agent, lang: str = "zh-CN") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", "Accept-Language": lang}

    def actor(self, role: Role = Role.agent) -> Actor:
        s = self.staff[role]
        return Actor.staff(self.workspace.id, s.id, s.role)

    @property
    def system(self) -> Actor:
        return Actor.system(self.workspace.id)


def make_world(session: Session, *, key: str) -> World:
    ws = auth.create_workspace(session, key=key, name=f"{key.title()} Shop")
    world = World(workspace=ws)
    system = Actor.system(ws.id)
    for role in Role:
        # Only the agent gets a password: argon2 is slow on purpose, and only login tests need one.
        staff = auth.create_staff(
            session,
            actor=system,
            email=f"{role.value}@{key}.test",
            name=f"{key}-{role.value}",
            role=role,
            password=PASSWORD if role is Role.agent else None,
        )
        _, raw = auth.issue_token(session, staff=staff, name="test")
        world.staff[role] = staff
        world.tokens[role] = raw
    world.chat = channels.create(
        session, actor=system, kind=ChannelKind.web_chat, name="网页在线客服"
    )
    return world


def make_customer(
    session: Session, world: World, *, name: str = "张伟", phone: str | None = None
) -> Customer:
    identities = [(IdentityKind.phone, phone, True)] if phone else []
    return customers.create(session, actor=world.system, display_name=name, identities=identities)
