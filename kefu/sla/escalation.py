"""The escalation ladder: who answers when a case goes wrong, and the promise they make.

An escalation names a senior responder and creates a promise to the customer with a due time
("您好，我是××，我会在××前给您答复"), posted to the customer's last conversation.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, TeamMember
from kefu.auth.permissions import Perm, require
from kefu.errors import Invalid
from kefu.sla import notify, outreach, promises
from kefu.sla.escalation_models import Escalation, EscalationLevel
from kefu.sla.models import PromiseKind
from kefu.tenancy import get_scoped, scoped
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket

TRIGGERS = (
    "sla_breach",
    "promise_breach",
    "handoff_overdue",
    "customer_demand",
    "repeat_contact",
    "idle",
)

# The customer asks for someone senior or threatens a complaint (cn_rules §5 升级机制 triggers).
DEMAND = re.compile(
    r"找(你们)?(的)?(领导|经理|主管|负责人|上级)|投诉|12315|市场监管|消协|消费者协会|媒体|曝光|起诉|律师|法院|"
    r"\b(manager|supervisor|complaint|complain|lawyer|sue|regulator)\b",
    re.IGNORECASE,
)

# A ladder for a workspace that has not configured one: team lead, supervisor, then admin.
DEFAULT_LADDER = (
    (1, "组长", Role.team_lead, 120),
    (2, "主管", Role.supervisor, 60),
    (3, "客户体验经理", Role.admin, 30),
)


def asks_for_escalation(text: str) -> str | None:
    """The phrase in a customer message that asks for a manager or threatens a complaint, if any."""
    match = DEMAND.search(text)
    return match.group(0) if match else None


def set_level(
    session: Session,
    *,
    actor: Actor,
    level: int,
    name: str,
    responder_id: int | None,
    use_team_lead: bool,
    respond_within_minutes: int,
) -> EscalationLevel:
    """Configure one rung; a rung must name who answers (a person, or the owner's team lead)."""
    require(actor, Perm.manage_workspace)
    if responder_id is None and not use_team_lead:
        raise Invalid(
            "escalation.no_responder",
            zh="每一级升级都必须指定负责人（具体员工，或“负责人所在组的组长”）",
            en="every escalation level needs a responder (a staff member, or the owner's team lead)",
        )
    if responder_id is not None:
        staff = get_scoped(session, Staff, responder_id, actor, what=("员工", "staff member"))
        if not staff.active:
            raise Invalid(
                "escalation.inactive", zh="该员工已停用", en="this staff member is deactivated"
            )
    row = session.scalars(
        scoped(EscalationLevel, actor).where(EscalationLevel.level == level)
    ).first()
    if row is None:
        row = EscalationLevel(workspace_id=actor.workspace_id, level=level, name=name)
        session.add(row)
    row.name, row.responder_id, row.use_team_lead = name, responder_id, use_team_lead
    row.respond_within_minutes = respond_within_minutes
    session.flush()
    return row


def ladder(session: Session, *, actor: Actor) -> list[EscalationLevel]:
    require(actor, Perm.read)
    return list(session.scalars(scoped(EscalationLevel, actor).order_by(EscalationLevel.level)))


def _team_lead_of(session: Session, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    teams = select(TeamMember.team_id).where(TeamMember.staff_id == staff_id)
    return session.scalars(
        select(Staff)
        .join(TeamMember, TeamMember.staff_id == Staff.id)
        .where(
            TeamMember.team_id.in_(teams),
            TeamMember.is_lead.is_(True),
            Staff.active.is_(True),
            Staff.id != staff_id,
        )
        .order_by(Staff.id)
    ).first()


def _first_with_role(session: Session, workspace_id: int, role: Role) -> Staff | None:
    return session.scalars(
        select(Staff)
        .where(Staff.workspace_id == workspace_id, Staff.role == role, Staff.active.is_(True))
        .order_by(Staff.id)
    ).first()


def _responder(session: Session, ticket: Ticket, level: int) -> tuple[int, str, Staff, int]:
    """(level, rung name, responder, minutes to answer) for the level, walking up past empty rungs."""
    rungs = list(
        session.scalars(
            select(EscalationLevel)
            .where(EscalationLevel.workspace_id == ticket.workspace_id)
            .order_by(EscalationLevel.level)
        )
    )
    if rungs:
        candidates = [r for r in rungs if r.level >= level] or rungs[-1:]
        for rung in candidates:
            staff = (
                session.get(Staff, rung.responder_id)
                if rung.responder_id
                else _team_lead_of(session, ticket.owner_id)
            )
            if staff is not None and staff.active:
                return rung.level, rung.name, staff, rung.respond_within_minutes
    for lvl, name, role, minutes in DEFAULT_LADDER:
        if lvl < level:
            continue
        staff = _team_lead_of(session, ticket.owner_id) if role is Role.team_lead else None
        staff = staff or _first_with_role(session, ticket.workspace_id, role)
        if staff is not None:
            return lvl, name, staff, minutes
    admin = _first_with_role(session, ticket.workspace_id, Role.admin) or _first_with_role(
        session, ticket.workspace_id, Role.supervisor
    )
    if admin is None:
        raise Invalid(
            "escalation.nobody",
            zh="没有可以接手升级的负责人",
            en="nobody is available to take the escalation",
        )
    return level, "客户体验经理", admin, 30


def escalate(
    session: Session,
    *,
    ticket: Ticket,
    trigger: str,
    reason: str,
    actor: Actor | None = None,
    details: dict[str, object] | None = None,
    replaces_id: int | None = None,
) -> Escalation:
    """Raise the ticket one rung: a named responder, notified, who promises the customer an answer."""
    actor = actor or Actor.system(ticket.workspace_id)
    current = (
        session.scalar(select(func.max(Escalation.level)).where(Escalation.ticket_id == ticket.id))
        or 0
    )
    level, rung_name, responder, minutes = _responder(session, ticket, current + 1)
    due = promises.due_from(
        session, ticket=ticket, start=clock.now(), business_minutes=minutes, strict=False
    )
    # One message carries it all: the apology, where the case stands, who now answers for it, by when.
    text = outreach.escalation_text(
        session, ticket, responder=f"{rung_name}{responder.name}", eta=due
    )
    conversation_id = outreach.tell_customer(session, ticket=ticket, text=text)
    promise = promises.make(
        session,
        actor=Actor.system(ticket.workspace_id),
        ticket_id=ticket.id,
        kind=PromiseKind.update,
        text=text,
        due_at=due,
        conversation_id=conversation_id,
        replaces_id=replaces_id,
    )
    promise.owner_id = responder.id
    row = Escalation(
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.id,
        level=level,
        trigger=trigger,
        reason=reason[:1000],
        responder_id=responder.id,
        promise_id=promise.id,
        details=details or {},
    )
    session.add(row)
    session.flush()
    for staff_id in {responder.id, ticket.owner_id}:
        notify.notify(
            session,
            workspace_id=ticket.workspace_id,
            staff_id=staff_id,
            kind="ticket.escalated",
            ticket_id=ticket.id,
            text=f"工单 #{ticket.number} 升级到{rung_name}{responder.name}：{reason}",
        )
    events.record(
        session,
        actor=actor,
        type="ticket.escalated",
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload={
            "number": ticket.number,
            "level": level,
            "trigger": trigger,
            "reason": reason,
            "responder_id": responder.id,
            "responder": responder.name,
            "promise_id": promise.id,
            "due_at": due.isoformat(),
        },
    )
    return row


def of_ticket(session: Session, *, actor: Actor, ticket_id: int) -> list[Escalation]:
    ticket = tickets.access(session, actor=actor, ticket_id=ticket_id)
    return list(
        session.scalars(
            select(Escalation).where(Escalation.ticket_id == ticket.id).order_by(Escalation.id)
        )
    )


def current_level(session: Session, ticket: Ticket) -> int:
    return (
        session.scalar(select(func.max(Escalation.level)).where(Escalation.ticket_id == ticket.id))
        or 0
    )


def top_level(session: Session, workspace_id: int) -> int:
    """The highest rung: the workspace's own ladder, else the default one."""
    configured = session.scalar(
        select(func.max(EscalationLevel.level)).where(EscalationLevel.workspace_id == workspace_id)
    )
    return configured or DEFAULT_LADDER[-1][0]


def last_responder(session: Session, ticket: Ticket) -> int | None:
    return session.scalar(
        select(Escalation.responder_id)
        .where(Escalation.ticket_id == ticket.id)
        .order_by(Escalation.id.desc())
    )
