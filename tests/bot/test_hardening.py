"""Promises of the bot checked against what it really did: the handoff summary tells the agent
everything the bot said with phones masked, an offered order is picked only by its own number,
and an answer typed in full-width digits (a Chinese input method's full-width mode) counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.orders.aftersales_models import Refund
from kefu.timeline.models import Event
from tests.bot.dialogue_helpers import Chat, seed_orders, switch_bot_on
from tests.orders.helpers import T0, make_order

URGED = "已通知仓库加急"


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(T0 + timedelta(days=1)) as c:
        yield c


@pytest.fixture
def chat(runtime, world):
    switch_bot_on(runtime, world)
    return Chat(runtime, world)


def test_the_summary_masks_a_phone_in_the_last_message(chat):
    chat.send("今天能发货吗？不行就转人工，我电话 13812345678")
    [note] = chat.notes()
    last = next(line for line in note.splitlines() if line.startswith("客户最后一句"))
    assert "13812345678" not in note and "138****5678" in last and "转人工" in last
    entities_line = next(line for line in note.splitlines() if line.startswith("实体"))
    # What the agent reads: the words and the day, not a Python repr.
    assert "TimeRange" not in entities_line and "time=今天" in entities_line


def test_the_summary_keeps_every_reply_the_bot_gave(runtime, world, chat):
    seed_orders(runtime, world)
    chat.send("你好")  # the first turn also explains the way to a person
    listing = chat.send("我的快递到哪了")[1]  # later turns: only the button under the reply
    chat.send("1")
    chat.send("今天天气怎么样呀")
    chat.send("转人工")
    [note] = chat.notes()
    said = note.split("Bot said/did:", 1)[1].splitlines()
    assert "- said: " not in said  # no empty entries
    done = "\n".join(said)
    assert listing.splitlines()[0] in done  # the orders it offered
    assert "还未发货" in done and "我没太明白" in done


def test_a_foreign_number_containing_an_offered_one_is_not_taken_for_it(runtime, world, chat):
    first, _ = seed_orders(runtime, world)
    with runtime.sessions() as s:
        make_order(s, world, number=f"{first}9", member="M2")  # another customer's order
        s.commit()
    assert "哪一个" in chat.send("我要退款")[0]
    replies = "\n".join(chat.send(f"是这个 {first}9"))
    assert f"没有找到订单号 {first}9" in replies
    assert "确认为订单" not in replies  # not a refund of her own order she did not name


def test_a_tracking_number_containing_an_offered_order_number_picks_nothing(runtime, world, chat):
    _, second = seed_orders(runtime, world)  # the second is paid, not shipped: urgeable
    assert "哪一个" in chat.send("帮我催一下发货")[0]
    replies = "\n".join(chat.send(f"快递单号JDV{second}123 这个"))
    assert URGED not in replies
    with runtime.sessions() as s:
        urged = s.scalars(select(Event).where(Event.type.like("%urge%"))).first()
        assert urged is None


def test_the_offered_order_is_still_picked_by_its_number(runtime, world, chat):
    _, second = seed_orders(runtime, world)
    chat.send("帮我催一下发货")
    assert URGED in "\n".join(chat.send(f"就是{second}这个"))


def test_full_width_digits_answer_what_the_bot_offered(runtime, world, chat):
    first, second = seed_orders(runtime, world)
    listing = chat.send("我要退款")[1]
    pick = "１" if listing.index(second) < listing.index(first) else "２"
    assert f"确认为订单 {second} 申请退款吗" in chat.send(pick)[0]
    chat.send("１。")
    with runtime.sessions() as s:
        refund = s.scalars(select(Refund)).first()
        assert refund is not None


def test_messages_without_words_do_not_go_round_in_circles(chat):
    """Punctuation, stickers, a photo alone: the bot cannot read them, and asking "how can I help"
    again and again is a loop — the second in a row reaches a person."""
    assert "有什么可以帮您" in chat.send("？？？")[0]
    assert chat.queue_entry() is None
    chat.send("👍👍")
    assert chat.queue_entry() is not None
    assert "机器人连续两次未能解答 bot failed twice" in chat.notes()[0]


def test_a_message_without_words_after_an_answer_starts_afresh(runtime, world, chat):
    seed_orders(runtime, world)
    chat.send("？")
    chat.send("你好")  # understood: failures count only in a row
    chat.send("…")
    assert chat.queue_entry() is None
