"""The demo's three months, planned before anything is written: customers, orders, stories.

Planning is pure (a seeded `random.Random` and Faker, no database), so the same seed gives the same
shop. Times are relative to `now`; everything lies in the past, and whatever would happen after
`now` (a delivery, a ticket's next move) has simply not happened yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from faker import Faker

from kefu.channels.models import ChannelKind
from kefu.demo import data
from kefu.demo.scripts import SCENARIOS, Scenario
from kefu.orders.models import OrderStatus
from kefu.orders.money import format_cents
from kefu.orders.service import NewItem

SHANGHAI = ZoneInfo("Asia/Shanghai")
CUSTOMERS = 56
ORDERS = 215  # random orders fill up to this, after each story's own order
TICKET_STORIES = 25
CHAT_STORIES = 15
RECENT_STORIES = 12
UNPAID = 4  # orders of the last hours still awaiting payment (a proactive-service case)

# Which products a scenario is about, by SKU prefix (fragile goods crack, furniture gets installed).
ITEMS_FOR = {
    "refund_quality": ("LM-KIT-3001", "LM-DEC-4005"),
    "broken_in_transit": ("LM-KIT-3001", "LM-DEC-4005", "LM-KIT-3003"),
    "installation": ("LM-FUR",),
    "wrong_item": ("LM-FUR-1003", "LM-DEC-4002"),
    "price_protection": ("LM-BED", "LM-CLN"),
    "customs_hold": ("LM-CB",),
}


@dataclass
class CustomerPlan:
    name: str
    tier: str
    tags: list[str]
    phone: str
    email: str | None
    member_id: str
    city: str
    address: str
    joined_at: datetime
    id: int | None = None  # set once written


@dataclass
class OrderPlan:
    customer: CustomerPlan
    items: list[NewItem]
    placed_at: datetime
    status: OrderStatus
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    carrier: str
    tracking_no: str  # planned even before shipping, so a story may quote it once it ships
    ship_name: str
    ship_phone: str
    ship_address: str
    number: str = ""


@dataclass
class StoryPlan:
    scenario: Scenario
    start: datetime
    customer: CustomerPlan
    channel: ChannelKind
    order: OrderPlan | None
    pick: int  # which of the team's agents takes it
    extra: dict[str, str] = field(default_factory=dict)

    def values(self, **names: str) -> dict[str, str]:
        """What the scenario's templates are filled with."""
        v = {"city": self.customer.city, **self.extra, **names}
        if self.order is not None:
            item = self.order.items[0]
            v |= {
                "order": self.order.number,
                "item": item.title,
                "sku": item.sku,
                "price": format_cents(item.unit_price_cents),
                "price_yuan": f"{item.unit_price_cents / 100:.2f}",
                "carrier": self.order.carrier,
                "tracking": self.order.tracking_no,
            }
        return v


@dataclass
class Plan:
    customers: list[CustomerPlan]
    orders: list[OrderPlan]
    stories: list[StoryPlan]


def make(rng: random.Random, fake: Faker, now: datetime) -> Plan:
    """The whole history up to `now`; the same seeds give the same shop."""
    customers = [_customer(rng, fake, now, i) for i in range(CUSTOMERS)]
    stories = _stories(rng, fake, now, customers)
    orders = [s.order for s in stories if s.order is not None]
    weights = [
        {"regular": 1, "vip1": 2, "vip2": 3, "vip3": 4, "svip": 6}[c.tier] for c in customers
    ]
    for _ in range(UNPAID):
        buyer = rng.choices(customers, weights)[0]
        placed = now - timedelta(hours=rng.uniform(0.3, 20))
        orders.append(_order(rng, fake, now, buyer, _items(rng), (placed, None, None, None)))
    while len(orders) < ORDERS:
        buyer = rng.choices(customers, weights)[0]
        orders.append(_random_order(rng, fake, now, buyer))
    # Order numbers run in time order, as the shop's system hands them out.
    orders.sort(key=lambda o: o.placed_at)
    for seq, o in enumerate(orders, start=10_001):
        o.number = f"LM{o.placed_at.astimezone(SHANGHAI):%y%m%d}{seq:06d}"
    return Plan(customers=customers, orders=orders, stories=stories)


