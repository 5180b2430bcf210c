"""A knowledge-base edit changes what the bot tells customers on their next message: no restart,
no retraining job — and an entry whose window is cut short stops answering when the clock says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu import clock
from kefu.knowledge import service as kb
from tests.bot.dialogue_helpers import Chat, switch_bot_on
from tests.knowledge.helpers import make_entry
from tests.orders.helpers import T0


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(T0) as c:
        yield c


def test_an_edit_reaches_the_bots_next_answer_within_a_second(runtime, world, now):
    switch_bot_on(runtime, world)
    with runtime.sessions() as s:
        entry = make_entry(
            s, world, "下单后多久发货？", "下单后48小时内发货。", paraphrases=["什么时候发货"]
        )
        s.commit()
    chat = Chat(runtime, world)
    assert "下单后48小时内发货。" in chat.send("下单后多久发货？")
    chat.send("1")  # it helped: nothing pending any more

    # The shop changes the answer (another session, as the knowledge page would) ...
    with runtime.sessions() as s:
        kb.update(
            s, actor=world.system, entry_id=entry.id, changes={"answer": "大促期间72小时内发货。"}
        )
        s.commit()
    now.set(T0 + timedelta(seconds=1))  # ... and a second later a customer asks again.
    replies = chat.send("下单后多久发货？")
    assert "大促期间72小时内发货。" in replies and "下单后48小时内发货。" not in replies
    chat.send("1")

    # A new paraphrase is understood at once as well.
    assert "大促期间72小时内发货。" not in Chat(runtime, world, member="M2").send("几天能寄出")
    with runtime.sessions() as s:
        kb.update(s, actor=world.system, entry_id=entry.id, changes={"paraphrases": ["几天能寄出"]})
        s.commit()
    assert "大促期间72小时内发货。" in Chat(runtime, world, member="M3").send("几天能寄出")


def test_an_edited_window_ends_the_answer_when_the_clock_gets_there(runtime, world, now):
    switch_bot_on(runtime, world)
    with runtime.sessions() as s:
        entry = make_entry(s, world, "双11预售尾款什么时候付？", "尾款11月1日至3日支付。")
        kb.update(
            s,
            actor=world.system,
            entry_id=entry.id,
            changes={"valid_until": T0 + timedelta(seconds=5)},
        )
        s.commit()
    now.set(T0 + timedelta(seconds=4))
    assert "尾款11月1日至3日支付。" in Chat(runtime, world).send("双11预售尾款什么时候付？")
    now.set(T0 + timedelta(seconds=5))
    assert "尾款11月1日至3日支付。" not in Chat(runtime, world, member="M2").send(
        "双11预售尾款什么时候付？"
    )
