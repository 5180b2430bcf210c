"""The promise ledger: what we told a customer we would do, by when — kept, broken or cancelled.

A promise is made by a person (or the bot, or the system after a breach), owned by the ticket's
owner, reminded at 50 % and 90 % of its window, kept by the matching action before it is due, and
broken by a durable timer when it is not — which escalates and tells the customer (see
`kefu.sla.breaches`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.errors import Conflict, Invalid, not_found
from kefu.sla import notify, outreach, policies
from kefu.sla.models import Promise, PromiseKind, PromiseStatus, TicketTarget
from kefu.tenancy import get_scoped, paginate, scoped
from kefu.tickets.models import Ticket
from kefu.timers import service as timers

PROMISE = ("承诺", "promise")
REMIND = "promise.remind"
DUE = "promise.due"
REMIND_AT = (0.5, 0.9)
MAX_AHEAD = timedelta(days=366)

# What keeps a promise of each kind: the fact ("message" — a person's reply, see
# `kefu.sla.reactions` —, "call", "refund", "shipment", …).
KEPT_BY: dict[PromiseKind, frozenset[str]] = {
    PromiseKind.update: frozenset({"message", "call"}),
    PromiseKind.callback: frozenset({"call"}),
    PromiseKind.refund: frozenset({"refund"}),
    PromiseKind.shipment: frozenset({"shipment"}),
    PromiseKind.replacement: frozenset({"replacement", "shipment"}),
    PromiseKind.other: frozenset(),
}


def policy_of(session: Session, ticket: Ticket) -> policies.SlaPolicy | None:
    """The SLA policy the ticket's clocks run on (its calendar places its promises too)."""
    row = session.scalars(
        select(TicketTarget).where(
            TicketTarget.ticket_id == ticket.id, TicketTarget.policy_id.is_not(None)
        )
    ).first()
    return session.get(policies.SlaPolicy, row.policy_id) if row and row.policy_id else None


def due_from(
    session: Session,
    *,
    ticket: Ticket | None,
    start: datetime,
    business_minutes: float = 0,
    business_days: float = 0,
    strict: bool = True,
) -> datetime:
    """`start` + business days and minutes on the ticket's SLA calendar (else the back-office one);
    a fraction of a day ("1.5个工作日") is that share of a working day (see `BusinessCalendar.add`).

    `strict=False` for the system's own ETAs (breach apologies, escalations): a strict calendar's
    refusal there would roll back the breach, or the customer's message that triggered it.
    """
    policy = policy_of(session, ticket) if ticket is not None else None
    calendar = policies.calendar_for(policy, strict=strict)
    return calendar.add(start, days=business_days, minutes=business_minutes).at


def make(
    session: Session,
    *,
    actor: Actor,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    kind: PromiseKind,
    text: str,
    due_at: datetime | None = None,
    within_business_minutes: int | None = None,
    conversation_id: int | None = None,
    replaces_id: int | None = None,
) -> Promise:
    """Record a promise to a customer and arm its reminders and its due timer."""
    if actor.kind == "staff":
        require(actor, Perm.work_tickets)
    now = clock.now()
    ticket = (
        get_scoped(session, Ticket, ticket_id, actor, what=("工单", "ticket"))
        if ticket_id
        else None
    )
    if ticket is not None:
        customer_id = customer_id or ticket.customer_id
    if customer_id is None:
        raise Invalid(
            "promise.no_customer", zh="承诺必须对应一位客户", en="a promise needs a customer"
        )
    customer = get_scoped(session, Customer, customer_id, actor, what=("客户", "customer"))
    if conversation_id is not None:
        _check_conversation(session, actor, conversation_id, customer)
    if (due_at is None) == (within_business_minutes is None):
        raise Invalid(
            "promise.due_required",
            zh="请给出截止时间，或“N 个工作分钟内”（二选一）",
            en="give either a due time or within_business_minutes (one of them)",
        )
    if due_at is None:
        assert within_business_minutes is not None
        due_at = due_from(
            session, ticket=ticket, start=now, business_minutes=within_business_minutes
        )
    if due_at.tzinfo is None:
        raise Invalid(
            "promise.naive_due", zh="截止时间须带时区", en="the due time needs a time zone"
        )
    if due_at <= now:
        raise Invalid(
            "promise.due_past",
            zh="承诺的截止时间已过，请选择将来的时间",
            en="the due time is in the past",
        )
    if due_at > now + MAX_AHEAD:
        raise Invalid(
            "promise.due_far",
            zh="承诺的截止时间不能超过一年",
            en="a promise cannot be due more than a year ahead",
        )
    owner_id = (
        ticket.owner_id if ticket is not None else (actor.id if actor.kind == "staff" else None)
    )
    promise = Promise(
        workspace_id=actor.workspace_id,
        customer_id=customer.id,
        ticket_id=ticket.id if ticket else None,
        conversation_id=conversation_id,
        made_by_kind=actor.kind,
        made_by_id=actor.id,
        owner_id=owner_id,
        kind=kind,
        text=text,
        due_at=due_at,
        replaces_id=replaces_id,
        created_at=now,
    )
    session.add(promise)
    session.flush()
    window = due_at - now
    for share in REMIND_AT:
        timers.schedule(
            session,
            workspace_id=promise.workspace_id,
            kind=REMIND,
            key=f"promise:{promise.id}:{int(share * 100)}",
            due_at=now + window * share,
            payload={"promise_id": promise.id, "share": share},
        )
    timers.schedule(
        session,
        workspace_id=promise.workspace_id,
        kind=DUE,
        key=f"promise:{promise.id}",
        due_at=due_at,
        payload={"promise_id": promise.id},
    )
    _record(
        session,
        actor,
        promise,
        "promise.made",
        {
            "text": text,
            "kind": kind.value,
            "due_at": due_at.isoformat(),
            "replaces_id": replaces_id,
        },
    )
    return promise


