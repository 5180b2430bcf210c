"""Routes: customers, identities, merges, the customer timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.customers.schemas import (
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    IdentityIn,
    IdentityRead,
    MergeRead,
    MergeRequest,
)
from kefu.http.deps import Cursor, Limit, StaffCtx, path_id, text_filter
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.timeline import service as timeline
from kefu.timeline.schemas import EventRead

router = APIRouter(prefix="/api/v1", tags=["customers"], responses=error_responses())

CustomerId = Annotated[int, path_id("customer id")]
MergeId = Annotated[int, path_id("merge id")]


@router.get("/customers", response_model=Page[CustomerRead])
def list_customers(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    tier: Annotated[str | None, text_filter(32, "customers of this tier")] = None,
    tag: Annotated[str | None, text_filter(64, "customers with this tag")] = None,
    identity_kind: IdentityKind | None = None,
    identity_value: Annotated[str | None, Query(max_length=254, pattern=r"^[^\x00]+$")] = None,
    q: Annotated[str | None, Query(max_length=120, pattern=r"^[^\x00]+$")] = None,
) -> Any:
    """Filter by tier, tag, name or exact identity (`identity_kind=phone&identity_value=138…`)."""
    identity = (identity_kind, identity_value) if identity_kind and identity_value else None
    found = customers.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        tier=tier,
        tag=tag,
        identity=identity,
        q=q,
    )
    return Page[CustomerRead].of(found, CustomerRead.of)


@router.post("/customers", response_model=CustomerRead, status_code=201)
def create_customer(body: CustomerCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    def make() -> CustomerRead:
        customer = customers.create(
            ctx.session,
            actor=ctx.actor,
            display_name=body.display_name or "",
            tier=body.tier,
            locale=body.locale,
            note=body.note,
            tags=body.tags,
            identities=[(i.kind, i.value, i.verified) for i in body.identities],
        )
        return CustomerRead.of(customer)

    return create_once(ctx, key, operation="customer.create", request=body, make=make)


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: CustomerId, ctx: StaffCtx) -> Any:
    return CustomerRead.of(customers.get(ctx.session, actor=ctx.actor, customer_id=customer_id))


@router.patch("/customers/{customer_id}", response_model=CustomerRead)
def update_customer(customer_id: CustomerId, body: CustomerUpdate, ctx: StaffCtx) -> Any:
    customer = customers.update_(
        ctx.session,
        actor=ctx.actor,
        customer_id=customer_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return ctx.commit(CustomerRead.of(customer))


@router.post("/customers/{customer_id}/identities", response_model=IdentityRead, status_code=201)
def add_identity(
    customer_id: CustomerId, body: IdentityIn, ctx: StaffCtx, key: IdempotencyKey = None
) -> Any:
    return create_once(
        ctx,
        key,
        operation=f"customer.{customer_id}.identity",
        request=body,
        make=lambda: IdentityRead.of(
            customers.add_identity(
                ctx.session,
                actor=ctx.actor,
                customer_id=customer_id,
                kind=body.kind,
                value=body.value,
                verified=body.verified,
            )
        ),
    )


@router.get("/customers/{customer_id}/timeline", response_model=Page[EventRead])
def customer_timeline(
    customer_id: CustomerId, ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    """Every event of this customer across channels, conversations and tickets, newest first."""
    found = timeline.for_customer(
        ctx.session, actor=ctx.actor, customer_id=customer_id, limit=limit, cursor=cursor
    )
    return Page[EventRead].of(found, EventRead.model_validate)


@router.post("/customer-merges", response_model=MergeRead, status_code=201)
def merge_customers(body: MergeRequest, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """Merge `source` into `target` (audited; undo with POST /customer-merges/{id}/undo)."""
    return create_once(
        ctx,
        key,
        operation="customer.merge",
        request=body,
        make=lambda: MergeRead.model_validate(
            customers.merge(
                ctx.session,
                actor=ctx.actor,
                source_id=body.source_id,
                target_id=body.target_id,
                reason=body.reason,
            )
        ),
    )


@router.post("/customer-merges/{merge_id}/undo", response_model=MergeRead)
def undo_merge(merge_id: MergeId, ctx: StaffCtx) -> Any:
    return ctx.commit(
        MergeRead.model_validate(customers.unmerge(ctx.session, actor=ctx.actor, merge_id=merge_id))
    )