def _customer(rng: random.Random, fake: Faker, now: datetime, i: int) -> CustomerPlan:
    province, city, district, streets = rng.choice(data.REGIONS)
    place = province + ("" if city == province else city) + district
    address = (
        f"{place}{rng.choice(streets)}{rng.randint(1, 999)}号{rng.choice(data.ESTATES)}"
        f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元"
        f"{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
    )
    tier = rng.choices([t for t, _ in data.TIERS], [w for _, w in data.TIERS])[0]
    tags = rng.sample(data.CUSTOMER_TAGS, rng.choice((0, 1, 1, 2)))
    email = (
        f"{fake.user_name()}{i:02d}@{rng.choice(data.MAIL_HOSTS)}" if rng.random() < 0.7 else None
    )
    # Customers sign up over 100 days, all before the 90 days of orders begin.
    joined = now - timedelta(days=200 - 100 * i / CUSTOMERS, minutes=rng.randint(0, 600))
    return CustomerPlan(
        name=fake.unique.name(),
        tier=tier,
        tags=tags,
        phone=fake.unique.phone_number(),
        email=email,
        member_id=f"LM{30_000_001 + i * 37:08d}",
        city=city,
        address=address,
        joined_at=joined,
    )


def _items(
    rng: random.Random, prefixes: tuple[str, ...] | None = None, cross_border: bool = False
) -> list[NewItem]:
    pool = [c for c in data.CATALOG if c[3] == cross_border]
    if prefixes:
        pool = [c for c in data.CATALOG if c[0].startswith(prefixes)]
    first = rng.choice(pool)
    more = (
        rng.sample([c for c in pool if c is not first], rng.choice((0, 0, 1, 2)))
        if len(pool) > 3
        else []
    )
    return [
        NewItem(
            sku=sku,
            title=title,
            quantity=rng.choice((1, 2, 3)) if price < 20_000 else 1,
            unit_price_cents=price,
        )
        for sku, title, price, _ in (first, *more)
    ]


def _tracking(rng: random.Random, carrier: str) -> str:
    digits = "".join(rng.choices("0123456789", k=14))
    return {
        "顺丰速运": "SF" + digits[:12],
        "中通快递": "75" + digits[:12],
        "京东物流": "JDVA" + digits[:11],
    }[carrier]


def _order(
    rng: random.Random,
    fake: Faker,
    now: datetime,
    buyer: CustomerPlan,
    items: list[NewItem],
    times: tuple[datetime, datetime | None, datetime | None, datetime | None],
    refunded: bool = False,
) -> OrderPlan:
    placed, paid, shipped, delivered = (t if t is None or t <= now else None for t in times)
    assert placed is not None
    if delivered is not None:
        status = (
            OrderStatus.completed if delivered <= now - timedelta(days=7) else OrderStatus.delivered
        )
    elif shipped is not None:
        status = OrderStatus.shipped
    elif paid is not None:
        status = OrderStatus.paid
    else:
        status = (
            OrderStatus.pending_payment
            if placed > now - timedelta(hours=24)
            else OrderStatus.cancelled
        )
    if refunded and paid is not None:
        status = OrderStatus.refunded
    carrier = rng.choice(data.CARRIERS)
    # Now and then the parcel goes to a family member or colleague instead of the account holder.
    name, phone = (
        (buyer.name, buyer.phone) if rng.random() < 0.85 else (fake.name(), fake.phone_number())
    )
    return OrderPlan(
        customer=buyer,
        items=items,
        placed_at=placed,
        status=status,
        paid_at=paid,
        shipped_at=shipped,
        delivered_at=delivered,
        carrier=carrier,
        tracking_no=_tracking(rng, carrier),
        ship_name=name,
        ship_phone=phone,
        ship_address=buyer.address,
    )