def _check_conversation(
    session: Session, actor: Actor, conversation_id: int, customer: Customer
) -> None:
    """The conversation must be this customer's: a breach apology quoting the promise is posted
    there, and another customer (or workspace) must never read it."""
    conv = get_scoped(session, Conversation, conversation_id, actor, what=("会话", "conversation"))
    if _root(session, conv.customer_id) != _root(session, customer.id):
        raise Invalid(
            "promise.conversation_not_customers",
            zh="该会话不属于这位客户，不能用于此承诺",
            en="that conversation belongs to another customer",
        )


def reaches(session: Session, promise: Promise) -> bool:
    """Whether the promise's conversation is its customer's (rows from before that was checked
    may point elsewhere: their breach apology must not go there)."""
    if promise.conversation_id is None:
        return False
    conv = session.get(Conversation, promise.conversation_id)
    return (
        conv is not None
        and conv.workspace_id == promise.workspace_id
        and _root(session, conv.customer_id) == _root(session, promise.customer_id)
    )


def _root(session: Session, customer_id: int) -> int:
    """The customer a (possibly merged) customer now is; merges are never chained."""
    customer = session.get(Customer, customer_id)
    return customer.merged_into_id or customer.id if customer is not None else customer_id


def access(session: Session, *, actor: Actor, promise_id: int, for_update: bool = False) -> Promise:
    if actor.kind == "customer":
        promise = get_scoped(
            session, Promise, promise_id, actor, what=PROMISE, for_update=for_update
        )
        if promise.customer_id != actor.id:
            raise not_found(*PROMISE)
        return promise
    require(actor, Perm.read)
    return get_scoped(session, Promise, promise_id, actor, what=PROMISE, for_update=for_update)


def keep(session: Session, *, actor: Actor, promise_id: int, by: str = "manual") -> Promise:
    """Mark a promise kept (by a person, or by the fact that kept it)."""
    if actor.kind == "staff":
        require(actor, Perm.work_tickets)
    promise = access(session, actor=actor, promise_id=promise_id, for_update=True)
    _settle(session, actor, promise, PromiseStatus.kept, by=by)
    return promise


def cancel(session: Session, *, actor: Actor, promise_id: int, reason: str) -> Promise:
    """Withdraw a promise; the reason is required and lands on the timeline."""
    require(actor, Perm.work_tickets)
    if not reason.strip():
        raise Invalid(
            "promise.reason_required",
            zh="取消承诺须说明原因",
            en="cancelling a promise needs a reason",
        )
    promise = access(session, actor=actor, promise_id=promise_id, for_update=True)
    _settle(session, actor, promise, PromiseStatus.cancelled, reason=reason)
    return promise


