"""What one chat message costs the database, counted: a regression test for the hot path.

A customer's message in a conversation already assigned goes: the conversation (access), the
message, its counters, the event, the SLA engine's look-up of open tickets; then, after commit,
the outbox claim. Counted on a real engine (BEGIN, commit, dispatch after commit as in
production). Should a change add a statement here, make it pay for itself or raise the bound
knowingly. Also: a group of sends (SQLite's group commit) stores each exactly once, and one
refused send does not take the others with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, Message
from kefu.customers import service as customers
from kefu.errors import NotFound
from kefu.realtime import chat
from kefu.realtime.hub import Hub
from kefu.realtime.protocol import SendMessage
from kefu.runtime import Runtime
from tests.factories import World

# BEGIN (SQLite takes its write lock there), the conversation, INSERT message, UPDATE counters,
# INSERT event, the SLA look-up; after commit BEGIN and the claim. PostgreSQL: psycopg begins
# without a statement, and the claim's transaction sets synchronous_commit off. (Before this
# test: 11 on SQLite — the client_msg_id look-up, the message read back by the SLA engine and the
# conversation read again by the socket.)
MAX_STATEMENTS = {"sqlite": 8, "postgresql": 7}
# In a group, per message: the conversation, INSERT message, UPDATE counters, INSERT event, the
# SLA look-up; per group: two BEGINs and one claim.
GROUP = 10
MAX_GROUP_STATEMENTS = 5 * GROUP + 3


class Statements:
    def __init__(self, rt: Runtime) -> None:
        self.seen: list[str] = []
        self.on = False
        event.listen(rt.engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cur: Any, sql: str, *_: Any) -> None:
        if self.on:
            self.seen.append(" ".join(sql.split())[:90])

    def during(self, fn: Any) -> list[str]:
        self.seen, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.seen


@pytest.fixture
def chats(rt: Runtime, shop: World) -> list[tuple[Actor, int]]:
    """Customers with a web chat assigned to the agent (as the chat benchmark sets them up)."""
    system = shop.system
    out = []
    with rt.sessions() as s:
        for n in range(GROUP):
            c = customers.create(s, actor=system, display_name=f"顾客{n}")
            assert shop.chat is not None
            conv = conversations.create(s, actor=system, channel_id=shop.chat.id, customer_id=c.id)
            conversations.assign(
                s, actor=system, conversation_id=conv.id, assignee_id=shop.staff[Role.agent].id
            )
            out.append((Actor.customer(shop.workspace.id, c.id), conv.id))
        s.commit()
    return out


@pytest.fixture
def counted(rt: Runtime) -> Iterator[Statements]:
    Hub(rt)  # the realtime subscriber, as in `kefu serve`: its notices are part of the cost
    yield Statements(rt)


def frame(conv_id: int, cmid: str | None = None) -> SendMessage:
    return SendMessage(
        type="message",
        conversation_id=conv_id,
        client_msg_id=cmid or uuid.uuid4().hex,
        body="在吗",
    )


def test_one_message_in_an_assigned_chat_stays_within_its_statements(
    rt: Runtime, chats: list[tuple[Actor, int]], counted: Statements
) -> None:
    actor, conv_id = chats[0]
    with rt.sessions() as s:
        chat.send(s, actor, frame(conv_id))  # warm: first-use set-up is not the subject
    sent: list[chat.Sent] = []

    def one() -> None:
        with rt.sessions() as s:
            sent.append(chat.send(s, actor, frame(conv_id, "counted")))

    seen = counted.during(one)
    assert len(seen) <= MAX_STATEMENTS[rt.engine.dialect.name], "\n".join(seen)
    assert not [q for q in seen if q.startswith("SELECT messages")], "the message read back"
    assert sent[0].ack["message"]["client_msg_id"] == "counted"
    with rt.sessions() as s:
        conv = s.get(Conversation, conv_id)
        assert conv is not None and conv.message_count == 2


def test_a_group_costs_less_per_message_and_stores_each_once(
    rt: Runtime, chats: list[tuple[Actor, int]], counted: Statements
) -> None:
    with rt.sessions() as s:
        chat.send_many(s, [(a, frame(c)) for a, c in chats[:2]])  # warm
    group = [(a, frame(c, f"g-{n}")) for n, (a, c) in enumerate(chats)]
    outcomes: list[chat.Sent | Exception] = []

    def send_group() -> None:
        with rt.sessions() as s:
            outcomes.extend(chat.send_many(s, group))

    seen = counted.during(send_group)
    assert len(seen) <= MAX_GROUP_STATEMENTS, "\n".join(seen)
    assert all(isinstance(o, chat.Sent) for o in outcomes)
    # The same group again (a client resending every unacknowledged message): stored once.
    with rt.sessions() as s:
        again = chat.send_many(s, group)
    for first, second in zip(outcomes, again, strict=True):
        assert isinstance(first, chat.Sent) and isinstance(second, chat.Sent)
        assert first.ack["message"]["id"] == second.ack["message"]["id"]
    with rt.sessions() as s:
        counts = s.execute(
            select(Message.client_msg_id, func.count())
            .where(Message.client_msg_id.in_([f.client_msg_id for _, f in group]))
            .group_by(Message.client_msg_id)
        ).all()
    assert sorted(n for _, n in counts) == [1] * GROUP


def test_a_refused_send_in_a_group_leaves_the_others_stored(
    rt: Runtime, chats: list[tuple[Actor, int]]
) -> None:
    (alice, alice_conv), (bob, _) = chats[:2]
    group = [
        (alice, frame(alice_conv, "a-1")),
        (bob, frame(alice_conv, "b-1")),  # not Bob's conversation: refused, as alone
        (alice, frame(alice_conv, "a-2")),
    ]
    with rt.sessions() as s:
        first, refused, last = chat.send_many(s, group)
    assert isinstance(refused, NotFound)
    assert isinstance(first, chat.Sent) and isinstance(last, chat.Sent)
    with rt.sessions() as s:
        stored = set(
            s.scalars(select(Message.client_msg_id).where(Message.conversation_id == alice_conv))
        )
    assert {"a-1", "a-2"} <= stored and "b-1" not in stored
