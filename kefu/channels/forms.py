"""Web forms, app forms and the API (表单化服务): a ticket of a type, with its custom fields.

A form is a ticket type: its fields are the form's fields, checked by the same validation as any
ticket. A submission opens a conversation (the thread the customer and the agent answer in, with
the customer's words as its first message) and a ticket of that type linked to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.channels.models import Channel, ChannelKind
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation
from kefu.customers import resolution
from kefu.customers.resolution import Claim
from kefu.errors import Invalid, NotFound, not_found
from kefu.tenancy import scoped
from kefu.tickets import fields as custom_fields
from kefu.tickets import service as tickets
from kefu.tickets.models import Priority, Ticket, TicketType

FORM = ("表单", "form")
# Which channel a submission arrives on, in order of preference, by who submits it.
CUSTOMER_CHANNELS: tuple[ChannelKind, ...] = (
    ChannelKind.web_form,
    ChannelKind.app,
    ChannelKind.web_chat,
)
API_CHANNELS: tuple[ChannelKind, ...] = (ChannelKind.api, ChannelKind.web_form)


@dataclass
class Submitted:
    conversation: Conversation
    ticket: Ticket


def form_type(session: Session, *, actor: Actor, type_key: str) -> TicketType:
    """The ticket type behind a form (the same 404 for a key of another workspace)."""
    ttype = session.scalars(scoped(TicketType, actor).where(TicketType.key == type_key)).first()
    if ttype is None:
        raise not_found(*FORM)
    return ttype


def _channel(session: Session, actor: Actor, kinds: Sequence[ChannelKind]) -> Channel:
    found = {
        c.kind: c
        for c in session.scalars(
            scoped(Channel, actor)
            .where(Channel.kind.in_(kinds), Channel.active.is_(True))
            .order_by(Channel.id.desc())
        )
    }
    for kind in kinds:
        if kind in found:
            return found[kind]
    raise NotFound("form.no_channel", zh="该店铺未开通表单渠道", en="this shop has no form channel")


def _summary(ttype: TicketType, values: dict[str, Any], description: str) -> str:
    labels = {f["key"]: f.get("label", f["key"]) for f in ttype.fields}
    lines = [description.strip()] if description.strip() else []
    lines += [f"{labels[k]}: {v}" for k, v in values.items()]
    return "\n".join(lines) or ttype.name


def submit(
    session: Session,
    *,
    actor: Actor,
    type_key: str,
    subject: str,
    description: str = "",
    fields: dict[str, Any] | None = None,
    order_ref: str = "",
    priority: Priority = Priority.P3,
    customer_id: int | None = None,
    identities: Sequence[Claim] = (),
    display_name: str = "",
) -> Submitted:
    """A form submission → a conversation and a ticket of the form's type, linked."""
    if actor.kind == "customer":
        customer_id = actor.id
        kinds = CUSTOMER_CHANNELS
    else:
        require(actor, Perm.work_tickets)
        kinds = API_CHANNELS
    ttype = form_type(session, actor=actor, type_key=type_key)
    values = custom_fields.validate_values(ttype.fields, fields or {})  # before anything is made
    system = Actor.system(actor.workspace_id)
    if customer_id is None:
        customer = resolution.resolve(
            session,
            workspace_id=actor.workspace_id,
            claims=identities,
            display_name=display_name,
            source="form",
        )
        if customer is None:
            raise Invalid(
                "form.who",
                zh="请给出客户 ID 或至少一个有效的身份（手机、邮箱、会员号）",
                en="give a customer_id or at least one valid identity (phone, email, member id)",
            )
        customer_id = customer.id
    channel = _channel(session, actor, kinds)
    conv = conversations.create(
        session,
        actor=actor if actor.kind == "customer" else system,
        channel_id=channel.id,
        customer_id=customer_id,
        subject=subject,
    )
    conversations.post_message(
        session,
        actor=Actor.customer(actor.workspace_id, conv.customer_id),
        conversation_id=conv.id,
        body=_summary(ttype, values, description),
    )
    ticket = tickets.create(
        session,
        actor=system,  # the duty owner holds it until a person takes it, as for any web ticket
        subject=subject,
        description=description,
        type_id=ttype.id,
        fields=values,
        priority=priority,
        customer_id=conv.customer_id,
        order_ref=order_ref,
        conversation_ids=[conv.id],
        tags=[channel.kind.value],
    )
    events.record(
        session,
        actor=actor,
        type="form.submitted",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        ticket_id=ticket.id,
        payload={
            "type_key": ttype.key,
            "channel_kind": channel.kind.value,
            "number": ticket.number,
        },
    )
    return Submitted(conversation=conv, ticket=ticket)
