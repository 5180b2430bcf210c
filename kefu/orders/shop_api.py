"""Routes of the shop integration: signed webhooks in, settings, policy, effects, deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from sqlalchemy.orm import Session

from kefu.auth.models import Workspace
from kefu.auth.permissions import Perm, require
from kefu.errors import DomainError
from kefu.http.deps import Ctx, Cursor, Limit, StaffCtx, get_session, path_id, text_filter
from kefu.http.errors import error_responses
from kefu.http.pages import Page
from kefu.orders import effects, rules, shop, signing
from kefu.orders.action_schemas import (
    DeliveryRead,
    EffectRead,
    PolicyRead,
    SecretRead,
    ShopSettingsRead,
    ShopSettingsUpdate,
)
from kefu.orders.openapi import inline_schema
from kefu.orders.shop_models import EffectStatus, ShopLink
from kefu.orders.shop_schemas import ShopEvent, WebhookResult

router = APIRouter(prefix="/api/v1/shop", tags=["shop"], responses=error_responses())


async def raw_body(request: Request) -> bytes:
    # The signature covers the exact bytes sent: read them before any parsing.
    return await request.body()


_HEADER = {"max_length": 200}


@router.post(
    "/webhooks/{workspace_key}",
    response_model=WebhookResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(ShopEvent)}},
        }
    },
)
def webhook(
    workspace_key: Annotated[str, Path(max_length=64, description="the workspace's key")],
    session: Annotated[Session, Depends(get_session)],
    body: Annotated[bytes, Depends(raw_body)],
    timestamp: Annotated[
        str | None, Header(alias=signing.TIMESTAMP, description="unix seconds", **_HEADER)
    ] = None,
    signature: Annotated[
        str | None,
        Header(
            alias=signing.SIGNATURE,
            description='deprecated: "sha256=" + hex HMAC of "<timestamp>.<body>"',
            **_HEADER,
        ),
    ] = None,
    signature_v2: Annotated[
        str | None,
        Header(
            alias=signing.SIGNATURE_V2,
            description='"sha256=" + hex HMAC of "<timestamp>.<delivery id>.<body>"',
            **_HEADER,
        ),
    ] = None,
    delivery: Annotated[
        str | None, Header(alias=signing.DELIVERY, description="unique per delivery", **_HEADER)
    ] = None,
) -> Any:
    """An event from the shop, authenticated by its HMAC signature (no bearer token).

    200 `applied`, `duplicate` (delivery id — or a body-only signature — seen: nothing done) or
    `stale` (older than stored);
    401 bad signature or timestamp outside ±5 min; 422 malformed or unknown type. Every call is
    recorded in the delivery log (`GET /api/v1/shop/webhook-deliveries`).
    """
    try:
        result = shop.receive(
            session,
            workspace_key=workspace_key,
            body=body,
            timestamp=timestamp,
            signature=signature,
            signature_v2=signature_v2,
            delivery_id=delivery,
        )
    except DomainError:
        session.commit()  # a refusal: its audit row alone (receive rolled the rest back)
        raise
    session.commit()
    return result


def _settings(found: ShopLink, key: str) -> ShopSettingsRead:
    return ShopSettingsRead(
        api_url=found.api_url,
        webhook_path=f"/api/v1/shop/webhooks/{key}",
        secret_hint=found.secret[-4:],
        previous_secret_valid_until=found.previous_until if found.previous_secret else None,
        policy_version=found.policy_version,
    )


def _key(ctx: Ctx) -> str:
    ws = ctx.session.get(Workspace, ctx.actor.workspace_id)
    return ws.key if ws is not None else ""


@router.get("/settings", response_model=ShopSettingsRead)
def get_settings(ctx: StaffCtx) -> Any:
    """Where effects go, and a hint of the webhook secret (never the secret itself)."""
    return ctx.commit(_settings(shop.get_settings(ctx.session, actor=ctx.actor), _key(ctx)))


@router.put("/settings", response_model=ShopSettingsRead)
def put_settings(body: ShopSettingsUpdate, ctx: StaffCtx) -> Any:
    found = shop.update_settings(ctx.session, actor=ctx.actor, api_url=str(body.api_url))
    return ctx.commit(_settings(found, _key(ctx)))


@router.post("/secret/rotate", response_model=SecretRead)
def rotate_secret(ctx: StaffCtx) -> Any:
    """A new webhook secret, shown once; the previous one is accepted for 24 more hours."""
    secret = shop.rotate_secret(ctx.session, actor=ctx.actor)
    found = shop.link(ctx.session, ctx.actor.workspace_id)
    return ctx.commit(SecretRead(secret=secret, previous_secret_valid_until=found.previous_until))


@router.get("/policy", response_model=PolicyRead)
def get_policy(ctx: StaffCtx) -> Any:
    """The self-service policy, defaults filled in."""
    require(ctx.actor, Perm.read)
    found = shop.link(ctx.session, ctx.actor.workspace_id)
    policy = rules.load(found.policy).model_dump(mode="json")
    return ctx.commit(PolicyRead(version=found.policy_version, policy=policy))


@router.put("/policy", response_model=PolicyRead)
def put_policy(body: rules.Policy, ctx: StaffCtx) -> Any:
    """Replace the self-service policy; fields left out take their defaults. Versioned."""
    policy, version = shop.set_policy(ctx.session, actor=ctx.actor, new=body)
    return ctx.commit(PolicyRead(version=version, policy=policy.model_dump(mode="json")))


@router.get("/webhook-deliveries", response_model=Page[DeliveryRead])
def webhook_deliveries(ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """Every webhook call with its outcome (applied, duplicate, stale, rejected and why)."""
    found = shop.deliveries(ctx.session, actor=ctx.actor, limit=limit, cursor=cursor)
    return ctx.commit(Page[DeliveryRead].of(found, DeliveryRead.of))


@router.get("/effects", response_model=Page[EffectRead])
def list_effects(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: EffectStatus | None = None,
    order_number: Annotated[str | None, text_filter(64, "exact order number")] = None,
) -> Any:
    """Effects at the shop, newest first; `status=failed` lists what needs an agent."""
    found = effects.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        order_number=order_number,
    )
    return Page[EffectRead].of(found, EffectRead.of)


@router.post("/effects/{effect_id}/retry", response_model=EffectRead)
def retry_effect(effect_id: Annotated[int, path_id("effect id")], ctx: StaffCtx) -> Any:
    """Send a failed (or still pending) effect again, now."""
    return ctx.commit(
        EffectRead.of(effects.retry(ctx.session, actor=ctx.actor, effect_id=effect_id))
    )
