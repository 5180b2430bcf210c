"""Routes: call records from the call centre, callback requests (IVR/API and the widget)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from kefu.channels import phone
from kefu.channels import phone_callbacks as callbacks
from kefu.channels.phone_models import (
    CallbackSource,
    CallbackStatus,
    CallbackTask,
    CallDirection,
    CallOutcome,
    CallRecord,
)
from kefu.channels.widget_api import CustomerCtx
from kefu.errors import Invalid
from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.pages import Page
from kefu.http.types import Id, MediumText, Note, ShortText
from kefu.privacy import mask_phone

router = APIRouter(prefix="/api/v1", tags=["phone"], responses=error_responses())
widget_router = APIRouter(prefix="/api/v1/widget", tags=["widget"], responses=error_responses())

CallId = Annotated[int, path_id("call record id")]
CallbackId = Annotated[int, path_id("callback id")]
PhoneNumber = Annotated[str, Field(min_length=5, max_length=32, pattern=r"^\+?[0-9\s\-()]+$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
MemberId = Annotated[str, Field(min_length=1, max_length=254, pattern=r"^[^\x00-\x1f]+$")]
Url = Annotated[str, Field(max_length=500, pattern=r"^(https?://[^\s\x00]*)?$")]


def _sane(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2200:
        raise ValueError("time out of range (years 2000–2200)")
    return value


When = Annotated[AwareDatetime, AfterValidator(_sane)]


class CallIn(BaseModel):
    external_id: ExternalId = Field(description="the call centre's call id (a repeat is ignored)")
    direction: CallDirection
    number: PhoneNumber = Field(description="the customer's number (caller, or callee if outbound)")
    outcome: CallOutcome
    started_at: When
    ended_at: When | None = None
    wait_s: int = Field(default=0, ge=0, le=86_400, description="seconds waiting in the queue")
    agent_id: Id | None = None
    recording_url: Url = ""
    note: Note = ""
    member_id: MemberId | None = Field(default=None, description="the shop's member id, if known")
    number_verified: bool = False
    channel_id: Id | None = None


class CallRead(BaseModel):
    id: int
    external_id: str
    customer_id: int
    direction: CallDirection
    number_masked: str
    outcome: CallOutcome
    started_at: datetime
    ended_at: datetime | None
    duration_s: int
    wait_s: int
    agent_id: int | None
    recording_url: str
    note: str

    @classmethod
    def of(cls, c: CallRecord) -> CallRead:
        return cls(
            id=c.id,
            external_id=c.external_id,
            customer_id=c.customer_id,
            direction=c.direction,
            number_masked=mask_phone(c.number),
            outcome=c.outcome,
            started_at=c.started_at,
            ended_at=c.ended_at,
            duration_s=c.duration_s,
            wait_s=c.wait_s,
            agent_id=c.agent_id,
            recording_url=c.recording_url,
            note=c.note,
        )


class CallbackIn(BaseModel):
    customer_id: Id | None = None
    number: PhoneNumber | None = None
    member_id: MemberId | None = None
    source: CallbackSource = CallbackSource.ivr
    note: MediumText = ""
    within_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)


class WidgetCallbackIn(BaseModel):
    number: PhoneNumber | None = Field(default=None, description="default: my phone on file")
    note: MediumText = ""


class CallbackCancel(BaseModel):
    reason: Annotated[ShortText, Field(min_length=1)]


class CallbackRead(BaseModel):
    id: int
    customer_id: int
    number_masked: str
    source: CallbackSource
    status: CallbackStatus
    note: str
    due_at: datetime
    promise_id: int | None
    conversation_id: int | None
    from_call_id: int | None
    kept_by_call_id: int | None
    done_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, t: CallbackTask) -> CallbackRead:
        return cls(
            id=t.id,
            customer_id=t.customer_id,
            number_masked=mask_phone(t.number),
            source=t.source,
            status=t.status,
            note=t.note,
            due_at=t.due_at,
            promise_id=t.promise_id,
            conversation_id=t.conversation_id,
            from_call_id=t.from_call_id,
            kept_by_call_id=t.kept_by_call_id,
            done_at=t.done_at,
            created_at=t.created_at,
        )


@router.post("/calls", response_model=CallRead, status_code=201)
def record_call(body: CallIn, ctx: StaffCtx, response: Response) -> Any:
    """A call from the call-centre system; the same `external_id` again answers 200, stored once.

    A call that dropped while queuing (or rang unanswered, or went to voicemail) opens a callback
    task; an answered outbound call keeps the callbacks owed to that customer.
    """
    call, created = phone.record_call(ctx.session, actor=ctx.actor, **body.model_dump())
    if not created:
        response.status_code = 200
    return ctx.commit(CallRead.of(call))


@router.get("/calls", response_model=Page[CallRead])
def list_calls(
    ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None, customer_id: RefFilter = None
) -> Any:
    found = phone.list_calls(
        ctx.session, actor=ctx.actor, limit=limit, cursor=cursor, customer_id=customer_id
    )
    return Page[CallRead].of(found, CallRead.of)


@router.get("/calls/{call_id}", response_model=CallRead)
def get_call(call_id: CallId, ctx: StaffCtx) -> Any:
    return CallRead.of(phone.get_call(ctx.session, actor=ctx.actor, call_id=call_id))


@router.post("/callbacks", response_model=CallbackRead, status_code=201)
def request_callback(body: CallbackIn, ctx: StaffCtx) -> Any:
    """Owe a customer a call (from the IVR, an agent or the shop): a promise with a due time."""
    customer_id = body.customer_id
    if customer_id is None:
        if body.number is None:
            raise Invalid(
                "callback.who",
                zh="请给出客户 ID 或电话号码",
                en="give a customer_id or a number",
            )
        customer_id = phone.caller(
            ctx.session, ctx.actor.workspace_id, body.number, body.member_id, False
        ).id
    task = callbacks.request_callback(
        ctx.session,
        actor=ctx.actor,
        customer_id=customer_id,
        source=body.source,
        number=body.number,
        note=body.note,
        within_minutes=body.within_minutes,
    )
    return ctx.commit(CallbackRead.of(task))


@router.get("/callbacks", response_model=Page[CallbackRead])
def list_callbacks(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: CallbackStatus | None = None,
    customer_id: RefFilter = None,
) -> Any:
    found = callbacks.list_callbacks(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        customer_id=customer_id,
    )
    return Page[CallbackRead].of(found, CallbackRead.of)


@router.post("/callbacks/{callback_id}/cancel", response_model=CallbackRead)
def cancel_callback(callback_id: CallbackId, body: CallbackCancel, ctx: StaffCtx) -> Any:
    task = callbacks.cancel_callback(
        ctx.session, actor=ctx.actor, callback_id=callback_id, reason=body.reason
    )
    return ctx.commit(CallbackRead.of(task))


@widget_router.post("/callbacks", response_model=CallbackRead, status_code=201)
def widget_callback(body: WidgetCallbackIn, ctx: CustomerCtx) -> Any:
    """ "Call me back": the customer gets a promised time; asking again returns the same task."""
    assert ctx.actor.id is not None
    task = callbacks.request_callback(
        ctx.session,
        actor=ctx.actor,
        customer_id=ctx.actor.id,
        source=CallbackSource.widget,
        number=body.number,
        note=body.note,
    )
    return ctx.commit(CallbackRead.of(task))


@widget_router.get("/callbacks", response_model=Page[CallbackRead])
def my_callbacks(ctx: CustomerCtx, limit: Limit = 20, cursor: Cursor = None) -> Any:
    found = callbacks.list_callbacks(ctx.session, actor=ctx.actor, limit=limit, cursor=cursor)
    return Page[CallbackRead].of(found, CallbackRead.of)
