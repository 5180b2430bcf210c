"""Routes: the community-group webhook (signed per channel) and the groups' policy and storms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from kefu.channels import community
from kefu.customers.models import IdentityKind
from kefu.errors import Invalid
from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, get_session, path_id
from kefu.http.errors import error_responses
from kefu.http.pages import Page
from kefu.http.types import MediumText, Name

router = APIRouter(prefix="/api/v1", tags=["community"], responses=error_responses())

ChannelId = Annotated[int, path_id("community channel id")]
GroupId = Annotated[int, path_id("community group id")]
ExternalId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f]+$")]


class Member(BaseModel):
    kind: IdentityKind = IdentityKind.member_id
    value: Annotated[str, Field(min_length=1, max_length=254, pattern=r"^[^\x00-\x1f]+$")]
    name: Annotated[str, Field(max_length=120, pattern=r"^[^\x00]*$")] = ""
    phone: Annotated[str, Field(max_length=32, pattern=r"^\+?[0-9\s\-()]*$")] | None = None


class GroupMessageIn(BaseModel):
    group_id: ExternalId
    group_name: Annotated[str, Field(max_length=120, pattern=r"^[^\x00]*$")] = ""
    message_id: ExternalId
    member: Member
    text: Annotated[str, Field(min_length=1, max_length=10_000, pattern=r"^[^\x00]*$")]


class GroupMessageResult(BaseModel):
    message_id: int
    customer_id: int
    topic: str | None
    invitation_conversation_id: int | None
    invitation_text: str | None = Field(description="send this to the member privately")
    reply: str | None = Field(description="post this into the group (group policy), or nothing")
    storm: bool
    duplicate: bool


class GroupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel_id: int
    external_id: str
    name: str
    post_notice: bool
    notice_text: str
    created_at: datetime


class GroupUpdate(BaseModel):
    name: Name | None = None
    post_notice: bool | None = None
    notice_text: MediumText | None = None


class StormRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    group_id: int
    topic: str
    members: int
    started_at: datetime
    last_at: datetime


async def _raw_body(request: Request) -> bytes:
    # The signature covers the exact bytes sent, so the route reads them before any parsing.
    return await request.body()


_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": GroupMessageIn.model_json_schema()}},
    }
}


@router.post(
    "/hooks/community/{channel_id}",
    response_model=GroupMessageResult,
    openapi_extra=_BODY,
    tags=["webhooks"],
)
def community_webhook(
    channel_id: ChannelId,
    raw: Annotated[bytes, Depends(_raw_body)],
    session: Annotated[Session, Depends(get_session)],
    timestamp: Annotated[str | None, Header(alias="X-Kefu-Timestamp", max_length=20)] = None,
    signature: Annotated[str | None, Header(alias="X-Kefu-Signature", max_length=200)] = None,
) -> Any:
    """A group-chat message from the community platform, signed with the channel's
    `webhook_secret` (see docs/channels.md). Answers what to send the member and the group."""
    channel = community.authenticate(
        session, channel_id=channel_id, timestamp=timestamp, signature=signature, body=raw
    )
    try:
        body = GroupMessageIn.model_validate_json(raw)
    except ValidationError as exc:
        raise Invalid(
            "community.bad_body",
            zh="消息格式不正确",
            en=f"malformed group message: {exc.error_count()} problem(s)",
        ) from exc
    got = community.receive(
        session,
        channel=channel,
        group_id=body.group_id,
        group_name=body.group_name,
        message_id=body.message_id,
        member_kind=body.member.kind,
        member_value=body.member.value,
        member_name=body.member.name,
        member_phone=body.member.phone or None,
        text=body.text,
    )
    result = GroupMessageResult(**got.__dict__)
    session.commit()
    return result


@router.get("/community/groups", response_model=Page[GroupRead])
def list_groups(ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None) -> Any:
    found = community.list_groups(ctx.session, actor=ctx.actor, limit=limit, cursor=cursor)
    return Page[GroupRead].of(found, GroupRead.model_validate)


@router.patch("/community/groups/{group_id}", response_model=GroupRead)
def update_group(group_id: GroupId, body: GroupUpdate, ctx: StaffCtx) -> Any:
    """Group policy: whether a neutral notice is posted back, and its text."""
    group = community.update_group(
        ctx.session, actor=ctx.actor, group_id=group_id, changes=body.model_dump(exclude_unset=True)
    )
    return ctx.commit(GroupRead.model_validate(group))


@router.get("/community/storms", response_model=Page[StormRead])
def list_storms(
    ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None, group_id: RefFilter = None
) -> Any:
    """Groups where many members raised one after-sales topic within minutes (supervisors)."""
    found = community.list_storms(
        ctx.session, actor=ctx.actor, limit=limit, cursor=cursor, group_id=group_id
    )
    return Page[StormRead].of(found, StormRead.model_validate)