def _random_order(rng: random.Random, fake: Faker, now: datetime, buyer: CustomerPlan) -> OrderPlan:
    placed = now - timedelta(days=rng.uniform(0.05, 90))
    cross_border = rng.random() < 0.12
    items = _items(rng, cross_border=cross_border)
    if rng.random() < 0.08:  # never paid: cancelled, or still awaiting payment if recent
        return _order(rng, fake, now, buyer, items, (placed, None, None, None))
    paid = placed + timedelta(minutes=rng.uniform(1, 30))
    shipped = paid + timedelta(hours=rng.uniform(4, 40))
    delivered = shipped + timedelta(days=rng.uniform(4, 9) if cross_border else rng.uniform(1, 4))
    return _order(
        rng,
        fake,
        now,
        buyer,
        items,
        (placed, paid, shipped, delivered),
        refunded=rng.random() < 0.04,
    )


# A story's order relative to the story's start T, in hours: (placed, paid, shipped, delivered).
ORDER_STAGES: dict[str, tuple[float, float, float, float]] = {
    "paid": (-72, -71.9, 8, 60),
    "in_transit": (-144, -143.9, -120, 30),
    "cross_border": (-168, -167.9, 30, 100),
    "delivered": (-240, -239.9, -216, -100),
}


def _stories(
    rng: random.Random, fake: Faker, now: datetime, customers: list[CustomerPlan]
) -> list[StoryPlan]:
    with_ticket = [s for s in SCENARIOS if s.ticket is not None]
    chat_only = [s for s in SCENARIOS if s.ticket is None]
    picks = [with_ticket[i % len(with_ticket)] for i in range(TICKET_STORIES)]
    picks += [chat_only[i % len(chat_only)] for i in range(CHAT_STORIES)]
    rng.shuffle(picks)
    # Most stories are weeks old and over; the last dozen began in the past two days and many
    # of those are still open.
    days = sorted(
        [rng.uniform(3, 30) for _ in range(len(picks) - RECENT_STORIES)]
        + [rng.uniform(0, 2) for _ in range(RECENT_STORIES)]
    )
    stories = []
    for scenario, day in zip(picks, reversed(days), strict=True):
        start = _business_hours(rng, now - timedelta(days=day), now)
        buyer = rng.choice(customers)
        order = None
        if scenario.order is not None:
            stage = [start + timedelta(hours=h) for h in ORDER_STAGES[scenario.order]]
            items = _items(rng, ITEMS_FOR.get(scenario.key))
            done = scenario.refunds and start + timedelta(hours=_hours_to_resolve(scenario)) <= now
            order = _order(
                rng,
                fake,
                now,
                buyer,
                items,
                (stage[0], stage[1], stage[2], stage[3]),
                refunded=done,
            )
        extra = {
            "declaration": f"2231{start.astimezone(SHANGHAI):%Y}{rng.randrange(10**9, 10**10)}",
            "company": fake.company(),
            "tax_no": "91" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=16)),
            "in_two_days": (start + timedelta(days=2)).astimezone(SHANGHAI).date().isoformat(),
            # What a customer without an order asks about; an order's own first item overrides it.
            "item": rng.choice([t for sku, t, _, _ in data.CATALOG if sku.startswith("LM-FUR")]),
        }
        stories.append(
            StoryPlan(
                scenario=scenario,
                start=start,
                customer=buyer,
                channel=rng.choice(scenario.channels),
                order=order,
                pick=rng.randrange(100),
                extra=extra,
            )
        )
    return stories


def _hours_to_resolve(scenario: Scenario) -> float:
    total = 0.0
    for m in scenario.moves:
        total += m.after_h
        if m.to == "resolved":
            break
    return total


def _business_hours(rng: random.Random, day: datetime, now: datetime) -> datetime:
    """A moment on that day between 09:00 and 22:00 Beijing time, not later than an hour ago."""
    local = day.astimezone(SHANGHAI).replace(
        hour=rng.randint(9, 21), minute=rng.randint(0, 59), second=0
    )
    while local > now - timedelta(hours=1):
        local -= timedelta(days=1)
    return local
