"""Callbacks: the calls kefu owes customers — each a promise with a due time, routed like a chat.

Asked for in the widget ("call me back"), by the IVR or the shop, or opened by kefu itself when a
call dropped while queuing (kefu.channels.phone). Kept by a later answered outbound call: the
"call" fact keeps the promise (seed 000: "someone will call you within 3 days" — nobody did).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.channels.models import Channel, ChannelKind
from kefu.channels.phone_models import (
    CallbackSource,
    CallbackStatus,
    CallbackTask,
    CallRecord,
)
from kefu.config import get_settings
from kefu.conversations import service as conversations
from kefu.conversations.models import ConversationStatus
from kefu.customers import resolution
from kefu.customers import service as customers
from kefu.customers.models import CustomerIdentity, IdentityKind
from kefu.errors import Conflict, DomainError, Invalid, NotFound
from kefu.privacy import mask_phone
from kefu.routing import service as routing
from kefu.sla import promises
from kefu.sla.models import Promise, PromiseKind, PromiseStatus
from kefu.tenancy import get_scoped, paginate, scoped
from kefu.timeline.models import Event

log = logging.getLogger(__name__)

CALLBACK = ("回电任务", "callback")
CHANNEL = ("渠道", "channel")


def phone_channel(session: Session, *, actor: Actor, channel_id: int | None = None) -> Channel:
    """The phone channel named, else the workspace's first active one."""
    if channel_id is not None:
        channel = get_scoped(session, Channel, channel_id, actor, what=CHANNEL)
        if channel.kind is not ChannelKind.phone:
            raise Invalid("channel.not_phone", zh="该渠道不是电话渠道", en="not a phone channel")
        return channel
    found = session.scalars(
        scoped(Channel, actor)
        .where(Channel.kind == ChannelKind.phone, Channel.active.is_(True))
        .order_by(Channel.id)
    ).first()
    if found is None:
        raise NotFound(
            "phone.no_channel", zh="该店铺未开通电话渠道", en="this shop has no phone channel"
        )
    return found


def keep_by_call(session: Session, actor: Actor, call: CallRecord) -> None:
    """An answered call to the customer keeps the callbacks (and call promises) owed to them."""
    now = clock.now()
    for task in session.scalars(
        select(CallbackTask).where(
            CallbackTask.workspace_id == call.workspace_id,
            CallbackTask.customer_id == call.customer_id,
            CallbackTask.status == CallbackStatus.open,
        )
    ):
        task.status, task.done_at, task.kept_by_call_id = CallbackStatus.done, now, call.id
        events.record(
            session,
            actor=actor,
            type="callback.done",
            customer_id=call.customer_id,
            conversation_id=task.conversation_id,
            payload={"callback_id": task.id, "call_id": call.id, "late": now > task.due_at},
        )
        if task.conversation_id is not None:
            conversations.set_status(
                session,
                actor=Actor.system(call.workspace_id),
                conversation_id=task.conversation_id,
                status=ConversationStatus.closed,
            )
    promises.on_fact(
        session,
        actor=Actor.system(call.workspace_id),
        customer_id=call.customer_id,
        ticket_ids=[],
        fact="call",
        ref=f"call:{call.id}",
    )
    session.flush()


@events.react("conversation.assigned")
def _owner_follows_assignment(session: Session, ev: Event) -> None:
    """The agent routing gives a callback to answers for its promise (reminders go to them)."""
    if ev.conversation_id is None or not ev.payload.get("to"):
        return
    for task in session.scalars(
        select(CallbackTask).where(
            CallbackTask.conversation_id == ev.conversation_id,
            CallbackTask.status == CallbackStatus.open,
        )
    ):
        promise = session.get(Promise, task.promise_id) if task.promise_id else None
        if promise is not None and promise.status is PromiseStatus.open:
            promise.owner_id = ev.payload["to"]


def _phone_of(session: Session, customer_id: int) -> str | None:
    return session.scalars(
        select(CustomerIdentity.value)
        .where(
            CustomerIdentity.customer_id == customer_id,
            CustomerIdentity.kind == IdentityKind.phone,
        )
        .order_by(CustomerIdentity.verified.desc(), CustomerIdentity.id)
    ).first()


