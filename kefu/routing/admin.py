"""Routing administration: the workspace's settings, an agent's caps, the agents board."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Staff, Team
from kefu.auth.permissions import Perm, require
from kefu.errors import Invalid
from kefu.routing import presence, rules, service, snapshot
from kefu.routing.core import CLASSES
from kefu.routing.models import RoutingSettings
from kefu.tenancy import get_scoped

TEAM = ("团队", "team")
STAFF = ("员工", "staff member")
FIELDS = (
    "caps",
    "sticky_days",
    "overflow_after_s",
    "overflow",
    "auto_away_after_min",
    "senior_level",
    "default_team_id",
    "vip_tiers",
    "vip_skill",
    "route_on_customer_message",
)


def get_settings(session: Session, *, actor: Actor) -> RoutingSettings:
    require(actor, Perm.manage_routing)
    return rules.settings_of(session, actor.workspace_id)


def update_settings(
    session: Session, *, actor: Actor, changes: Mapping[str, Any]
) -> RoutingSettings:
    """Change some settings (the others keep their value); team ids must be the workspace's."""
    require(actor, Perm.manage_routing)
    if changes.get("default_team_id") is not None:
        get_scoped(session, Team, int(changes["default_team_id"]), actor, what=TEAM)
    for rule in changes.get("overflow") or ():
        get_scoped(session, Team, int(rule["team_id"]), actor, what=TEAM)
        get_scoped(session, Team, int(rule["to_team_id"]), actor, what=TEAM)
    row = session.scalars(
        select(RoutingSettings).where(RoutingSettings.workspace_id == actor.workspace_id)
    ).first()
    if row is None:
        row = rules.defaults(actor.workspace_id)
        session.add(row)
    for name in FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name == "caps":
            value = {
                **rules.DEFAULT_CAPS,
                **row.caps,
                **{k: v for k, v in value.items() if v is not None},
            }
        setattr(row, name, value)
    row.updated_at = clock.now()
    session.flush()
    return row


def set_caps(
    session: Session, *, actor: Actor, staff_id: int, caps: Mapping[str, int | None]
) -> snapshot.AgentInfo:
    """An agent's own caps per channel class (None: back to the workspace's); more room pulls work."""
    require(actor, Perm.manage_routing)
    staff = get_scoped(session, Staff, staff_id, actor, what=STAFF)
    if staff.role not in rules.ROUTABLE_ROLES or not staff.active:
        raise Invalid(
            "routing.not_routable",
            zh="该员工不接待会话（角色不接待或已停用）",
            en="this staff member takes no conversations (their role, or deactivated)",
        )
    row = presence.presence_of(session, workspace_id=actor.workspace_id, staff_id=staff.id)
    merged = dict(row.caps)
    for cls in CLASSES:
        if cls in caps:
            if caps[cls] is None:
                merged.pop(cls, None)
            else:
                merged[cls] = int(caps[cls])  # type: ignore[arg-type]
    row.caps = merged
    session.flush()
    service.pull_for(session, workspace_id=actor.workspace_id, staff_id=staff.id)
    return agents(session, actor=actor, staff_id=staff.id)[0]


def agents(
    session: Session, *, actor: Actor, team_id: int | None = None, staff_id: int | None = None
) -> list[snapshot.AgentInfo]:
    """The routable agents: presence (auto-away applied), load and caps per channel class."""
    require(actor, Perm.read)
    settings = rules.settings_of(session, actor.workspace_id)
    found = snapshot.roster(
        session,
        workspace_id=actor.workspace_id,
        settings=settings,
        now=clock.now(),
        staff_id=staff_id,
    )
    if team_id is not None:
        found = [a for a in found if team_id in a.agent.teams]
    return found
