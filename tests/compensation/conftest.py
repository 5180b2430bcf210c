"""A shop with one customer, a ¥20 and a ¥3000 order, and a conversation on chat, e-mail, phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from kefu import clock
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.conversations import service as conversations
from kefu.orders import service as orders
from kefu.orders.service import NewItem
from kefu.runtime import Runtime
from tests.factories import World, make_customer

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@dataclass
class Shop:
    world: World
    customer_id: int
    small_order: int  # ¥20
    big_order: int  # ¥3000
    chat: int  # conversation ids by channel
    email: int
    phone: int


def make_shop(runtime: Runtime, world: World, *, tag: str = "") -> Shop:
    system = world.system
    with runtime.sessions() as s:
        c = make_customer(s, world, name=f"张伟{tag}")
        small = orders.create(
            s,
            actor=system,
            number=f"S-{world.workspace.key}{tag}",
            customer_id=c.id,
            items=[NewItem(sku="MUG", title="马克杯", quantity=1, unit_price_cents=2_000)],
        )
        big = orders.create(
            s,
            actor=system,
            number=f"B-{world.workspace.key}{tag}",
            customer_id=c.id,
            items=[NewItem(sku="SOFA", title="沙发", quantity=1, unit_price_cents=300_000)],
        )
        assert world.chat is not None
        email = channels.create(s, actor=system, kind=ChannelKind.email, name=f"邮件{tag}")
        phone = channels.create(s, actor=system, kind=ChannelKind.phone, name=f"电话{tag}")
        convs = [
            conversations.create(s, actor=system, channel_id=ch, customer_id=c.id).id
            for ch in (world.chat.id, email.id, phone.id)
        ]
        s.commit()
    return Shop(world, c.id, small.id, big.id, *convs)


@pytest.fixture
def shop(runtime: Runtime, world: World) -> Shop:
    with clock.frozen(T0):
        return make_shop(runtime, world)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with clock.frozen(T0) as c:
        yield c
