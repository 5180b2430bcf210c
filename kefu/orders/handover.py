"""Actions that may need the warehouse or a person: urge shipping (催发货), change the address,
and the review ticket of a refund the policy does not approve by itself.

The customer hears one promise with a due time (kept by the matching fact — a shipment, a
refund — or broken and escalated by the SLA machinery); the warehouse gets a handoff on the
order's ticket when the workspace has a warehouse team with members.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Team, TeamKind
from kefu.errors import Invalid
from kefu.orders import effects, shop
from kefu.orders.access import access_order
from kefu.orders.actions import UNSHIPPED, Done, Refused, audit
from kefu.orders.aftersales_models import AfterSale
from kefu.orders.models import Order, OrderStatus
from kefu.orders.rules import Policy
from kefu.orders.shop_models import Effect, EffectKind
from kefu.sla import handoff_flows, handoffs, outreach, promises
from kefu.sla.models import Promise, PromiseKind, PromiseStatus
from kefu.tickets import service as tickets
from kefu.tickets.models import Priority, Ticket
from kefu.tickets.rules import OPEN_STATUSES


def _worker(actor: Actor) -> Actor:
    # Tickets, handoffs and promises for a customer's self-service are opened by the system on
    # their behalf; staff act as themselves (the agent owns what they open — 首问负责制).
    return actor if actor.kind == "staff" else Actor.system(actor.workspace_id)


def order_ticket(
    session: Session,
    actor: Actor,
    order: Order,
    subject: str,
    category: str,
    priority: Priority = Priority.P3,
) -> Ticket:
    """The open ticket about this order, or a new one (with the workspace's SLA)."""
    found = session.scalars(
        select(Ticket)
        .where(
            Ticket.workspace_id == order.workspace_id,
            Ticket.order_ref == order.number,
            Ticket.customer_id == order.customer_id,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .order_by(Ticket.id)
    ).first()
    if found is not None:
        return found
    return tickets.create(
        session,
        actor=_worker(actor),
        subject=subject,
        category=category,
        priority=priority,
        customer_id=order.customer_id,
        order_ref=order.number,
    )


def _open_promise(session: Session, ticket: Ticket, kind: PromiseKind) -> Promise | None:
    return session.scalars(
        select(Promise).where(
            Promise.ticket_id == ticket.id,
            Promise.kind == kind,
            Promise.status == PromiseStatus.open,
        )
    ).first()


def warehouse_team(session: Session, workspace_id: int, policy: Policy) -> Team | None:
    stmt = select(Team).where(Team.workspace_id == workspace_id)
    if policy.warehouse_team_id is not None:
        team = session.scalars(stmt.where(Team.id == policy.warehouse_team_id)).first()
    else:
        team = session.scalars(
            stmt.where(Team.kind == TeamKind.warehouse).order_by(Team.id)
        ).first()
    return team if team is not None and handoff_flows.members(team) else None


def _ask_warehouse(
    session: Session, actor: Actor, ticket: Ticket, policy: Policy, question: str, due_at: datetime
) -> int | None:
    team = warehouse_team(session, ticket.workspace_id, policy)
    if team is None:
        return None
    handoff, _ = handoffs.ask(
        session,
        actor=_worker(actor),
        ticket_id=ticket.id,
        team_id=team.id,
        question=question,
        due_at=due_at,
    )
    return handoff.id


# --- urge shipping ------------------------------------------------------------------------------


def check_urge(order: Order) -> None:
    if order.status is OrderStatus.pending_payment or order.paid_at is None:
        raise Refused(
            "order.urge.unpaid",
            zh="订单尚未付款，付款后才会安排发货",
            en="the order is not paid yet; it ships after payment",
        )
    if order.status is not OrderStatus.paid:
        raise Refused(
            "order.urge.not_waiting",
            zh="订单已发货或已结束，无需催发货",
            en="the order has already shipped or ended",
        )


def urge(session: Session, *, actor: Actor, order_id: int) -> Done:
    """Record the urge, hand over to the warehouse, promise the customer a ship-by time."""
    order = access_order(session, actor=actor, order_id=order_id, act=True, for_update=True)
    check_urge(order)
    assert order.paid_at is not None
    policy = shop.policy(session, order.workspace_id)
    now = clock.now()
    ship_by = order.paid_at + timedelta(hours=policy.ship_by_hours)
    if ship_by <= now + timedelta(hours=1):  # already late: a fresh, short, honest deadline
        ship_by = now + timedelta(hours=24)
    ticket = order_ticket(session, actor, order, f"催发货：订单 {order.number}", "shipping")
    promise = _open_promise(session, ticket, PromiseKind.shipment)
    handoff_id = None
    if promise is None:
        when = outreach.local_time(session, order.workspace_id, ship_by)
        promise = promises.make(
            session,
            actor=_worker(actor),
            ticket_id=ticket.id,
            kind=PromiseKind.shipment,
            due_at=ship_by,
            text=f"订单 {order.number} 将于 {when} 前发货",
        )
        handoff_id = _ask_warehouse(
            session,
            actor,
            ticket,
            policy,
            f"客户催发货：订单 {order.number}，承诺 {when} 前发出，请安排",
            min(ship_by, now + timedelta(hours=4)),
        )
    audit(
        session,
        actor,
        order,
        "order.urged",
        {
            "ticket_id": ticket.id,
            "promise_id": promise.id,
            "ship_by": promise.due_at.isoformat(),
            "handoff_id": handoff_id,
        },
    )
    when = outreach.local_time(session, order.workspace_id, promise.due_at)
    return Done(
        "urge",
        "done",
        f"已通知仓库加急，承诺 {when} 前发货",
        f"the warehouse is on it; promised to ship by "
        f"{outreach.local_time(session, order.workspace_id, promise.due_at, 'en')}",
        order,
        ticket_id=ticket.id,
        promise_id=promise.id,
        extra={"ship_by": promise.due_at, "handoff_id": handoff_id},
    )


# --- change the shipping address ----------------------------------------------------------------


def address_window_open(order: Order, policy: Policy, now: datetime) -> bool:
    start = order.paid_at or order.created_at
    return order.warehouse_at is None and now <= start + timedelta(
        minutes=policy.address_change_minutes
    )


def change_address(
    session: Session, *, actor: Actor, order_id: int, name: str, phone: str, address: str
) -> Done:
    """Within the window: changed here and at the shop. Later, before shipping: the warehouse."""
    if not address.strip():
        raise Invalid("order.address.empty", zh="请填写新的收货地址", en="the new address is empty")
    order = access_order(session, actor=actor, order_id=order_id, act=True, for_update=True)
    if order.status not in UNSHIPPED:
        raise Refused(
            "order.address.shipped",
            zh="订单已发货，无法修改地址，可联系快递改派",
            en="the order has shipped; the address can no longer be changed",
        )
    policy = shop.policy(session, order.workspace_id)
    now = clock.now()
    n = len(
        session.scalars(
            select(Effect.id).where(
                Effect.workspace_id == order.workspace_id,
                Effect.order_number == order.number,
                Effect.kind == EffectKind.address_change,
            )
        ).all()
    )
    if address_window_open(order, policy, now):
        order.shipping_name = name or order.shipping_name
        order.shipping_phone = phone or order.shipping_phone
        order.shipping_address = address
        session.flush()
        effect = effects.enqueue(
            session,
            workspace_id=order.workspace_id,
            kind=EffectKind.address_change,
            key=f"address:{order.number}:{n + 1}",
            order_number=order.number,
            payload={
                "name": order.shipping_name,
                "phone": order.shipping_phone,
                "address": address,
            },
        )
        audit(session, actor, order, "order.address_changed", {"effect_id": effect.id})
        return Done(
            "change_address",
            "done",
            "收货地址已修改",
            "shipping address changed",
            order,
            effect_id=effect.id,
        )
    ticket = order_ticket(
        session, actor, order, f"改地址：订单 {order.number}", "address", Priority.P2
    )
    due = promises.due_from(session, ticket=ticket, start=now, business_minutes=120)
    when = outreach.local_time(session, order.workspace_id, due)
    promise = promises.make(
        session,
        actor=_worker(actor),
        ticket_id=ticket.id,
        kind=PromiseKind.other,
        due_at=due,
        text=f"{when} 前答复能否修改订单 {order.number} 的收货地址",
    )
    handoff_id = _ask_warehouse(
        session,
        actor,
        ticket,
        policy,
        f"订单 {order.number} 已到仓库，客户要求改地址为：{name} {phone} {address}",
        due,
    )
    audit(
        session,
        actor,
        order,
        "order.address_change_handed_over",
        {"ticket_id": ticket.id, "promise_id": promise.id, "handoff_id": handoff_id},
    )
    return Done(
        "change_address",
        "handed_over",
        f"订单已进入仓库处理，已转仓库修改，{when} 前答复您",
        f"the order is at the warehouse; we asked them and answer by "
        f"{outreach.local_time(session, order.workspace_id, due, 'en')}",
        order,
        ticket_id=ticket.id,
        promise_id=promise.id,
        extra={"handoff_id": handoff_id},
    )


# --- a refund that needs a person ---------------------------------------------------------------


def review_ticket(
    session: Session,
    actor: Actor,
    order: Order,
    case: AfterSale,
    policy: Policy,
    why: tuple[str, str],
) -> tuple[int, int]:
    """A ticket with the SLA for a refund outside the policy, and the customer's promise."""
    ticket = order_ticket(
        session, actor, order, f"退款审核：订单 {order.number}", "refund", Priority.P2
    )
    case.ticket_id = ticket.id
    due = promises.due_from(
        session, ticket=ticket, start=clock.now(), business_minutes=policy.refund_sla_minutes
    )
    when = outreach.local_time(session, order.workspace_id, due)
    promise = promises.make(
        session,
        actor=_worker(actor),
        ticket_id=ticket.id,
        kind=PromiseKind.refund,
        due_at=due,
        text=f"{when} 前处理您的退款申请 {case.number}（{why[0]}）",
    )
    session.flush()
    return ticket.id, promise.id
