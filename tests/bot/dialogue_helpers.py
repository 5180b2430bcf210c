"""A customer talking to the bot through the service layer, with orders seeded by ingest."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu.auth.actor import Actor
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, Direction, Message
from kefu.orders import ingest
from kefu.orders.shop_schemas import ScanIn
from kefu.routing.models import QueueEntry
from tests.orders.helpers import T0, make_order


class Chat:
    """Customer `member` in a web-chat conversation of `world`."""

    def __init__(self, runtime, world, member: str = "M1", channel_id: int | None = None) -> None:
        self.runtime, self.world = runtime, world
        with runtime.sessions() as s:
            customer = ingest.buyer(s, world.system, member, "张伟")
            self.customer_id = customer.id
            actor = Actor.customer(world.workspace.id, customer.id)
            conv = conversations.create(
                s,
                actor=actor,
                channel_id=channel_id or world.chat.id,
                customer_id=customer.id,
            )
            self.conversation_id = conv.id
            s.commit()
        self.actor = Actor.customer(world.workspace.id, self.customer_id)

    def send(self, text: str) -> list[str]:
        """Post as the customer and commit; the bot's replies to it (customer-visible)."""
        with self.runtime.sessions() as s:
            msg, _ = conversations.post_message(
                s, actor=self.actor, conversation_id=self.conversation_id, body=text
            )
            s.commit()
            after = msg.id
        return [m.body for m in self.messages(after=after) if m.direction is Direction.outbound]

    def messages(self, after: int = 0) -> list[Message]:
        with self.runtime.sessions() as s:
            return list(
                s.scalars(
                    select(Message)
                    .where(Message.conversation_id == self.conversation_id, Message.id > after)
                    .order_by(Message.id)
                )
            )

    def notes(self) -> list[str]:
        return [m.body for m in self.messages() if m.direction is Direction.internal]

    def queue_entry(self) -> QueueEntry | None:
        with self.runtime.sessions() as s:
            return s.scalars(
                select(QueueEntry).where(QueueEntry.conversation_id == self.conversation_id)
            ).first()

    def conversation(self) -> Conversation:
        with self.runtime.sessions() as s:
            conv = s.get(Conversation, self.conversation_id)
            assert conv is not None
            return conv


def seed_orders(runtime, world, member: str = "M1", prefix: str = "2026112000") -> list[str]:
    """Two paid orders of `member`: the first shipped with two scans, the second not shipped."""
    first, second = f"{prefix}01", f"{prefix}02"
    with runtime.sessions() as s:
        make_order(s, world, number=first, member=member, status="shipped")
        make_order(s, world, number=second, member=member, price=88_00)
        for i, (code, where) in enumerate((("picked_up", "杭州"), ("in_transit", "上海"))):
            ingest.apply_scan(
                s,
                world.system,
                ScanIn(
                    order_number=first,
                    tracking_no="SF1234567890123",
                    carrier="顺丰",
                    scan_id=f"scan-{prefix}-{i}",
                    code=code,
                    occurred_at=T0 + timedelta(hours=2 + i * 10),
                    location=where,
                    description=f"快件到达{where}",
                ),
            )
        s.commit()
    return [first, second]


def switch_bot_on(runtime, world) -> None:
    from kefu.bot.dialogue import state
    from kefu.channels.models import Channel

    with runtime.sessions() as s:
        channel = s.get(Channel, world.chat.id)
        assert channel is not None
        state.switch_on(channel)
        s.commit()
