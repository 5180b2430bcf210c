"""What each role may do. The one place a permission is decided."""

from __future__ import annotations

import enum

from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.errors import Forbidden


class Perm(enum.StrEnum):
    read = "read"  # see customers, conversations, tickets, timelines
    converse = "converse"  # write messages, create conversations
    work_tickets = "work_tickets"  # create, update, transition tickets
    manage_customers = "manage_customers"  # create, edit customers and identities
    merge_customers = "merge_customers"
    manage_teams = "manage_teams"  # teams, skills, memberships
    manage_parties = "manage_parties"
    manage_workspace = "manage_workspace"  # staff, channels, ticket types, tokens


_AGENT = {Perm.read, Perm.converse, Perm.work_tickets, Perm.manage_customers}
_LEAD = _AGENT | {Perm.merge_customers, Perm.manage_teams}
_SUPERVISOR = _LEAD | {Perm.manage_parties}

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.agent: frozenset(_AGENT),
    Role.team_lead: frozenset(_LEAD),
    Role.supervisor: frozenset(_SUPERVISOR),
    Role.admin: frozenset(Perm),
    Role.analyst: frozenset({Perm.read}),
}


def can(actor: Actor, perm: Perm) -> bool:
    if actor.kind == "system":
        return True
    return actor.kind == "staff" and actor.role is not None and perm in ROLE_PERMS[actor.role]


def require(actor: Actor, perm: Perm) -> None:
    if not can(actor, perm):
        raise Forbidden(
            "permission.denied",
            zh=f"您的角色没有此权限（{perm.value}）",
            en=f"your role may not do this ({perm.value})",
        )
