"""Effects at the shop — refunds, address changes, cancellations — delivered through an outbox.

An `Effect` row is written in the transaction of the action that decided it, due at once. The
worker (`deliver_due`, called by every worker pass) claims due effects in a short transaction —
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers take disjoint rows — leasing each
for LEASE by moving its due time; calls the shop through its port *outside* any transaction (a
slow shop must not hold a row lock, nor SQLite's write lock); then records the outcome in a
second short transaction. A failure is retried with exponential backoff; after MAX_ATTEMPTS the
effect is `failed`, listed for agents, who may retry it. A worker that dies mid-call leaves the
lease to expire and the effect is called again. Delivery is therefore at-least-once; the effect's
key, sent as Idempotency-Key, makes the shop apply it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Conflict
from kefu.orders import ingest
from kefu.orders.aftersales_models import Refund, RefundStatus
from kefu.orders.ports import RestShop, ShopError, ShopPort
from kefu.orders.shop_models import Effect, EffectKind, EffectStatus, ShopLink
from kefu.sla import promises
from kefu.tenancy import get_scoped, paginate, scoped

EFFECT = ("店铺操作", "effect")
MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(seconds=5)
RETRY_MAX = timedelta(minutes=30)
LEASE = timedelta(seconds=60)  # longer than any call may take (the REST adapter times out at 5 s)
BATCH = 20

# One connection pool for every call to every shop (httpx clients are thread-safe).
_client = httpx.Client(timeout=5, trust_env=False)


def reset_client() -> None:
    """Close the pooled connections (tests and benchmarks whose local shop goes away)."""
    global _client
    old, _client = _client, httpx.Client(timeout=5, trust_env=False)
    old.close()


def _rest(link: ShopLink) -> ShopPort:
    if not link.api_url:
        raise ShopError("no shop API URL configured (PUT /api/v1/shop/settings)")
    return RestShop(link.api_url, link.secret, client=_client)


# How the worker reaches a workspace's shop; tests and the benchmark may swap it.
port_for: Callable[[ShopLink], ShopPort] = _rest


def enqueue(
    session: Session,
    *,
    workspace_id: int,
    kind: EffectKind,
    key: str,
    order_number: str,
    payload: dict[str, Any],
) -> Effect:
    """Record an effect in the caller's transaction, due at once."""
    effect = Effect(
        workspace_id=workspace_id,
        key=key,
        kind=kind,
        order_number=order_number,
        payload=payload,
        next_attempt_at=clock.now(),
    )
    session.add(effect)
    session.flush()
    return effect


def pay_refund(session: Session, refund: Refund, **payload: Any) -> Effect:
    """Record the refund and the shop effect that pays it, keyed alike: it happens once."""
    session.add(refund)
    session.flush()
    return enqueue(
        session,
        workspace_id=refund.workspace_id,
        kind=EffectKind.refund,
        key=refund.key,
        order_number=refund.order_number,
        payload={
            "refund_id": refund.id,
            "amount_cents": refund.amount_cents,
            "reason": refund.reason,
            **payload,
        },
    )


@dataclass(frozen=True)
class _Claimed:
    effect: Effect
    port: ShopPort | None
    error: str = ""


def deliver_due(sessions: sessionmaker[Session], *, batch: int = BATCH) -> int:
    """Deliver every effect due now, `batch` at a time; returns how many calls were made."""
    total = 0
    while True:
        claimed = _claim(sessions, batch)
        outcomes: list[tuple[int, str]] = []
        for item in claimed:
            error = item.error
            if item.port is not None:
                try:
                    call(item.port, item.effect)
                except ShopError as exc:
                    error = str(exc) or type(exc).__name__
            outcomes.append((item.effect.id, error))
        if outcomes:
            _settle(sessions, outcomes)
        total += len(claimed)
        if len(claimed) < batch:
            return total


