"""Tickets: create, find, change, move through the status machine, own, link."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Staff, Team, Workspace
from kefu.auth.permissions import Perm, require
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.errors import Conflict
from kefu.tenancy import get_scoped, paginate, scoped
from kefu.tickets import fields as custom_fields
from kefu.tickets import ownership
from kefu.tickets.models import (
    Priority,
    Ticket,
    TicketConversation,
    TicketStatus,
    TicketTag,
    TicketType,
)
from kefu.tickets.rules import OPEN_STATUSES, check_transition

TICKET = ("工单", "ticket")
TICKET_TYPE = ("工单类型", "ticket type")
STAFF = ("员工", "staff member")
TEAM = ("团队", "team")
CUSTOMER = ("客户", "customer")
CONVERSATION = ("会话", "conversation")


def access(session: Session, *, actor: Actor, ticket_id: int, for_update: bool = False) -> Ticket:
    """The one permission- and workspace-checked way to fetch a ticket (404 if missing or not yours)."""
    require(actor, Perm.read)
    return get_scoped(session, Ticket, ticket_id, actor, what=TICKET, for_update=for_update)


def _next_number(session: Session, workspace_id: int) -> int:
    # The UPDATE takes the workspace row lock, so concurrent creates get distinct numbers.
    return session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(ticket_seq=Workspace.ticket_seq + 1)
        .returning(Workspace.ticket_seq)
    ).scalar_one()


def create(
    session: Session,
    *,
    actor: Actor,
    subject: str,
    description: str = "",
    type_id: int | None = None,
    category: str = "",
    priority: Priority = Priority.P3,
    customer_id: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    order_ref: str = "",
    tags: list[str] | None = None,
    fields: dict[str, Any] | None = None,
    conversation_ids: list[int] | None = None,
) -> Ticket:
    require(actor, Perm.work_tickets)
    values: dict[str, Any] = {}
    if type_id is not None:
        ttype = get_scoped(session, TicketType, type_id, actor, what=TICKET_TYPE)
        values = custom_fields.validate_values(ttype.fields, fields or {})
    elif fields:
        values = custom_fields.validate_values([], fields)  # refuses: no type, no fields
    if customer_id is not None:
        customer = get_scoped(session, Customer, customer_id, actor, what=CUSTOMER)
        customer_id = customer.merged_into_id or customer.id
    if team_id is not None:
        get_scoped(session, Team, team_id, actor, what=TEAM)
    # 首问负责制: the staff member who opens a ticket owns it; otherwise the duty owner holds it
    # until a human takes it, so an open ticket never has no one answering for it.
    taken = owner_id is not None or actor.kind == "staff"
    if owner_id is None:
        owner_id = (
            actor.id
            if actor.kind == "staff" and actor.id is not None
            else (
                ownership.duty_owner(session, workspace_id=actor.workspace_id, team_id=team_id).id
            )
        )
    _check_owner(session, actor, owner_id)
    links = [
        TicketConversation(
            conversation_id=get_scoped(session, Conversation, cid, actor, what=CONVERSATION).id
        )
        for cid in sorted(set(conversation_ids or []))
    ]
    ticket = Ticket(
        workspace_id=actor.workspace_id,
        number=_next_number(session, actor.workspace_id),
        type_id=type_id,
        subject=subject,
        description=description,
        category=category,
        priority=priority,
        status=TicketStatus.open if taken else TicketStatus.new,
        customer_id=customer_id,
        owner_id=owner_id,
        first_owner_id=owner_id if taken else None,
        team_id=team_id,
        order_ref=order_ref,
        custom_fields=values,
        tag_rows=[TicketTag(tag=t) for t in sorted(set(tags or []))],
        conversation_links=links,
    )
    session.add(ticket)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="ticket.created",
        customer_id=customer_id,
        ticket_id=ticket.id,
        payload={
            "number": ticket.number,
            "subject": subject,
            "priority": priority.value,
            "owner_id": owner_id,
            "conversation_ids": [link.conversation_id for link in links],
        },
    )
    return ticket


def _check_owner(session: Session, actor: Actor, owner_id: int) -> Staff:
    staff = get_scoped(session, Staff, owner_id, actor, what=STAFF)
    if not staff.active:
        raise Conflict(
            "staff.inactive",
            zh="该员工已停用，不能负责工单",
            en="a deactivated staff member cannot own tickets",
        )
    return staff


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    owner_id: int | None = None,
    customer_id: int | None = None,
    type_id: int | None = None,
    category: str | None = None,
    tag: str | None = None,
    order_ref: str | None = None,
) -> tuple[list[Ticket], str | None]:
    require(actor, Perm.read)
    stmt = scoped(Ticket, actor)
    for column, value in (
        (Ticket.status, status),
        (Ticket.priority, priority),
        (Ticket.owner_id, owner_id),
        (Ticket.customer_id, customer_id),
        (Ticket.type_id, type_id),
        (Ticket.category, category),
        (Ticket.order_ref, order_ref),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if tag is not None:
        stmt = stmt.where(Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == tag)))
    return paginate(session, stmt, Ticket.id, limit=limit, cursor=cursor)


_SIMPLE_FIELDS = ("subject", "description", "category", "priority", "order_ref")


def update_(session: Session, *, actor: Actor, ticket_id: int, changes: dict[str, Any]) -> Ticket:
    """Change the ticket's fields; each change lands on the timeline with before and after."""
    require(actor, Perm.work_tickets)
    ticket = access(session, actor=actor, ticket_id=ticket_id, for_update=True)
    changed: dict[str, Any] = {}
    for field in _SIMPLE_FIELDS:
        new = changes.get(field)
        if new is not None and getattr(ticket, field) != new:
            changed[field] = {"from": _plain(getattr(ticket, field)), "to": _plain(new)}
            setattr(ticket, field, new)
    if changes.get("tags") is not None:
        new_tags = sorted(set(changes["tags"]))
        if new_tags != ticket.tags:
            changed["tags"] = {"from": ticket.tags, "to": new_tags}
            ticket.tag_rows[:] = [TicketTag(tag=t) for t in new_tags]
    if changes.get("fields") is not None:
        defs = (
            get_scoped(session, TicketType, ticket.type_id, actor, what=TICKET_TYPE).fields
            if ticket.type_id
            else []
        )
        merged = {**ticket.custom_fields, **changes["fields"]}
        values = custom_fields.validate_values(defs, merged)
        if values != ticket.custom_fields:
            changed["fields"] = {"from": ticket.custom_fields, "to": values}
            ticket.custom_fields = values
    if changed:
        ticket.updated_at = clock.now()
        _record(session, actor, ticket, "ticket.updated", changed)
    session.flush()
    return ticket


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Priority | TicketStatus) else value


