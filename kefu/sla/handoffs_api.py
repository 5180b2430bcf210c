"""Routes: handoffs — ask a team or a party about a ticket, answer, cancel, list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.sla import handoff_list, handoffs
from kefu.sla.escalation_models import HandoffStatus
from kefu.sla.handoff_schemas import (
    HandoffAnswer,
    HandoffCancel,
    HandoffCreate,
    HandoffCreated,
    HandoffRead,
    PortalLink,
)

router = APIRouter(prefix="/api/v1", tags=["handoffs"], responses=error_responses())

TicketId = Annotated[int, path_id("ticket id")]
HandoffId = Annotated[int, path_id("handoff id")]


@router.post("/tickets/{ticket_id}/handoffs", response_model=HandoffCreated, status_code=201)
def ask(ticket_id: TicketId, body: HandoffCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """Ask an internal team or an external party; the ticket waits (pending_internal) meanwhile.

    For a party the response carries the portal link once; only its hash is stored, so a replay
    of this request (same Idempotency-Key) returns `portal_url: null`.
    """
    tokens: list[str | None] = []

    def make() -> HandoffCreated:
        handoff, token = handoffs.ask(
            ctx.session, actor=ctx.actor, ticket_id=ticket_id, **body.model_dump()
        )
        tokens.append(token)
        return HandoffCreated(**HandoffRead.of(handoff).model_dump())

    out = create_once(ctx, key, operation=f"handoff.create:{ticket_id}", request=body, make=make)
    if isinstance(out, JSONResponse) or not tokens or tokens[0] is None:
        return out
    return out.model_copy(update={"portal_url": handoffs.portal_path(tokens[0])})


@router.get("/tickets/{ticket_id}/handoffs", response_model=list[HandoffRead])
def list_for_ticket(ticket_id: TicketId, ctx: StaffCtx) -> Any:
    """The ticket's handoffs: open ones first, the most overdue first."""
    items, _ = handoff_list.list_(ctx.session, actor=ctx.actor, ticket_id=ticket_id, limit=200)
    return [HandoffRead.of(h) for h in items]


@router.get("/handoffs", response_model=Page[HandoffRead])
def list_handoffs(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    team_id: RefFilter = None,
    party_id: RefFilter = None,
    status: HandoffStatus | None = None,
) -> Any:
    """A team's (or a party's) queue: open handoffs first, the most overdue first."""
    items, nxt = handoff_list.list_(
        ctx.session,
        actor=ctx.actor,
        team_id=team_id,
        party_id=party_id,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[HandoffRead](items=[HandoffRead.of(h) for h in items], next_cursor=nxt)


@router.get("/handoffs/{handoff_id}", response_model=HandoffRead)
def get_handoff(handoff_id: HandoffId, ctx: StaffCtx) -> Any:
    return HandoffRead.of(handoffs.access(ctx.session, actor=ctx.actor, handoff_id=handoff_id))


@router.post("/handoffs/{handoff_id}/answer", response_model=HandoffRead)
def answer(handoff_id: HandoffId, body: HandoffAnswer, ctx: StaffCtx) -> Any:
    """Answer (a member of the asked team, the asker, the ticket owner or a lead): the owner is
    notified and the answer becomes an internal note, never a message to the customer."""
    handoff = handoffs.answer(
        ctx.session, actor_or_contact=ctx.actor, handoff_id=handoff_id, answer=body.answer
    )
    return ctx.commit(HandoffRead.of(handoff))


@router.post("/handoffs/{handoff_id}/cancel", response_model=HandoffRead)
def cancel(handoff_id: HandoffId, ctx: StaffCtx, body: HandoffCancel | None = None) -> Any:
    """Withdraw an open handoff (the asker, the ticket owner or a lead); its chases stop."""
    reason = body.reason if body is not None else ""
    handoff = handoffs.cancel(ctx.session, actor=ctx.actor, handoff_id=handoff_id, reason=reason)
    return ctx.commit(HandoffRead.of(handoff))


@router.post("/handoffs/{handoff_id}/portal-link", response_model=PortalLink)
def reissue_portal_link(handoff_id: HandoffId, ctx: StaffCtx) -> Any:
    """A new portal link for an open handoff to a party; the previous link stops working."""
    handoff, token = handoffs.reissue_link(ctx.session, actor=ctx.actor, handoff_id=handoff_id)
    assert handoff.portal_expires_at is not None
    link = PortalLink(
        portal_url=handoffs.portal_path(token), portal_expires_at=handoff.portal_expires_at
    )
    return ctx.commit(link)