def request_callback(
    session: Session,
    *,
    actor: Actor,
    customer_id: int,
    source: CallbackSource,
    number: str | None = None,
    note: str = "",
    within_minutes: int | None = None,
    from_call_id: int | None = None,
) -> CallbackTask:
    """Owe the customer a call: a task with a promise and a due time, routed like a chat.

    A customer who asks twice gets the open task back, not a second one — calling the number
    they gave last (a corrected typo must not send the agent to the old one).
    """
    if actor.kind == "staff":
        require(actor, Perm.converse)
    customer = customers.get(session, actor=actor, customer_id=customer_id)
    customer = resolution.live(session, customer)
    # Checked before the open task is looked at: a bad number is a 422 whether or not one is owed.
    number = customers.normalize_identity(IdentityKind.phone, number) if number else None
    open_task = session.scalars(
        scoped(CallbackTask, actor)
        .where(CallbackTask.customer_id == customer.id, CallbackTask.status == CallbackStatus.open)
        .with_for_update()
    ).first()
    if open_task is not None:
        if number and number != open_task.number:
            _renumber(session, actor, open_task, number)
        return open_task
    number = number or _phone_of(session, customer.id)
    if not number:
        raise Invalid(
            "callback.no_number",
            zh="请留下回电号码",
            en="a phone number to call back is required",
        )
    minutes = within_minutes or get_settings().callback_within_minutes
    due_at = clock.now() + timedelta(minutes=minutes)
    system = Actor.system(actor.workspace_id)
    conv_id = _callback_conversation(session, system, customer.id, number, note)
    promise = promises.make(
        session,
        actor=system,
        customer_id=customer.id,
        kind=PromiseKind.callback,
        text=f"{minutes} 分钟内给您回电（{mask_phone(number)}）· we will call you back within {minutes} min",
        due_at=due_at,
        conversation_id=conv_id,
    )
    task = CallbackTask(
        workspace_id=actor.workspace_id,
        customer_id=customer.id,
        number=number,
        source=source,
        note=note[:500],
        due_at=due_at,
        promise_id=promise.id,
        conversation_id=conv_id,
        from_call_id=from_call_id,
    )
    session.add(task)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="callback.requested",
        customer_id=customer.id,
        conversation_id=conv_id,
        payload={
            "callback_id": task.id,
            "source": source.value,
            "due_at": due_at.isoformat(),
            "number": mask_phone(number),
        },
    )
    if conv_id is not None:
        _route(session, system, conv_id)
    return task


def _renumber(session: Session, actor: Actor, task: CallbackTask, number: str) -> None:
    """The customer gave another number for the call owed: the task, its promise's wording and
    the agent's thread say the new one."""
    old, task.number = task.number, number
    if task.promise_id is not None:
        promise = session.get(Promise, task.promise_id)
        if promise is not None and promise.status is PromiseStatus.open:
            promise.text = promise.text.replace(mask_phone(old), mask_phone(number))
    if task.conversation_id is not None:
        conversations.post_message(
            session,
            actor=Actor.system(task.workspace_id),
            conversation_id=task.conversation_id,
            body=f"回电号码改为 {mask_phone(number)} · callback number changed",
            internal=True,
        )
    events.record(
        session,
        actor=actor,
        type="callback.renumbered",
        customer_id=task.customer_id,
        conversation_id=task.conversation_id,
        payload={"callback_id": task.id, "from": mask_phone(old), "to": mask_phone(number)},
    )
    session.flush()


def _callback_conversation(
    session: Session, system: Actor, customer_id: int, number: str, note: str
) -> int | None:
    """The conversation the callback is routed as (none if the shop has no phone channel)."""
    try:
        channel = phone_channel(session, actor=system)
    except NotFound:
        return None
    conv = conversations.create(
        session,
        actor=system,
        channel_id=channel.id,
        customer_id=customer_id,
        subject=f"回电 callback {mask_phone(number)}",
    )
    conversations.post_message(
        session,
        actor=system,
        conversation_id=conv.id,
        body=f"请回电 {mask_phone(number)}。{note}".strip(),
        internal=True,
    )
    return conv.id


def _route(session: Session, system: Actor, conversation_id: int) -> None:
    """Hand the callback to routing like a chat waiting for a human."""
    try:
        with session.begin_nested():
            routing.need_human(session, system, conversation_id, "callback")
    except DomainError as why:
        log.warning("callback conversation %s not routed: %s", conversation_id, why.en)
    except Exception:  # routing is another module's; the callback and its promise must stand
        log.exception("routing the callback conversation %s failed", conversation_id)


def cancel_callback(
    session: Session, *, actor: Actor, callback_id: int, reason: str
) -> CallbackTask:
    require(actor, Perm.converse)
    task = get_scoped(session, CallbackTask, callback_id, actor, what=CALLBACK, for_update=True)
    if task.status is not CallbackStatus.open:
        raise Conflict(
            "callback.closed", zh="该回电任务已结束", en="this callback is no longer open"
        )
    task.status, task.done_at = CallbackStatus.cancelled, clock.now()
    if task.promise_id is not None:
        promise = session.get(Promise, task.promise_id)
        if promise is not None and promise.status is PromiseStatus.open:
            promises.cancel(session, actor=actor, promise_id=promise.id, reason=reason)
    events.record(
        session,
        actor=actor,
        type="callback.cancelled",
        customer_id=task.customer_id,
        conversation_id=task.conversation_id,
        payload={"callback_id": task.id, "reason": reason},
    )
    session.flush()
    return task


def list_callbacks(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: CallbackStatus | None = None,
    customer_id: int | None = None,
) -> tuple[list[CallbackTask], str | None]:
    if actor.kind == "customer":
        stmt = scoped(CallbackTask, actor).where(CallbackTask.customer_id == actor.id)
    else:
        require(actor, Perm.read)
        stmt = scoped(CallbackTask, actor)
        if customer_id is not None:
            stmt = stmt.where(CallbackTask.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(CallbackTask.status == status)
    return paginate(session, stmt, CallbackTask.id, limit=limit, cursor=cursor)
