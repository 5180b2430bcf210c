"""The workspace's link to its shop: secret (rotatable), effects URL, policy; webhook intake.

Webhook contract (docs/shop-integration.md): `POST /api/v1/shop/webhooks/{workspace_key}` with
`X-Kefu-Timestamp`, `X-Kefu-Delivery` (unique per delivery; the shop resends the same id when it
retries) and `X-Kefu-Signature-V2: sha256=HMAC(secret, "<timestamp>.<delivery>.<body>")` — or
only the older `X-Kefu-Signature: sha256=HMAC(secret, "<timestamp>.<body>")` (see signing.py).

- bad or missing signature (a V2 one that is present must be right), timestamp outside ±5 min →
  401; malformed body, unknown type → 422; nothing applied, an audit row written either way;
- a delivery id already applied → 200 `duplicate`, nothing done again (a retry after a lost
  response must not be an error to the shop); so is a body-only signature already accepted,
  whatever delivery id it comes with now (a captured request replayed under a fresh id);
- a payload older than what is stored → 200 `stale`, nothing overwritten.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Conflict, DomainError, Invalid, NotFound, Unauthorized
from kefu.orders import ingest, rules, signing
from kefu.orders.shop_models import DeliveryOutcome, ShopLink, WebhookDelivery
from kefu.orders.shop_schemas import (
    TYPES,
    AfterSaleEvent,
    OrderEvent,
    PriceEvent,
    ScanEvent,
    ShopEvent,
    WebhookResult,
)
from kefu.tenancy import paginate, scoped

ROTATION_GRACE = timedelta(hours=24)
LEGACY = "signed without the delivery id (X-Kefu-Signature only): please send X-Kefu-Signature-V2"
SAME_ID = "delivery id applied before: nothing done"
SAME_SIGNATURE = "signature accepted before, under another delivery id (a replay): nothing done"
_EVENT: TypeAdapter[Any] = TypeAdapter(ShopEvent)


def link(session: Session, workspace_id: int, *, for_update: bool = False) -> ShopLink:
    """The workspace's shop link, created with a fresh secret on first use."""
    stmt = select(ShopLink).where(ShopLink.workspace_id == workspace_id)
    found = session.scalars(stmt.with_for_update() if for_update else stmt).first()
    if found is None:
        found = ShopLink(workspace_id=workspace_id, secret=signing.new_secret(), policy={})
        session.add(found)
        session.flush()
    return found


def policy(session: Session, workspace_id: int) -> rules.Policy:
    """The workspace's self-service policy (the defaults before anyone set one; no write)."""
    found = session.scalars(select(ShopLink.policy).where(ShopLink.workspace_id == workspace_id))
    return rules.load(found.first())


def get_settings(session: Session, *, actor: Actor) -> ShopLink:
    require(actor, Perm.manage_orders)
    return link(session, actor.workspace_id)


def update_settings(session: Session, *, actor: Actor, api_url: str) -> ShopLink:
    require(actor, Perm.manage_orders)
    found = link(session, actor.workspace_id, for_update=True)
    found.api_url = api_url
    session.flush()
    return found


def rotate_secret(session: Session, *, actor: Actor) -> str:
    """A new webhook secret; the old one stays valid for ROTATION_GRACE so the shop can switch."""
    require(actor, Perm.manage_orders)
    found = link(session, actor.workspace_id, for_update=True)
    found.previous_secret, found.previous_until = found.secret, clock.now() + ROTATION_GRACE
    found.secret = signing.new_secret()
    session.flush()
    return found.secret


def set_policy(session: Session, *, actor: Actor, new: rules.Policy) -> tuple[rules.Policy, int]:
    require(actor, Perm.manage_orders)
    found = link(session, actor.workspace_id, for_update=True)
    found.policy = new.model_dump(mode="json")
    found.policy_version += 1
    session.flush()
    return new, found.policy_version


def _secrets(found: ShopLink) -> tuple[str, ...]:
    if found.previous_secret and found.previous_until and clock.now() < found.previous_until:
        return (found.secret, found.previous_secret)
    return (found.secret,)


def receive(
    session: Session,
    *,
    workspace_key: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    delivery_id: str | None,
    signature_v2: str | None = None,
) -> WebhookResult:
    """Verify, then apply one webhook delivery; the caller commits (also after a refusal)."""
    ws = auth.get_workspace_by_key(session, workspace_key)
    if ws is None:
        raise NotFound("shop.unknown_workspace", zh="没有这个店铺", en="no such workspace")
    found = link(session, ws.id)
    delivery = (delivery_id or "").strip()[:128]
    audit = WebhookDelivery(workspace_id=ws.id, delivery_id=delivery, status_code=0)
    try:
        body_only = _authenticate(
            found, body, timestamp, signature, signature_v2, delivery_id or ""
        )
        if body_only is not None and not signature_v2:
            audit.reason = LEGACY  # shown in the delivery log, so the shop's admins see it
        result = _receive(session, found, audit, body, timestamp or "", body_only, delivery)
    except DomainError as exc:
        session.rollback()  # nothing half-applied; then the audit line alone
        session.add(
            WebhookDelivery(
                workspace_id=ws.id,
                delivery_id=delivery,
                type=audit.type,
                outcome=DeliveryOutcome.rejected,
                status_code=exc.status,
                reason=f"{exc.code}: {exc.en}"[:300],
            )
        )
        session.flush()
        raise
    return result


