"""Routes: tickets, their status machine, owners, links, timeline; ticket types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id, text_filter
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.tickets import service as tickets
from kefu.tickets.models import Priority, TicketStatus
from kefu.tickets.schemas import (
    AssignRequest,
    LinkConversationRequest,
    TicketCreate,
    TicketRead,
    TicketTypeCreate,
    TicketTypeRead,
    TicketUpdate,
    TransitionRequest,
)
from kefu.timeline import service as timeline
from kefu.timeline.schemas import EventRead

router = APIRouter(prefix="/api/v1", tags=["tickets"], responses=error_responses())

TicketId = Annotated[int, path_id("ticket id")]
TypeId = Annotated[int, path_id("ticket type id")]


@router.get("/tickets", response_model=Page[TicketRead])
def list_tickets(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: TicketStatus | None = None,
    priority: Priority | None = None,
    owner_id: RefFilter = None,
    customer_id: RefFilter = None,
    type_id: RefFilter = None,
    category: Annotated[str | None, text_filter(64, "exact category")] = None,
    tag: Annotated[str | None, text_filter(64, "tickets with this tag")] = None,
    order_ref: Annotated[str | None, text_filter(64, "exact order reference")] = None,
) -> Any:
    found = tickets.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        priority=priority,
        owner_id=owner_id,
        customer_id=customer_id,
        type_id=type_id,
        category=category,
        tag=tag,
        order_ref=order_ref,
    )
    return Page[TicketRead].of(found, TicketRead.of)


@router.post("/tickets", response_model=TicketRead, status_code=201)
def create_ticket(body: TicketCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="ticket.create",
        request=body,
        make=lambda: TicketRead.of(
            tickets.create(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )


@router.get("/tickets/{ticket_id}", response_model=TicketRead)
def get_ticket(ticket_id: TicketId, ctx: StaffCtx) -> Any:
    return TicketRead.of(tickets.access(ctx.session, actor=ctx.actor, ticket_id=ticket_id))


@router.patch("/tickets/{ticket_id}", response_model=TicketRead)
def update_ticket(ticket_id: TicketId, body: TicketUpdate, ctx: StaffCtx) -> Any:
    ticket = tickets.update_(
        ctx.session,
        actor=ctx.actor,
        ticket_id=ticket_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return ctx.commit(TicketRead.of(ticket))


@router.post("/tickets/{ticket_id}/transition", response_model=TicketRead)
def transition_ticket(ticket_id: TicketId, body: TransitionRequest, ctx: StaffCtx) -> Any:
    """Move along new → open → pending_* → resolved → closed (reopen allowed); illegal → 409."""
    ticket = tickets.transition(
        ctx.session, actor=ctx.actor, ticket_id=ticket_id, to=body.to, note=body.note
    )
    return ctx.commit(TicketRead.of(ticket))


@router.post("/tickets/{ticket_id}/assign", response_model=TicketRead)
def assign_ticket(ticket_id: TicketId, body: AssignRequest, ctx: StaffCtx) -> Any:
    ticket = tickets.assign(
        ctx.session, actor=ctx.actor, ticket_id=ticket_id, owner_id=body.owner_id, note=body.note
    )
    return ctx.commit(TicketRead.of(ticket))


@router.post("/tickets/{ticket_id}/conversations", response_model=TicketRead)
def link_conversation(ticket_id: TicketId, body: LinkConversationRequest, ctx: StaffCtx) -> Any:
    ticket = tickets.link_conversation(
        ctx.session, actor=ctx.actor, ticket_id=ticket_id, conversation_id=body.conversation_id
    )
    return ctx.commit(TicketRead.of(ticket))


@router.get("/tickets/{ticket_id}/timeline", response_model=Page[EventRead])
def ticket_timeline(
    ticket_id: TicketId, ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    ticket = tickets.access(ctx.session, actor=ctx.actor, ticket_id=ticket_id)
    found = timeline.for_subject(
        ctx.session,
        actor=ctx.actor,
        column="ticket_id",
        subject_id=ticket.id,
        limit=limit,
        cursor=cursor,
    )
    return Page[EventRead].of(found, EventRead.model_validate)


@router.get("/ticket-types", response_model=list[TicketTypeRead])
def list_ticket_types(ctx: StaffCtx) -> Any:
    return tickets.list_types(ctx.session, actor=ctx.actor)


@router.post("/ticket-types", response_model=TicketTypeRead, status_code=201)
def create_ticket_type(body: TicketTypeCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="ticket_type.create",
        request=body,
        make=lambda: TicketTypeRead.model_validate(
            tickets.create_type(
                ctx.session,
                actor=ctx.actor,
                key=body.key,
                name=body.name,
                fields=[f.model_dump() for f in body.fields],
            )
        ),
    )


@router.get("/ticket-types/{type_id}", response_model=TicketTypeRead)
def get_ticket_type(type_id: TypeId, ctx: StaffCtx) -> Any:
    return tickets.get_type(ctx.session, actor=ctx.actor, type_id=type_id)
