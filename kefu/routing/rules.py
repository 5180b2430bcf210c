"""Routing policies: defaults, channel classes, who counts as senior, how urgent a conversation is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.auth.models import Role
from kefu.auth.permissions import ROLE_PERMS, Perm
from kefu.channels.models import ChannelKind
from kefu.routing.core import CALL, CHAT, CLASSES, EMAIL
from kefu.routing.models import RoutingSettings

# seed 001: agents serve 8–15 chats at once; a phone line is one call; e-mail is answered in turns.
DEFAULT_CAPS: dict[str, int] = {CHAT: 8, CALL: 1, EMAIL: 20}
DEFAULT_VIP_TIERS = ["vip1", "vip2", "vip3", "vip4", "vip5", "svip"]
MAX_CAP = 100

CHANNEL_CLASS: dict[ChannelKind, str] = {
    ChannelKind.web_chat: CHAT,
    ChannelKind.app: CHAT,
    ChannelKind.community: CHAT,
    ChannelKind.api: CHAT,
    ChannelKind.phone: CALL,
    ChannelKind.email: EMAIL,
    ChannelKind.web_form: EMAIL,
}

# Who takes conversations: the roles that may converse (an analyst only reads).
ROUTABLE_ROLES = frozenset(r for r, perms in ROLE_PERMS.items() if Perm.converse in perms)
# Senior (seed 002: an angry customer gets an experienced agent): a team lead or supervisor, or
# an agent with any skill at the workspace's senior level or above.
SENIOR_ROLES = frozenset({Role.team_lead, Role.supervisor})

# Higher is served first. A P1 outranks an angry customer, who outranks a VIP.
PRIORITY_VIP = 10
PRIORITY_ANGRY = 20
PRIORITY_P1 = 40


def defaults(workspace_id: int) -> RoutingSettings:
    """The settings of a workspace that never saved its own (not added to any session)."""
    return RoutingSettings(
        workspace_id=workspace_id,
        caps=dict(DEFAULT_CAPS),
        sticky_days=7,
        overflow_after_s=300,
        overflow=[],
        auto_away_after_min=15,
        senior_level=4,
        default_team_id=None,
        vip_tiers=list(DEFAULT_VIP_TIERS),
        vip_skill="VIP",
        route_on_customer_message=True,
    )


def settings_of(session: Session, workspace_id: int) -> RoutingSettings:
    row = session.scalars(
        select(RoutingSettings).where(RoutingSettings.workspace_id == workspace_id)
    ).first()
    return row if row is not None else defaults(workspace_id)


def caps_for(settings: RoutingSettings, overrides: Mapping[str, Any] | None) -> dict[str, int]:
    """The workspace caps with the agent's own overrides on top."""
    caps = {c: int(settings.caps.get(c, DEFAULT_CAPS[c])) for c in CLASSES}
    for c, value in (overrides or {}).items():
        if c in caps and value is not None:
            caps[c] = int(value)
    return caps


def is_senior(role: Role, skill_levels: Mapping[str, int], senior_level: int) -> bool:
    return role in SENIOR_ROLES or any(lvl >= senior_level for lvl in skill_levels.values())


def overflow_target(settings: RoutingSettings, team_id: int | None) -> int | None:
    for rule in settings.overflow:
        if rule.get("team_id") == team_id:
            return int(rule["to_team_id"])
    return None


def priority(*, vip: bool, angry: bool, p1: bool) -> int:
    return (
        (PRIORITY_VIP if vip else 0) + (PRIORITY_ANGRY if angry else 0) + (PRIORITY_P1 if p1 else 0)
    )