def transition(
    session: Session, *, actor: Actor, ticket_id: int, to: TicketStatus, note: str = ""
) -> Ticket:
    """Move the ticket along the status machine; an illegal move is a 409 with the allowed ones."""
    require(actor, Perm.work_tickets)
    ticket = access(session, actor=actor, ticket_id=ticket_id, for_update=True)
    current = ticket.status
    check_transition(current, to)
    now = clock.now()
    ticket.status = to
    ticket.updated_at = now
    if to is TicketStatus.resolved:
        ticket.resolved_at = now
    elif to is TicketStatus.closed:
        ticket.closed_at = now
    elif to is TicketStatus.open and current in (TicketStatus.resolved, TicketStatus.closed):
        ticket.resolved_at = ticket.closed_at = None
    reopened = to is TicketStatus.open and current in (TicketStatus.resolved, TicketStatus.closed)
    if reopened:
        # Only open tickets are handed over when their owner leaves: one resting resolved or
        # closed still names them, and must not come back to someone nobody can reach.
        owner = session.get(Staff, ticket.owner_id) if ticket.owner_id is not None else None
        if owner is None or not owner.active:
            _hand_over(session, actor, ticket, leaver_id=ticket.owner_id)
    kind = "ticket.reopened" if reopened else "ticket.status_changed"
    _record(session, actor, ticket, kind, {"from": current.value, "to": to.value, "note": note})
    session.flush()
    return ticket


