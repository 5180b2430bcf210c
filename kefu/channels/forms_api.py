"""Routes: forms — the customer's (widget, app) and the shop's or staff's (API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from kefu.channels import forms
from kefu.channels.widget_api import CustomerCtx
from kefu.customers.resolution import Claim
from kefu.customers.schemas import IdentityIn
from kefu.http.deps import Ctx, StaffCtx
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.types import Id, LongText, Name, ShortText, Subject
from kefu.tickets.models import Priority
from kefu.tickets.schemas import FieldValues

router = APIRouter(prefix="/api/v1", tags=["forms"], responses=error_responses())
widget_router = APIRouter(prefix="/api/v1/widget", tags=["widget"], responses=error_responses())

TypeKey = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$", description="form key"),
]


class FormIn(BaseModel):
    subject: Subject
    description: LongText = ""
    fields: FieldValues = {}
    order_ref: ShortText = ""


class ApiFormIn(FormIn):
    customer_id: Id | None = None
    identities: list[IdentityIn] = Field(
        default=[], max_length=10, description="who the customer is, if no customer_id"
    )
    display_name: Name | None = None
    priority: Priority = Priority.P3


class FormField(BaseModel):
    key: str
    label: str
    type: str
    required: bool
    options: list[str]


class FormRead(BaseModel):
    key: str
    name: str
    fields: list[FormField]


class SubmissionRead(BaseModel):
    conversation_id: int
    ticket_id: int
    ticket_number: int
    customer_id: int


def _submission(done: forms.Submitted) -> SubmissionRead:
    return SubmissionRead(
        conversation_id=done.conversation.id,
        ticket_id=done.ticket.id,
        ticket_number=done.ticket.number,
        customer_id=done.conversation.customer_id,
    )


def _submit(ctx: Ctx, type_key: str, body: FormIn, key: str | None, **more: Any) -> Any:
    return create_once(
        ctx,
        key,
        operation=f"form.{type_key}",
        request=body,
        make=lambda: _submission(
            forms.submit(
                ctx.session,
                actor=ctx.actor,
                type_key=type_key,
                subject=body.subject,
                description=body.description,
                fields=body.fields,
                order_ref=body.order_ref,
                **more,
            )
        ),
    )


@widget_router.get("/forms/{type_key}", response_model=FormRead)
def form_definition(type_key: TypeKey, ctx: CustomerCtx) -> Any:
    """The form's fields, to render it (labels, types, required, options)."""
    ttype = forms.form_type(ctx.session, actor=ctx.actor, type_key=type_key)
    return FormRead(
        key=ttype.key,
        name=ttype.name,
        fields=[
            FormField(
                key=f["key"],
                label=f.get("label", f["key"]),
                type=f["type"],
                required=bool(f.get("required")),
                options=list(f.get("options", [])),
            )
            for f in ttype.fields
        ],
    )


@widget_router.post("/forms/{type_key}", response_model=SubmissionRead, status_code=201)
def submit_form(
    type_key: TypeKey, body: FormIn, ctx: CustomerCtx, key: IdempotencyKey = None
) -> Any:
    """Submit a form as the signed-in customer: a ticket of the form's type and its thread."""
    return _submit(ctx, type_key, body, key)


@router.post("/forms/{type_key}", response_model=SubmissionRead, status_code=201)
def submit_form_api(
    type_key: TypeKey, body: ApiFormIn, ctx: StaffCtx, key: IdempotencyKey = None
) -> Any:
    """Submit a form for a customer (the shop's backend, an app server, an agent)."""
    return _submit(
        ctx,
        type_key,
        body,
        key,
        customer_id=body.customer_id,
        identities=[Claim(i.kind, i.value, i.verified) for i in body.identities],
        display_name=body.display_name or "",
        priority=body.priority,
    )
