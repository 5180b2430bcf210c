"""Every choice the bot offers is also a row of buttons (the message's `actions`), and a tap —
which sends the button's `reply` as the customer's message — answers it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.conversations import service as conversations
from kefu.conversations.models import Direction, Message
from kefu.knowledge.demo import seed_demo
from kefu.orders.aftersales_models import Refund
from tests.bot.dialogue_helpers import Chat, seed_orders, switch_bot_on
from tests.orders.helpers import T0, make_order

HUMAN = [{"label": "转人工", "reply": "转人工"}]


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(T0 + timedelta(days=1)) as c:
        yield c


@pytest.fixture
def chat(runtime, world):
    switch_bot_on(runtime, world)
    return Chat(runtime, world)


def said(chat: Chat, text: str) -> list[Message]:
    """The customer's message and the bot's replies to it, as stored."""
    before = max((m.id for m in chat.messages()), default=0)
    chat.send(text)
    return [m for m in chat.messages(after=before) if m.direction is not Direction.internal]


def tap(chat: Chat, message: Message, label_start: str) -> list[Message]:
    [button] = [a for a in message.actions or [] if a["label"].startswith(label_start)]
    return said(chat, button["reply"])


def test_the_orders_to_choose_from_are_buttons_and_a_tap_picks_one(runtime, world, chat):
    first, second = seed_orders(runtime, world)
    asked, *replies = said(chat, "我的快递到哪了")
    assert asked.actions is None  # the customer's own message carries none
    listing = next(m for m in replies if first in m.body)
    labels = [a["label"] for a in listing.actions or []]
    assert sorted(label.split()[0] for label in labels) == sorted([first, second])
    assert all("龙井茶" in label for label in labels)  # the first item, to tell them apart
    hint = replies[-1]
    assert hint.body == "回复「人工」可随时转人工客服。" and hint.actions == HUMAN
    # Only the listing and the hint have buttons: the question above them has none.
    assert [m.actions is not None for m in replies] == [False, True, True]

    text = "\n".join(m.body for m in tap(chat, listing, second))
    assert second in text and "还未发货" in text and first not in text


def test_did_this_help_and_confirmations_are_yes_no_buttons(runtime, world, chat):
    with runtime.sessions() as s:
        seed_demo(s, world.workspace.id)
        make_order(s, world, number="2026112000001", member="M1", price=50_00)
        s.commit()
    replies = said(chat, "退款多久到账？")[1:]
    question = next(m for m in replies if "这个回答有帮助吗" in m.body)
    assert question.actions == [
        {"label": "有帮助", "reply": "1"},
        {"label": "没帮助", "reply": "2"},
    ]
    assert tap(chat, question, "有帮助")[1].body.startswith("很高兴")

    confirm = said(chat, "我要退款")[1]
    assert "回复 1 确认" in confirm.body
    # After the first turn the way to a person is a button beside the others, not a line more.
    assert [a["label"] for a in confirm.actions or []] == ["确认", "取消", "转人工"]
    assert "未做任何操作" in tap(chat, confirm, "取消")[1].body
    with runtime.sessions() as s:
        assert s.scalars(select(Refund)).first() is None


def test_candidate_questions_are_buttons(runtime, world, chat):
    with runtime.sessions() as s:
        seed_demo(s, world.workspace.id)
        s.commit()
    listing = said(chat, "尾款什么时候付")[2]
    assert listing.body.startswith("1. ")
    offered = [line.split(". ", 1)[1] for line in listing.body.splitlines()]
    assert [a["label"] for a in listing.actions or []] == offered
    assert [a["reply"] for a in listing.actions or []] == [
        str(i) for i in range(1, len(offered) + 1)
    ]
    assert any("这个回答有帮助吗" in m.body for m in tap(chat, listing, offered[-1]))


def test_the_human_button_speaks_the_customers_language_and_hands_over(runtime, world, chat):
    replies = said(chat, "hello, can you help me")[1:]
    [button] = replies[-1].actions or []
    assert button == {"label": "Talk to a person", "reply": "human"}
    assert "No agent is online right now" in tap(chat, replies[-1], "Talk")[1].body
    assert chat.queue_entry() is not None


def test_the_line_about_the_human_button_comes_once_per_language_the_button_every_turn(
    runtime, world, chat
):
    first = said(chat, "你好")[1:]
    assert first[-1].body == "回复「人工」可随时转人工客服。" and first[-1].actions == HUMAN
    second = said(chat, "在吗")[1:]
    assert all("转人工" not in m.body for m in second)
    assert second[-1].actions == HUMAN  # the last reply carries it
    english = said(chat, "hello there")[1:]
    assert "Reply “human”" in english[-1].body
    assert english[-1].actions == [{"label": "Talk to a person", "reply": "human"}]


def test_what_the_bot_did_names_the_order(runtime, world, chat):
    _, unshipped = seed_orders(runtime, world)
    text = "\n".join(chat.send(f"订单{unshipped}催一下发货"))
    assert f"订单 {unshipped}：已通知仓库加急" in text


def test_only_the_bot_posts_buttons(runtime, world, chat):
    buttons = [{"label": "退款", "reply": "1"}]
    with runtime.sessions() as s:
        msg, _ = conversations.post_message(
            s,
            actor=chat.actor,
            conversation_id=chat.conversation_id,
            body="hi",
            actions=buttons,
        )
        s.commit()
        assert s.get(Message, msg.id).actions is None
