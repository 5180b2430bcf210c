"""Order flows: which order → the answer or the action, always as the verified customer.

The customer's own orders come from `kefu.orders.access` (their profile and the profiles merged
into it); an order number they quote is looked up the same way, so another customer's order is
"not found", exactly like a number that does not exist — the bot never says whose it is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kefu.bot.dialogue import handoff
from kefu.bot.dialogue.texts import STATUS, pick, say
from kefu.bot.dialogue.turn import Turn
from kefu.errors import DomainError
from kefu.orders import actions, cancellation, handover, price_protection, views
from kefu.orders.access import access_order, customer_ids
from kefu.orders.models import Order
from kefu.orders.money import format_cents

ORDER_INTENTS = frozenset(
    {
        "where_is_my_order",
        "return_progress",
        "price_protection",
        "refund_return",
        "cancel_order",
        "urge_shipping",
        "change_address",
    }
)
CONFIRM_FIRST = frozenset({"refund_return", "cancel_order"})  # nothing irreversible unasked
RECENT = 5
SCANS_SHOWN = 3
LOCAL = ZoneInfo("Asia/Shanghai")


def own_recent(turn: Turn) -> list[Order]:
    ids = customer_ids(turn.session, turn.customer)
    return list(
        turn.session.scalars(
            select(Order)
            .where(Order.workspace_id == turn.conv.workspace_id, Order.customer_id.in_(ids))
            .order_by(Order.id.desc())
            .limit(RECENT)
        )
    )


def own_by_number(turn: Turn, number: str) -> Order | None:
    """The customer's order with this number, or None — for theirs, others' and missing alike."""
    found = turn.session.scalars(
        select(Order.id).where(Order.workspace_id == turn.conv.workspace_id, Order.number == number)
    ).first()
    if found is None:
        return None
    try:
        return access_order(turn.session, actor=turn.customer, order_id=found)
    except DomainError:
        return None


def start(turn: Turn, intent: str) -> None:
    """An order intent: pick the order (quoted, the only one, or ask), then run the flow."""
    turn.set(intent=intent)
    numbers = turn.order_numbers
    if numbers:
        order = own_by_number(turn, numbers[0])
        if order is None:
            turn.say("order_not_found", number=numbers[0])
            turn.log(f"refused unknown/foreign order number {numbers[0][:4]}…")
            _ask_which(turn, intent, after_refusal=True)
            return
        run(turn, intent, order)
        return
    _ask_which(turn, intent)


def _ask_which(turn: Turn, intent: str, *, after_refusal: bool = False) -> None:
    orders = own_recent(turn)
    if not orders:
        if not after_refusal:
            turn.say("no_orders")
        turn.failed()
        return
    if intent == "price_protection" and not after_refusal:
        # Only orders with a line whose price dropped are worth asking about.
        eligible = [o for o in orders if _protectable(turn, o)]
        orders = eligible or orders
    if len(orders) == 1 and not after_refusal:
        run(turn, intent, orders[0])
        return
    turn.say("which_order")
    lines = [f"{i}. {_label(turn, o)}" for i, o in enumerate(orders, 1)]
    turn.reply("\n".join(lines))
    turn.offer(
        "order",
        [{"order_id": o.id, "number": o.number, "label": _short(o)} for o in orders],
        intent=intent,
    )


def _protectable(turn: Turn, order: Order) -> bool:
    allowed = views.available(turn.session, turn.customer, order)["price_protection"]
    return any(v.get("allowed") for v in allowed.values())


def _label(turn: Turn, order: Order) -> str:
    items = "、".join(i.title for i in order.items[:2]) or "-"
    return f"{order.number} {items} {format_cents(order.total_cents, order.currency)} " + pick(
        turn.lang, STATUS.get(order.status.value, (order.status.value,) * 2)
    )


def _short(order: Order) -> str:
    """An order on a button: its number and first item."""
    first = order.items[0].title if order.items else ""
    return f"{order.number} {first}".strip()


def chosen(turn: Turn, option: dict[str, object], intent: str) -> None:
    """The customer picked an offered order: re-checked as theirs before anything is done."""
    order = own_by_number(turn, str(option.get("number", "")))
    if order is None:
        turn.say("order_not_found", number=str(option.get("number", "")))
        return
    run(turn, intent, order)


def run(turn: Turn, intent: str, order: Order) -> None:
    turn.set(order_number=order.number)
    turn.succeeded()
    if intent in CONFIRM_FIRST:
        key = "confirm_refund" if intent == "refund_return" else "confirm_cancel"
        turn.say(key, number=order.number)
        turn.offer("confirm", [{"yes": True}, {"yes": False}], intent=intent, number=order.number)
        return
    FLOWS[intent](turn, order)


def confirmed(turn: Turn, intent: str, number: str, yes: bool) -> None:
    order = own_by_number(turn, number)
    if order is None:
        turn.say("order_not_found", number=number)
        return
    if not yes:
        turn.say("kept")
        turn.log(f"customer declined {intent} on {number}")
        return
    FLOWS[intent](turn, order)


def _act(turn: Turn, what: str, fn: Callable[[], actions.Done]) -> actions.Done | None:
    """Run an orders action in a savepoint: a refusal changes nothing and is told to the customer."""
    try:
        with turn.session.begin_nested():
            done = fn()
    except DomainError as exc:
        turn.say("refused", reason=exc.en if turn.lang == "en" else exc.zh)
        turn.log(f"{what} refused: {exc.code}")
        return None
    # Which order it was done on: the customer may have several, and may not have named it.
    said = done.en if turn.lang == "en" else done.zh
    turn.reply(turn_text(turn, "done", number=done.order.number, text=said))
    turn.log(f"{what} on {done.order.number}: {done.outcome}")
    return done


def where(turn: Turn, order: Order) -> None:
    page = views.page(turn.session, actor=turn.customer, order_id=order.id)
    status = pick(turn.lang, STATUS.get(order.status.value, (order.status.value,) * 2))
    lines = [turn_text(turn, "order_head", number=order.number, status=status)]
    if not page.shipments:
        lines.append(turn_text(turn, "not_shipped"))
    for view in page.shipments:
        s = view.shipment
        carrier = s.carrier or order.carrier or "-"
        if not view.scans:
            lines.append(
                turn_text(turn, "shipped_no_scan", carrier=carrier, tracking=s.tracking_no)
            )
            continue
        lines.append(turn_text(turn, "timeline", carrier=carrier, tracking=s.tracking_no))
        for scan in view.scans[:SCANS_SHOWN]:
            at = scan.occurred_at.astimezone(LOCAL).strftime("%m-%d %H:%M")
            code = pick(turn.lang, views.SCAN_TEXT[scan.code])
            lines.append(f"· {at} {scan.location} {code} {scan.description}".rstrip())
    turn.reply("\n".join(lines))
    turn.log(f"told logistics of {order.number}")


def progress(turn: Turn, order: Order) -> None:
    page = views.page(turn.session, actor=turn.customer, order_id=order.id)
    if not page.cases:
        turn.say("no_cases")
        where(turn, order)
        return
    for view in page.cases:
        step = pick(turn.lang, views.STEP_TEXT[view.case.status])
        if view.next_step is None or view.next_by is None:
            turn.say("case_done", case=view.case.number, step=step)
            continue
        turn.say(
            "case",
            case=view.case.number,
            step=step,
            next=pick(turn.lang, views.STEP_TEXT[view.next_step]),
            by=view.next_by.astimezone(LOCAL).strftime("%m-%d %H:%M"),
        )
    turn.log(f"told after-sales progress of {order.number}")


def protect(turn: Turn, order: Order) -> None:
    """价保 for every line that qualifies; else the policy's reason for the first line."""
    allowed = views.available(turn.session, turn.customer, order)["price_protection"]
    lines = [i for i in order.items if allowed.get(str(i.id), {}).get("allowed")]
    if not lines:
        first = next(iter(allowed.values()), None)
        reason = (first or {}).get("en" if turn.lang == "en" else "zh") or "-"
        turn.say("refused", reason=reason)
        turn.log(f"price protection refused on {order.number}: {(first or {}).get('code')}")
        return
    for item in lines:
        _act(
            turn,
            "price protection",
            partial(
                price_protection.price_protect,
                turn.session,
                actor=turn.customer,
                order_id=order.id,
                item_id=item.id,
            ),
        )


def refund(turn: Turn, order: Order) -> None:
    _act(
        turn,
        "refund request",
        lambda: actions.request_refund(
            turn.session, actor=turn.customer, order_id=order.id, reason="聊天中申请 / via chat bot"
        ),
    )


def cancel(turn: Turn, order: Order) -> None:
    _act(
        turn,
        "cancel",
        lambda: cancellation.cancel(
            turn.session, actor=turn.customer, order_id=order.id, reason="聊天中申请 / via chat bot"
        ),
    )


def urge(turn: Turn, order: Order) -> None:
    _act(
        turn,
        "urge shipping",
        lambda: handover.urge(turn.session, actor=turn.customer, order_id=order.id),
    )


def address(turn: Turn, order: Order) -> None:
    turn.say("address_handoff")
    handoff.hand_over(turn, "change_address")


def turn_text(turn: Turn, key: str, **values: object) -> str:
    return say(turn.lang, key, **values)


FLOWS: dict[str, Callable[[Turn, Order], None]] = {
    "where_is_my_order": where,
    "return_progress": progress,
    "price_protection": protect,
    "refund_return": refund,
    "cancel_order": cancel,
    "urge_shipping": urge,
    "change_address": address,
}
