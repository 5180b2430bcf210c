"""SLA use cases for the API: policies, a ticket's targets, promise proposals from a reply."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Conflict
from kefu.sla import commitments, outreach, policies, promises, tracking
from kefu.sla.models import PromiseKind, SlaPolicy, TicketTarget
from kefu.tenancy import get_scoped, scoped
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket

POLICY = ("SLA 策略", "SLA policy")


def create_policy(session: Session, *, actor: Actor, data: dict[str, Any]) -> SlaPolicy:
    require(actor, Perm.manage_workspace)
    policies.check(data["conditions"], data["calendar"], data["targets"])
    if session.scalars(scoped(SlaPolicy, actor).where(SlaPolicy.name == data["name"])).first():
        raise Conflict(
            "sla.policy_exists",
            zh=f"策略 {data['name']} 已存在",
            en=f"policy {data['name']} exists",
        )
    policy = SlaPolicy(workspace_id=actor.workspace_id, **data)
    session.add(policy)
    session.flush()
    return policy


def update_policy(
    session: Session, *, actor: Actor, policy_id: int, data: dict[str, Any]
) -> SlaPolicy:
    """Replace a policy's settings; tickets already running keep the clocks they were given."""
    require(actor, Perm.manage_workspace)
    policies.check(data["conditions"], data["calendar"], data["targets"])
    policy = get_scoped(session, SlaPolicy, policy_id, actor, what=POLICY, for_update=True)
    for key, value in data.items():
        setattr(policy, key, value)
    session.flush()
    return policy


def list_policies(session: Session, *, actor: Actor) -> list[SlaPolicy]:
    require(actor, Perm.read)
    return list(
        session.scalars(scoped(SlaPolicy, actor).order_by(SlaPolicy.position, SlaPolicy.id))
    )


def install_defaults(session: Session, *, actor: Actor) -> list[SlaPolicy]:
    require(actor, Perm.manage_workspace)
    return policies.install_templates(session, workspace_id=actor.workspace_id)


def ticket_targets(session: Session, *, actor: Actor, ticket_id: int) -> list[TicketTarget]:
    ticket = tickets.access(session, actor=actor, ticket_id=ticket_id)
    return tracking.targets_of(session, ticket.id)


def propose(
    session: Session, *, actor: Actor, text: str, ticket_id: int | None
) -> list[dict[str, Any]]:
    """Time commitments in a reply, each with its due time placed on the ticket's calendar."""
    require(actor, Perm.work_tickets)
    ticket = tickets.access(session, actor=actor, ticket_id=ticket_id) if ticket_id else None
    now = clock.now()
    out = []
    zone = _reading_zone(session, actor, ticket)
    for found in commitments.find_commitments(text, now=now, tz=zone):
        due = found.due
        if found.business is not None:
            days = found.business.unit == "business_days"
            due = promises.due_from(
                session,
                ticket=ticket,
                start=now,
                business_days=found.business.amount if days else 0,
                business_minutes=0 if days else found.business.amount * 60,
            )
        out.append(
            {
                "phrase": found.phrase,
                "kind": PromiseKind(found.kind),
                "due_at": due,
                "confidence": found.confidence,
            }
        )
    return out


def _reading_zone(session: Session, actor: Actor, ticket: Ticket | None) -> str:
    """Where "tomorrow at 10" is read: on the ticket's SLA calendar, else the workspace's clock."""
    policy = promises.policy_of(session, ticket) if ticket is not None else None
    if policy is not None:
        return policies.calendar_for(policy).spec.timezone
    return outreach.workspace_zone(session, actor.workspace_id).key