def _settle(
    session: Session,
    actor: Actor,
    promise: Promise,
    status: PromiseStatus,
    *,
    by: str = "",
    reason: str = "",
) -> None:
    if promise.status is not PromiseStatus.open:
        raise Conflict(
            "promise.settled",
            zh=f"该承诺已是「{_STATUS_ZH[promise.status]}」状态",
            en=f"this promise is already {promise.status.value}",
        )
    now = clock.now()
    promise.status = status
    if status is PromiseStatus.kept:
        promise.kept_at, promise.kept_by = now, by[:120]
    elif status is PromiseStatus.cancelled:
        promise.cancelled_at, promise.cancel_reason = now, reason[:500]
    elif status is PromiseStatus.broken:
        promise.broken_at = now
    for share in REMIND_AT:
        timers.cancel(session, kind=REMIND, key=f"promise:{promise.id}:{int(share * 100)}")
    if status is not PromiseStatus.broken:
        timers.cancel(session, kind=DUE, key=f"promise:{promise.id}")
    session.flush()
    _record(session, actor, promise, f"promise.{status.value}", {"by": by, "reason": reason})


_STATUS_ZH = {
    PromiseStatus.open: "进行中",
    PromiseStatus.kept: "已兑现",
    PromiseStatus.broken: "已违约",
    PromiseStatus.cancelled: "已取消",
}


def on_fact(
    session: Session,
    *,
    actor: Actor,
    customer_id: int | None,
    ticket_ids: list[int],
    fact: str,
    ref: str,
) -> list[Promise]:
    """An action happened (a message, a call, a refund …): keep the open promises it fulfils —
    those on the given tickets and the customer's — found in one query."""
    about: list[ColumnElement[bool]] = [Promise.ticket_id.in_(ticket_ids)] if ticket_ids else []
    if customer_id is not None:
        about.append(Promise.customer_id == customer_id)
    if not about:
        return []
    stmt = (
        select(Promise)
        .where(
            Promise.workspace_id == actor.workspace_id,
            Promise.status == PromiseStatus.open,
            Promise.due_at >= clock.now(),
            or_(*about),
        )
        .order_by(Promise.id)
    )
    kept = [p for p in session.scalars(stmt.with_for_update()) if fact in KEPT_BY[p.kind]]
    for promise in kept:
        _settle(session, actor, promise, PromiseStatus.kept, by=ref)
    return kept


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    ticket_id: int | None = None,
    customer_id: int | None = None,
    status: PromiseStatus | None = None,
) -> tuple[list[Promise], str | None]:
    if actor.kind == "customer":
        stmt = scoped(Promise, actor).where(Promise.customer_id == actor.id)
    else:
        require(actor, Perm.read)
        stmt = scoped(Promise, actor)
        if customer_id is not None:
            stmt = stmt.where(Promise.customer_id == customer_id)
    if ticket_id is not None:
        stmt = stmt.where(Promise.ticket_id == ticket_id)
    if status is not None:
        stmt = stmt.where(Promise.status == status)
    return paginate(session, stmt, Promise.id, limit=limit, cursor=cursor)


def _record(
    session: Session, actor: Actor, promise: Promise, type: str, payload: dict[str, object]
) -> None:
    events.record(
        session,
        actor=actor,
        type=type,
        customer_id=promise.customer_id,
        ticket_id=promise.ticket_id,
        payload={"promise_id": promise.id, **payload},
    )


# --- timers ------------------------------------------------------------------------------------


@timers.handler(REMIND)
def _remind(session: Session, timer: timers.Timer) -> None:
    promise = session.get(Promise, timer.payload["promise_id"])
    if promise is None or promise.status is not PromiseStatus.open:
        return
    share = int(float(timer.payload["share"]) * 100)
    due = outreach.local_time(session, promise.workspace_id, promise.due_at)  # as staff read it
    notify.notify(
        session,
        workspace_id=promise.workspace_id,
        staff_id=promise.owner_id,
        kind="promise.reminder",
        ticket_id=promise.ticket_id,
        text=f"承诺「{promise.text[:60]}」已过 {share}% 时限，截止 {due}",
    )
    _record(
        session, Actor.system(promise.workspace_id), promise, "promise.reminded", {"share": share}
    )


@timers.handler(DUE)
def _due(session: Session, timer: timers.Timer) -> None:
    promise = session.get(Promise, timer.payload["promise_id"], with_for_update=True)
    if promise is None or promise.status is not PromiseStatus.open:
        return
    system = Actor.system(promise.workspace_id)
    _settle(session, system, promise, PromiseStatus.broken)
    from kefu.sla import breaches  # breaches builds on promises: import at use to avoid a cycle

    breaches.promise_broken(session, promise)
