"""Routing routes in the tenancy/role matrix: presence, the boards, settings, caps, transfer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.models import Role, TeamKind
from kefu.auth.permissions import Perm
from kefu.routing import admin, presence
from kefu.routing.models import Presence
from tests.factories import World
from tests.matrix.base import CUSTOMER, Domain, Rule, Seed, const

RULES = {
    # Anyone on the staff sets their own presence.
    ("PUT", "/api/v1/routing/presence"): Rule(None, body=const({"state": "online"})),
    ("GET", "/api/v1/routing/agents"): Rule(Perm.read),
    ("GET", "/api/v1/routing/queues"): Rule(Perm.read),
    ("GET", "/api/v1/routing/settings"): Rule(Perm.manage_routing),
    ("PUT", "/api/v1/routing/settings"): Rule(
        Perm.manage_routing,
        body=lambda d: {"default_team_id": d.ids["team_id"], "sticky_days": 3},
    ),
    ("PUT", "/api/v1/routing/agents/{staff_id}/caps"): Rule(
        Perm.manage_routing, body=const({"chat": 5, "call": None})
    ),
    ("POST", "/api/v1/routing/conversations/{conversation_id}/transfer"): Rule(
        Perm.converse, body=lambda d: {"team_id": d.ids["team_id"]}
    ),
    # The customer's own conversations only (tested with the widget in tests/routing).
    ("POST", "/api/v1/widget/conversations/{conversation_id}/human"): CUSTOMER,
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    # The workspace's own settings (its team as the default queue) and an agent online, so every
    # board shows rows only this workspace has.
    team_id = base.get("team_id")
    if team_id is None:  # Schemathesis seeds fewer core rows than the matrix
        team_id = auth.create_team(
            s, actor=world.system, name=f"接待 {secret}", kind=TeamKind.frontline
        ).id
    admin.update_settings(
        s,
        actor=world.system,
        changes={"default_team_id": team_id, "vip_skill": f"VIP {secret}"},
    )
    presence.set_presence(s, actor=world.actor(Role.agent), state=Presence.online)
    return Seed(ids={}, secrets=(f"VIP {secret}",))


MATRIX = Domain(rules=RULES, seed=seed)
