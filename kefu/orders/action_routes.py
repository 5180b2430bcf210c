"""The five order actions as routes, mounted twice: for staff and for the widget customer.

Every call is audited: a done action by its own event (in its transaction), a refused one —
policy, bad input, someone else's order, a lost race — by `order.action_refused`, written after
the action's transaction was rolled back, so nothing is half-applied. `Idempotency-Key` makes a
retried request return the first answer instead of acting twice.
"""

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from kefu.errors import Conflict, DomainError
from kefu.http.deps import Ctx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.orders import actions, cancellation, handover, notices, price_protection
from kefu.orders.action_schemas import (
    ActionResult,
    AddressChange,
    CancelRequest,
    PriceProtectionRequest,
    RefundRequest,
)

OrderId = Annotated[int, path_id("order id")]
# Staff acting beside a chat name it: the customer is told the outcome there (在离一体).
TellIn = Annotated[
    int | None,
    Query(alias="conversation_id", ge=1, le=2**62, description="post the outcome there (staff)"),
]


def run(
    ctx: Ctx,
    key: str | None,
    action: str,
    order_id: int,
    body: Any,
    do: Callable[[], actions.Done],
    tell: int | None = None,
) -> ActionResult | JSONResponse:
    def act() -> actions.Done:
        done = do()
        if tell is not None and ctx.actor.kind == "staff":
            notices.tell_customer(ctx.session, actor=ctx.actor, conversation_id=tell, done=done)
        return done

    try:
        return create_once(
            ctx,
            key,
            operation=f"order.{action}:{order_id}",
            request=body,
            make=lambda: ActionResult.of(act(), ctx.lang),
            status_code=200,
        )
    except (DomainError, IntegrityError) as exc:
        ctx.session.rollback()
        refusal = (
            exc
            if isinstance(exc, DomainError)
            else Conflict(
                "order.action.race",
                zh="同一请求正在处理中，请勿重复提交",
                en="the same request is already being processed",
            )
        )
        actions.record_refusal(
            ctx.session,
            actor=ctx.actor,
            action=action,
            order_id=order_id,
            code=refusal.code,
            reason=refusal.en,
        )
        ctx.session.commit()
        raise refusal from None


def action_router(prefix: str, tags: list[str | Enum], ctx_dep: Callable[..., Ctx]) -> APIRouter:
    """The action routes under `prefix`, authenticated by `ctx_dep`."""
    router = APIRouter(prefix=prefix, tags=tags, responses=error_responses())
    CtxDep = Annotated[Ctx, Depends(ctx_dep)]  # noqa: N806 — a type alias, built per mount

    @router.post("/orders/{order_id}/actions/urge", response_model=ActionResult)
    def urge(
        order_id: OrderId, ctx: CtxDep, key: IdempotencyKey = None, tell: TellIn = None
    ) -> Any:
        """催发货: record the urge, ask the warehouse, promise a ship-by time (48 h default)."""
        return run(
            ctx,
            key,
            "urge",
            order_id,
            None,
            lambda: handover.urge(ctx.session, actor=ctx.actor, order_id=order_id),
            tell,
        )

    @router.post("/orders/{order_id}/actions/refund", response_model=ActionResult)
    def refund(
        order_id: OrderId,
        body: RefundRequest,
        ctx: CtxDep,
        key: IdempotencyKey = None,
        tell: TellIn = None,
    ) -> Any:
        """Refund or return request: approved at once within policy, else a ticket with an SLA."""
        return run(
            ctx,
            key,
            "refund",
            order_id,
            body,
            lambda: actions.request_refund(
                ctx.session,
                actor=ctx.actor,
                order_id=order_id,
                reason=body.reason,
                amount_cents=body.amount_cents,
                return_goods=body.return_goods,
                photos=[str(p) for p in body.photos],
            ),
            tell,
        )

    @router.post("/orders/{order_id}/actions/price-protection", response_model=ActionResult)
    def protect_price(
        order_id: OrderId,
        body: PriceProtectionRequest,
        ctx: CtxDep,
        key: IdempotencyKey = None,
        tell: TellIn = None,
    ) -> Any:
        """价保: refund the difference if the item's price dropped within the window (once)."""
        return run(
            ctx,
            key,
            "price_protection",
            order_id,
            body,
            lambda: price_protection.price_protect(
                ctx.session, actor=ctx.actor, order_id=order_id, item_id=body.item_id
            ),
            tell,
        )

    @router.post("/orders/{order_id}/actions/address", response_model=ActionResult)
    def change_address(
        order_id: OrderId,
        body: AddressChange,
        ctx: CtxDep,
        key: IdempotencyKey = None,
        tell: TellIn = None,
    ) -> Any:
        """Change the address: at once within the window, else handed to the warehouse."""
        return run(
            ctx,
            key,
            "change_address",
            order_id,
            body,
            lambda: handover.change_address(
                ctx.session,
                actor=ctx.actor,
                order_id=order_id,
                name=body.name,
                phone=body.phone,
                address=body.address,
            ),
            tell,
        )

    @router.post("/orders/{order_id}/actions/cancel", response_model=ActionResult)
    def cancel(
        order_id: OrderId,
        body: CancelRequest,
        ctx: CtxDep,
        key: IdempotencyKey = None,
        tell: TellIn = None,
    ) -> Any:
        """Cancel an unshipped order (a paid one is refunded in full)."""
        return run(
            ctx,
            key,
            "cancel",
            order_id,
            body,
            lambda: cancellation.cancel(
                ctx.session, actor=ctx.actor, order_id=order_id, reason=body.reason
            ),
            tell,
        )

    return router