def _claim(sessions: sessionmaker[Session], batch: int) -> list[_Claimed]:
    now = clock.now()
    with sessions() as session:
        stmt = (
            select(Effect)
            .where(Effect.status == EffectStatus.pending, Effect.next_attempt_at <= now)
            .order_by(Effect.next_attempt_at, Effect.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(session.scalars(stmt))
        out = []
        links: dict[int, ShopLink] = {}
        for effect in rows:
            effect.next_attempt_at = now + LEASE  # the lease: nobody else calls it meanwhile
            link = links.get(effect.workspace_id) or shop_link(session, effect.workspace_id)
            try:
                if link is None:  # a shop that never connected: retried, then shown to agents
                    raise ShopError("no shop connected (PUT /api/v1/shop/settings)")
                links[effect.workspace_id] = link
                out.append(_Claimed(effect, port_for(link)))
            except ShopError as exc:
                out.append(_Claimed(effect, None, str(exc)))
        session.commit()
        for item in out:
            session.expunge(item.effect)
        return out


def _settle(sessions: sessionmaker[Session], outcomes: list[tuple[int, str]]) -> None:
    """Record a batch's outcomes in one transaction (error "" means the shop applied it)."""
    with sessions() as session:
        for effect_id, error in outcomes:
            effect = session.get(Effect, effect_id, with_for_update=True)
            if effect is None or effect.status is not EffectStatus.pending:
                continue  # an agent or another worker settled it meanwhile
            if error:
                failed(session, effect, error)
            else:
                delivered(session, effect)
        session.commit()


def shop_link(session: Session, workspace_id: int) -> ShopLink | None:
    return session.scalars(select(ShopLink).where(ShopLink.workspace_id == workspace_id)).first()


def call(port: ShopPort, effect: Effect) -> None:
    p = effect.payload
    if effect.kind is EffectKind.refund:
        port.refund(
            key=effect.key,
            order_number=effect.order_number,
            amount_cents=int(p["amount_cents"]),
            reason=str(p.get("reason", "")),
            lines=list(p.get("lines", [])),
        )
    elif effect.kind is EffectKind.address_change:
        port.change_address(
            key=effect.key,
            order_number=effect.order_number,
            name=str(p.get("name", "")),
            phone=str(p.get("phone", "")),
            address=str(p.get("address", "")),
        )
    else:
        port.cancel(key=effect.key, order_number=effect.order_number, reason=str(p.get("reason")))


def delivered(session: Session, effect: Effect) -> None:
    """The shop applied the effect: confirm the refund it carried and keep refund promises."""
    now = clock.now()
    effect.status, effect.delivered_at, effect.attempts = (
        EffectStatus.delivered,
        now,
        effect.attempts + 1,
    )
    effect.last_error = ""
    system = Actor.system(effect.workspace_id)
    order = ingest.order_by_number(session, effect.workspace_id, effect.order_number)
    refund_id = effect.payload.get("refund_id")
    refund = session.get(Refund, refund_id) if refund_id else None
    if refund is not None and refund.status is RefundStatus.pending:
        refund.status, refund.confirmed_at = RefundStatus.confirmed, now
    session.flush()
    customer_id = order.customer_id if order is not None else None
    events.record(
        session,
        actor=system,
        type="order.effect_delivered",
        customer_id=customer_id,
        payload={"effect_id": effect.id, "kind": effect.kind.value, "order": effect.order_number},
    )
    if refund is not None and customer_id is not None:
        promises.on_fact(
            session,
            actor=system,
            customer_id=customer_id,
            ticket_ids=[],
            fact="refund",
            ref=f"refund:{refund.id}",
        )


def failed(session: Session, effect: Effect, error: str) -> None:
    """One attempt failed: back off and try again, or give up and show it to agents."""
    effect.attempts += 1
    effect.last_error = error[:500]
    if effect.attempts >= MAX_ATTEMPTS:
        effect.status, effect.next_attempt_at = EffectStatus.failed, None
        session.flush()
        order = ingest.order_by_number(session, effect.workspace_id, effect.order_number)
        events.record(
            session,
            actor=Actor.system(effect.workspace_id),
            type="order.effect_failed",
            customer_id=order.customer_id if order is not None else None,
            payload={"effect_id": effect.id, "kind": effect.kind.value, "error": error[:200]},
        )
        return
    effect.next_attempt_at = clock.now() + min(RETRY_BASE * 2 ** (effect.attempts - 1), RETRY_MAX)
    session.flush()


def retry(session: Session, *, actor: Actor, effect_id: int) -> Effect:
    """An agent sends a failed effect again (a fresh round of attempts)."""
    require(actor, Perm.act_on_orders)
    effect = get_scoped(session, Effect, effect_id, actor, what=EFFECT, for_update=True)
    if effect.status is EffectStatus.delivered:
        raise Conflict(
            "effect.delivered", zh="该操作已送达店铺，无需重试", en="already delivered to the shop"
        )
    effect.status, effect.attempts, effect.next_attempt_at = EffectStatus.pending, 0, clock.now()
    session.flush()
    events.record(
        session,
        actor=actor,
        type="order.effect_retried",
        payload={"effect_id": effect.id, "kind": effect.kind.value},
    )
    return effect


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: EffectStatus | None = None,
    order_number: str | None = None,
) -> tuple[list[Effect], str | None]:
    require(actor, Perm.read)
    stmt = scoped(Effect, actor)
    if status is not None:
        stmt = stmt.where(Effect.status == status)
    if order_number is not None:
        stmt = stmt.where(Effect.order_number == order_number)
    return paginate(session, stmt, Effect.id, limit=limit, cursor=cursor)
