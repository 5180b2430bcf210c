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
    act_on_orders = "act_on_orders"  # refund, change address, cancel, urge — inside the chat
    compensate = "compensate"  # grant remedies within the policy and one's authority
    approve_compensation = "approve_compensation"  # approve grants above an agent's authority
    manage_orders = "manage_orders"  # shop integration: webhook secrets, imports, connectors
    manage_compensation = "manage_compensation"  # compensation rules, budgets
    manage_knowledge = "manage_knowledge"  # KB articles, FAQ, campaigns, intents
    manage_routing = "manage_routing"  # queues, routing rules, others' presence
    supervise = "supervise"  # the supervisor board: listen-in, take over, storms


_AGENT = {
    Perm.read,
    Perm.converse,
    Perm.work_tickets,
    Perm.manage_customers,
    Perm.act_on_orders,
    Perm.compensate,
}
_LEAD = _AGENT | {
    Perm.merge_customers,
    Perm.manage_teams,
    Perm.approve_compensation,
    Perm.manage_knowledge,
    Perm.manage_routing,
    Perm.supervise,
}
_SUPERVISOR = _LEAD | {Perm.manage_parties, Perm.manage_compensation}

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.agent: frozenset(_AGENT),
    Role.team_lead: frozenset(_LEAD),
    Role.supervisor: frozenset(_SUPERVISOR),
    Role.admin: frozenset(Perm),
    Role.analyst: frozenset({Perm.read}),
}


# The bot reads and writes in conversations and hands them over; on orders it acts as the
# verified customer (their own orders only), never with a permission of its own.
BOT_PERMS = frozenset({Perm.read, Perm.converse})


def can(actor: Actor, perm: Perm) -> bool:
    if actor.kind == "system":
        return True
    if actor.kind == "bot":
        return perm in BOT_PERMS
    return actor.kind == "staff" and actor.role is not None and perm in ROLE_PERMS[actor.role]


def require(actor: Actor, perm: Perm) -> None:
    if not can(actor, perm):
        raise Forbidden(
            "permission.denied",
            zh=f"您的角色没有此权限（{perm.value}）",
            en=f"your role may not do this ({perm.value})",
        )
