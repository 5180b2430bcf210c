"""Routes: channels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.channels import service as channels
from kefu.channels.schemas import ChannelCreate, ChannelRead, ChannelUpdate
from kefu.http.deps import StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once

router = APIRouter(prefix="/api/v1", tags=["channels"], responses=error_responses())

ChannelId = Annotated[int, path_id("channel id")]


@router.get("/channels", response_model=list[ChannelRead])
def list_channels(ctx: StaffCtx) -> Any:
    return channels.list_(ctx.session, actor=ctx.actor)


@router.post("/channels", response_model=ChannelRead, status_code=201)
def create_channel(body: ChannelCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    return create_once(
        ctx,
        key,
        operation="channel.create",
        request=body,
        make=lambda: ChannelRead.model_validate(
            channels.create(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )


@router.get("/channels/{channel_id}", response_model=ChannelRead)
def get_channel(channel_id: ChannelId, ctx: StaffCtx) -> Any:
    return channels.get(ctx.session, actor=ctx.actor, channel_id=channel_id)


@router.patch("/channels/{channel_id}", response_model=ChannelRead)
def update_channel(channel_id: ChannelId, body: ChannelUpdate, ctx: StaffCtx) -> Any:
    channel = channels.update_(
        ctx.session,
        actor=ctx.actor,
        channel_id=channel_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return ctx.commit(ChannelRead.model_validate(channel))