def assign(
    session: Session, *, actor: Actor, ticket_id: int, owner_id: int, note: str = ""
) -> Ticket:
    """Give the ticket a new owner; the previous one stays a follower on the timeline, and the first
    human ever to own it stays recorded as first owner (首问负责制)."""
    require(actor, Perm.work_tickets)
    ticket = access(session, actor=actor, ticket_id=ticket_id, for_update=True)
    _check_owner(session, actor, owner_id)
    if ticket.owner_id == owner_id and ticket.first_owner_id is not None:
        return ticket
    previous = ticket.owner_id
    ticket.owner_id = owner_id
    if ticket.first_owner_id is None:
        ticket.first_owner_id = owner_id
    if ticket.status is TicketStatus.new:
        ticket.status = TicketStatus.open
    ticket.updated_at = clock.now()
    _record(
        session, actor, ticket, "ticket.assigned", {"from": previous, "to": owner_id, "note": note}
    )
    session.flush()
    return ticket


def link_conversation(
    session: Session, *, actor: Actor, ticket_id: int, conversation_id: int
) -> Ticket:
    require(actor, Perm.work_tickets)
    ticket = access(session, actor=actor, ticket_id=ticket_id, for_update=True)
    conv = get_scoped(session, Conversation, conversation_id, actor, what=CONVERSATION)
    if conv.id not in ticket.conversation_ids:
        ticket.conversation_links.append(TicketConversation(conversation_id=conv.id))
        _record(session, actor, ticket, "ticket.conversation_linked", {"conversation_id": conv.id})
        session.flush()
    return ticket


def _record(
    session: Session, actor: Actor, ticket: Ticket, type: str, payload: dict[str, Any]
) -> None:
    events.record(
        session,
        actor=actor,
        type=type,
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        payload={"number": ticket.number, **payload},
    )


# --- ticket types ------------------------------------------------------------------------------


def create_type(
    session: Session, *, actor: Actor, key: str, name: str, fields: list[dict[str, Any]]
) -> TicketType:
    require(actor, Perm.manage_workspace)
    custom_fields.check_definitions(fields)
    if session.scalars(scoped(TicketType, actor).where(TicketType.key == key)).first():
        raise Conflict(
            "ticket_type.exists", zh=f"工单类型 {key} 已存在", en=f"ticket type {key} exists"
        )
    ttype = TicketType(workspace_id=actor.workspace_id, key=key, name=name, fields=fields)
    session.add(ttype)
    session.flush()
    return ttype


def list_types(session: Session, *, actor: Actor) -> list[TicketType]:
    require(actor, Perm.read)
    return list(session.scalars(scoped(TicketType, actor).order_by(TicketType.id)))


def get_type(session: Session, *, actor: Actor, type_id: int) -> TicketType:
    require(actor, Perm.read)
    return get_scoped(session, TicketType, type_id, actor, what=TICKET_TYPE)


def hand_over_from(session: Session, *, actor: Actor, staff_id: int) -> list[Ticket]:
    """A staff member leaves (deactivated): each of their open tickets goes to the duty owner."""
    moved = list(
        session.scalars(
            select(Ticket)
            .where(
                Ticket.workspace_id == actor.workspace_id,
                Ticket.owner_id == staff_id,
                Ticket.status.in_(OPEN_STATUSES),
            )
            .with_for_update()
        )
    )
    for ticket in moved:
        _hand_over(session, actor, ticket, leaver_id=staff_id)
    session.flush()
    return moved


def _hand_over(session: Session, actor: Actor, ticket: Ticket, *, leaver_id: int | None) -> None:
    """The duty owner takes the ticket of someone who left (or of nobody)."""
    heir = ownership.duty_owner(
        session, workspace_id=ticket.workspace_id, team_id=ticket.team_id, exclude=leaver_id
    )
    ticket.owner_id = heir.id
    ticket.updated_at = clock.now()
    _record(
        session,
        actor,
        ticket,
        "ticket.assigned",
        {"from": leaver_id, "to": heir.id, "note": "离职/停用交接"},
    )