def _authenticate(
    found: ShopLink,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    signature_v2: str | None,
    delivery: str,
) -> str | None:
    """Refuse (401) an unsigned or wrongly signed delivery; return the body-only signature it
    came with, if that one is right (to be remembered: it does not bind the delivery id)."""
    keys = _secrets(found)
    v2 = bool(timestamp and signature_v2) and signing.valid_v2(
        keys, timestamp or "", delivery, body, signature_v2 or ""
    )
    body_only = bool(timestamp and signature) and signing.valid(
        keys, timestamp or "", body, signature or ""
    )
    # A V2 signature that is present must fit: a wrong one is a changed delivery id or body.
    if (signature_v2 and not v2) or not (v2 or body_only):
        raise Unauthorized(
            "webhook.bad_signature", zh="签名无效", en="missing or invalid signature"
        )
    return signature if body_only else None


def _receive(
    session: Session,
    found: ShopLink,
    audit: WebhookDelivery,
    body: bytes,
    timestamp: str,
    body_only: str | None,
    delivery: str,
) -> WebhookResult:
    if not signing.fresh(timestamp):
        raise Unauthorized(
            "webhook.stale_timestamp",
            zh="时间戳超出允许范围（±5 分钟）",
            en="timestamp outside the allowed window (±5 minutes)",
        )
    if not delivery or not delivery.isprintable():
        raise Invalid("webhook.no_delivery_id", zh="缺少投递编号", en="X-Kefu-Delivery missing")
    event = _parse(body, audit)
    system = Actor.system(found.workspace_id)
    if seen := _seen(session, found.workspace_id, delivery, body_only):
        return _duplicate(session, audit, delivery, seen)
    try:
        with session.begin_nested():
            outcome = _apply(session, system, event)
            audit.accepted_id = delivery
            audit.accepted_signature = body_only
            audit.outcome = DeliveryOutcome(outcome)
            audit.status_code = 200
            session.add(audit)
            session.flush()
    except IntegrityError as exc:
        # Another connection committed the same delivery (or created the same order) first.
        if seen := _seen(session, found.workspace_id, delivery, body_only):
            return _duplicate(session, audit, delivery, seen)
        raise Conflict(
            "webhook.race", zh="并发冲突，请重试此投递", en="concurrent update; retry this delivery"
        ) from exc
    return WebhookResult(delivery_id=delivery, outcome=outcome)


def _seen(session: Session, workspace_id: int, delivery: str, body_only: str | None) -> str | None:
    """Why this delivery was applied before (its id, or its body-only signature), or None."""
    match = WebhookDelivery.accepted_id == delivery
    if body_only is not None:
        match = match | (WebhookDelivery.accepted_signature == body_only)
    row = session.execute(
        select(WebhookDelivery.accepted_id).where(
            WebhookDelivery.workspace_id == workspace_id, match
        )
    ).first()
    if row is None:
        return None
    return SAME_ID if row.accepted_id == delivery else SAME_SIGNATURE


def _duplicate(session: Session, audit: WebhookDelivery, delivery: str, why: str) -> WebhookResult:
    session.add(
        WebhookDelivery(
            workspace_id=audit.workspace_id,
            delivery_id=delivery,
            type=audit.type,
            outcome=DeliveryOutcome.duplicate,
            status_code=200,
            reason=why,
        )
    )
    session.flush()
    return WebhookResult(delivery_id=delivery, outcome="duplicate")


def _parse(body: bytes, audit: WebhookDelivery) -> Any:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(
            "webhook.malformed", zh="请求内容不是有效的 JSON", en="the body is not valid JSON"
        ) from exc
    kind = raw.get("type") if isinstance(raw, dict) else None
    audit.type = kind[:64] if isinstance(kind, str) else ""
    if kind not in TYPES:
        raise Invalid(
            "webhook.unknown_type",
            zh=f"未知的事件类型：{str(kind)[:64]}",
            en=f"unknown event type: {str(kind)[:64]}",
        )
    try:
        return _EVENT.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Invalid(
            "webhook.malformed",
            zh=f"事件内容无效：{where}: {first.get('msg', '')}"[:300],
            en=f"invalid payload: {where}: {first.get('msg', '')}"[:300],
        ) from exc


def _apply(session: Session, system: Actor, event: Any) -> ingest.Outcome:
    if isinstance(event, OrderEvent):
        return ingest.apply_order(session, system, event.data)
    if isinstance(event, ScanEvent):
        return ingest.apply_scan(session, system, event.data)
    if isinstance(event, AfterSaleEvent):
        return ingest.apply_after_sale(session, system, event.data)
    assert isinstance(event, PriceEvent)
    return ingest.apply_price(session, system, event.data)


def deliveries(
    session: Session, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    require(actor, Perm.manage_orders)
    return paginate(
        session, scoped(WebhookDelivery, actor), WebhookDelivery.id, limit=limit, cursor=cursor
    )
