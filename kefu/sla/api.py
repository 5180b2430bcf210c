"""Routes: SLA policies and ticket targets, promises, escalation ladder, notifications, metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from kefu import clock
from kefu.auth.permissions import Perm, require
from kefu.channels.widget_api import CustomerCtx
from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.sla import escalation, metrics, notify, promises, service
from kefu.sla.holidays import DEFAULT_PROVIDER, coverage_warning
from kefu.sla.models import PromiseStatus
from kefu.sla.schemas import (
    CalendarStatus,
    CancelIn,
    EscalationRead,
    LevelIn,
    LevelRead,
    Metrics,
    NotificationRead,
    PolicyIn,
    PolicyRead,
    PromiseIn,
    PromiseRead,
    Proposal,
    ProposeIn,
    PublicPromise,
    ReadIn,
    TicketTargetRead,
)

router = APIRouter(prefix="/api/v1", tags=["sla"], responses=error_responses())

PolicyId = Annotated[int, path_id("SLA policy id")]
TicketId = Annotated[int, path_id("ticket id")]
PromiseId = Annotated[int, path_id("promise id")]
SHANGHAI = ZoneInfo("Asia/Shanghai")
Level = Annotated[int, path_id("escalation level (1 = first rung above the owner)")]


def _policy_data(body: PolicyIn) -> dict[str, Any]:
    data = body.model_dump(mode="json")
    data["conditions"] = {k: v for k, v in data["conditions"].items() if v}
    data["calendar"] = {k: v for k, v in data["calendar"].items() if v not in (None, {}, "")}
    if "preset" in data["calendar"]:
        keep = ("preset", "overrides")
        data["calendar"] = {k: v for k, v in data["calendar"].items() if k in keep}
    return data


@router.get("/sla/policies", response_model=list[PolicyRead])
def list_policies(ctx: StaffCtx) -> Any:
    return service.list_policies(ctx.session, actor=ctx.actor)


@router.post("/sla/policies", response_model=PolicyRead, status_code=201)
def create_policy(body: PolicyIn, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="sla.policy.create",
        request=body,
        make=lambda: PolicyRead.model_validate(
            service.create_policy(ctx.session, actor=ctx.actor, data=_policy_data(body))
        ),
    )


@router.put("/sla/policies/{policy_id}", response_model=PolicyRead)
def update_policy(policy_id: PolicyId, body: PolicyIn, ctx: StaffCtx) -> Any:
    policy = service.update_policy(
        ctx.session, actor=ctx.actor, policy_id=policy_id, data=_policy_data(body)
    )
    return ctx.commit(PolicyRead.model_validate(policy))


@router.post("/sla/policies/defaults", response_model=list[PolicyRead])
def install_default_policies(ctx: StaffCtx) -> Any:
    """Add the default templates (cn_rules.md, each with its source) the workspace lacks."""
    added = service.install_defaults(ctx.session, actor=ctx.actor)
    return ctx.commit([PolicyRead.model_validate(p) for p in added])


@router.get("/tickets/{ticket_id}/sla", response_model=list[TicketTargetRead])
def ticket_sla(ticket_id: TicketId, ctx: StaffCtx) -> Any:
    """Each SLA target of the ticket: due time, paused time, met or breached."""
    return service.ticket_targets(ctx.session, actor=ctx.actor, ticket_id=ticket_id)


@router.get("/tickets/{ticket_id}/escalations", response_model=list[EscalationRead])
def ticket_escalations(ticket_id: TicketId, ctx: StaffCtx) -> Any:
    return escalation.of_ticket(ctx.session, actor=ctx.actor, ticket_id=ticket_id)


@router.get("/promises", response_model=Page[PromiseRead])
def list_promises(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    ticket_id: RefFilter = None,
    customer_id: RefFilter = None,
    status: PromiseStatus | None = None,
) -> Any:
    items, nxt = promises.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        ticket_id=ticket_id,
        customer_id=customer_id,
        status=status,
    )
    return Page[PromiseRead](items=[PromiseRead.model_validate(p) for p in items], next_cursor=nxt)


@router.post("/promises", response_model=PromiseRead, status_code=201)
def make_promise(body: PromiseIn, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """Record a promise to a customer: a due time, or `within_business_minutes` on the SLA calendar."""
    return create_once(
        ctx,
        key,
        operation="promise.make",
        request=body,
        make=lambda: PromiseRead.model_validate(
            promises.make(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )


@router.post("/promises/propose", response_model=list[Proposal])
def propose_promises(body: ProposeIn, ctx: StaffCtx) -> Any:
    """Time commitments found in a reply ("三天内给您回电"), for the agent to confirm as promises."""
    return service.propose(ctx.session, actor=ctx.actor, text=body.text, ticket_id=body.ticket_id)


@router.post("/promises/{promise_id}/keep", response_model=PromiseRead)
def keep_promise(promise_id: PromiseId, ctx: StaffCtx) -> Any:
    return ctx.commit(
        PromiseRead.model_validate(
            promises.keep(ctx.session, actor=ctx.actor, promise_id=promise_id)
        )
    )


@router.post("/promises/{promise_id}/cancel", response_model=PromiseRead)
def cancel_promise(promise_id: PromiseId, body: CancelIn, ctx: StaffCtx) -> Any:
    promise = promises.cancel(
        ctx.session, actor=ctx.actor, promise_id=promise_id, reason=body.reason
    )
    return ctx.commit(PromiseRead.model_validate(promise))


@router.get("/widget/promises", response_model=Page[PublicPromise], tags=["widget"])
def my_promises(ctx: CustomerCtx, limit: Limit = 20, cursor: Cursor = None) -> Any:
    """The customer's promises from us: what, and by when."""
    items, nxt = promises.list_(ctx.session, actor=ctx.actor, limit=limit, cursor=cursor)
    return Page[PublicPromise](
        items=[PublicPromise.model_validate(p) for p in items], next_cursor=nxt
    )


@router.get("/escalation-levels", response_model=list[LevelRead])
def list_levels(ctx: StaffCtx) -> Any:
    return escalation.ladder(ctx.session, actor=ctx.actor)


@router.put("/escalation-levels/{level}", response_model=LevelRead)
def set_level(level: Level, body: LevelIn, ctx: StaffCtx) -> Any:
    row = escalation.set_level(ctx.session, actor=ctx.actor, level=level, **body.model_dump())
    return ctx.commit(LevelRead.model_validate(row))


@router.get("/notifications", response_model=Page[NotificationRead])
def my_notifications(
    ctx: StaffCtx, unread: bool = False, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    items, nxt = notify.mine(
        ctx.session, actor=ctx.actor, unread=unread, limit=limit, cursor=cursor
    )
    return Page[NotificationRead](
        items=[NotificationRead.model_validate(n) for n in items], next_cursor=nxt
    )


@router.post("/notifications/read", response_model=dict[str, int])
def read_notifications(body: ReadIn, ctx: StaffCtx) -> Any:
    return ctx.commit(
        {"read": notify.mark_read(ctx.session, actor=ctx.actor, up_to_id=body.up_to_id)}
    )


@router.get("/sla/metrics", response_model=Metrics)
def sla_metrics(
    ctx: StaffCtx,
    since: Annotated[AwareDatetime | None, Query(description="default: 30 days ago")] = None,
    until: Annotated[AwareDatetime | None, Query(description="default: now")] = None,
) -> Any:
    """Promise-kept rate, breaches by target and team, overdue handoffs by party, escalations by
    trigger, and how long customers on open tickets have gone without hearing from us."""
    until = until or clock.now()
    since = since or until - timedelta(days=30)
    return metrics.compute(ctx.session, actor=ctx.actor, since=since, until=until)


@router.get("/sla/calendar-status", response_model=CalendarStatus)
def calendar_status(ctx: StaffCtx) -> Any:
    """Whether holiday data covers this year and next; admins act on the warning before it bites."""
    require(ctx.actor, Perm.read)
    today = clock.now().astimezone(SHANGHAI).date()
    warning = coverage_warning(today)
    return CalendarStatus(
        source=DEFAULT_PROVIDER.source,
        uncovered_years=list(warning.years) if warning else [],
        warning=warning.message(ctx.lang) if warning else None,
    )
