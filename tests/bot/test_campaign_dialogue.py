"""Campaign teaching in the chat: the bot offers a campaign's quiz, runs it with numbered options,
records who finished it with which answers and score, and stops offering it when it ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.bot.campaigns import service as campaigns
from kefu.bot.models import BotCampaignCompletion
from kefu.timeline.models import Event
from tests.bot.campaign_helpers import DURING, END, publish
from tests.bot.dialogue_helpers import Chat, switch_bot_on
from tests.knowledge.helpers import make_entry


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(DURING) as c:
        yield c


@pytest.fixture
def quiz(runtime, world):
    switch_bot_on(runtime, world)
    with runtime.sessions() as s:
        campaign = publish(s, world)
        s.commit()
    return campaign


@pytest.fixture
def chat(runtime, world, quiz):
    return Chat(runtime, world)


def completions(runtime) -> list[BotCampaignCompletion]:
    with runtime.sessions() as s:
        return list(s.scalars(select(BotCampaignCompletion).order_by(BotCampaignCompletion.id)))


def test_asking_for_the_rules_runs_the_quiz_and_records_the_completion(runtime, world, chat, quiz):
    replies = chat.send("双11规则是什么")
    assert replies[0].startswith("双11预售三步走")
    assert replies[1].splitlines() == [
        "第 1/3 题：预售定金什么时候开始付？",
        "1. 10月24日20:00起",
        "2. 11月11日当天",
    ]
    assert "人工" in replies[-1]  # a person is still one step away
    replies = chat.send("1")
    assert replies[:2] == ["✔ 答对了！", "定金10月24日晚8点开付。"]
    assert replies[2].startswith("第 2/3 题：尾款什么时候付？")
    assert completions(runtime) == []  # not finished yet
    replies = chat.send("第一个")  # wrong: the right answer is told
    assert replies[0] == "✘ 不对哦，正确答案是：11月1日20:00至11月3日"
    assert replies[1].startswith("第 3/3 题")
    replies = chat.send("1")
    assert "规则都清楚啦，祝您双11买得开心！" in replies
    assert "您答对了 2/3 题。" in replies
    [done] = completions(runtime)
    assert done.campaign_id == quiz.id and done.campaign_version == 1
    assert done.customer_id == chat.customer_id and done.conversation_id == chat.conversation_id
    assert (done.score, done.max_score) == (2, 3)
    assert [a["option"] for a in done.answers] == [0, 0, 0]
    assert [a["correct"] for a in done.answers] == [True, False, True]
    with runtime.sessions() as s:
        [event] = s.scalars(select(Event).where(Event.type == "bot.campaign_completed")).all()
        assert event.customer_id == chat.customer_id and event.payload["score"] == 2
        stats = campaigns.stats(s, actor=world.system, campaign_id=quiz.id)
        assert (stats.completions, stats.customers, stats.perfect) == (1, 1, 0)
        assert stats.average_score == pytest.approx(0.667, abs=0.001)
    # A bare number now means nothing to the quiz any more.
    assert not any("题" in r for r in chat.send("1"))


def test_english_request_gets_english_framing(runtime, world, chat):
    replies = chat.send("What are the Double 11 rules?")
    assert replies[1].startswith("Question 1/3: ")
    assert "Reply “human”" in replies[-1]


def test_a_question_about_the_campaign_offers_the_quiz_once(runtime, world, chat):
    replies = chat.send("双十一有什么活动")
    assert "「双11预售规则」有一个 3 步的小问答" in replies[0] and "回复 1 开始" in replies[0]
    assert chat.send("2")[0] == "好的，有问题随时问我。"
    # Declined: the next question about it is not met with the same offer.
    assert not any("小问答" in r for r in chat.send("定金和尾款是怎么回事"))
    assert completions(runtime) == []


@pytest.mark.parametrize("no", ["不用了", "算了", "No thanks"])
def test_declining_the_offer_in_words(runtime, world, chat, no):
    chat.send("双十一有什么活动")
    replies = chat.send(no)
    assert replies[0] in ("好的，有问题随时问我。", "OK — ask me anything at any time.")
    assert chat.conversation().assignee_id is None and chat.queue_entry() is None


def test_accepting_the_offer_starts_the_quiz(runtime, world, chat):
    chat.send("双十一有什么活动")
    replies = chat.send("好的")
    assert replies[0].startswith("双11预售三步走") and "第 1/3 题" in replies[1]


def test_a_helpful_kb_answer_about_the_campaign_is_followed_by_the_offer(runtime, world, chat):
    with runtime.sessions() as s:
        make_entry(
            s,
            world,
            "预售尾款什么时候付？",
            "尾款11月1日20:00至11月3日支付。",
            campaign="double11-2026",
        )
        s.commit()
    replies = chat.send("预售尾款什么时候付？")
    assert "尾款11月1日20:00至11月3日支付。" in replies
    assert not any("小问答" in r for r in replies)  # one question at a time: first "did it help?"
    replies = chat.send("1")
    assert replies[0].startswith("很高兴") and "小问答" in replies[1]
    assert chat.send("1")[0].startswith("双11预售三步走")


def test_rules_the_kb_answers_get_the_answer_first(runtime, world, chat):
    with runtime.sessions() as s:
        make_entry(s, world, "双11期间退货规则是什么？", "双11商品同样支持七天无理由退货。")
        s.commit()
    replies = chat.send("双11期间退货规则是什么？")
    assert "双11商品同样支持七天无理由退货。" in replies
    assert not any("题" in r for r in replies)
    replies = chat.send("1")  # it helped: now the quiz is offered
    assert replies[0].startswith("很高兴") and "小问答" in replies[1]


def test_a_number_out_of_range_asks_again_and_keeps_the_quiz(runtime, world, chat):
    chat.send("双11规则")
    assert chat.send("5")[0] == "请回复 1–2 中的一个序号。"
    assert chat.send("2")[0].startswith("✘")


def test_a_person_is_one_step_away_mid_quiz(runtime, world, chat):
    chat.send("双11规则")
    replies = chat.send("转人工")
    assert "人工客服暂时不在线" in replies[0]  # no agent online in this test
    assert chat.queue_entry() is not None
    assert "started campaign quiz double11-2026" in chat.notes()[0]


def test_an_ended_campaign_is_no_longer_offered(runtime, world, chat, now):
    now.set(END)  # the campaign's last second has passed
    replies = chat.send("双11规则是什么")
    assert not any("题" in r or "小问答" in r for r in replies)
    assert not any("小问答" in r for r in chat.send("双十一有什么活动"))
    # (Two turns the bot could not answer: a person has the conversation now.) A new one, a
    # second earlier, still gets the quiz.
    now.set(END - timedelta(seconds=1))
    assert "第 1/3 题" in Chat(runtime, world, member="M2").send("双11规则是什么")[1]


def test_a_quiz_stops_when_the_campaign_ends_or_changes_mid_way(runtime, world, chat, quiz, now):
    now.set(END - timedelta(minutes=5))
    chat.send("双11规则")
    now.set(END)
    assert chat.send("1")[0].startswith("这个活动问答已更新或已结束")
    now.set(DURING)
    chat.send("双11规则")
    with runtime.sessions() as s:
        campaigns.update(
            s,
            actor=world.system,
            campaign_id=quiz.id,
            changes={"keywords": ["双11", "双十一", "Double 11", "定金", "尾款", "预售"]},
        )
        s.commit()
    assert chat.send("1")[0].startswith("这个活动问答已更新或已结束")
    assert completions(runtime) == []


def test_unpublished_and_other_workspaces_campaigns_are_not_offered(runtime, world, other_world):
    switch_bot_on(runtime, world)
    with runtime.sessions() as s:
        publish(s, other_world)  # the rival's campaign: never offered to acme's customers
        publish(s, world, published=False)
        s.commit()
    replies = Chat(runtime, world).send("双11规则是什么")
    assert not any("题" in r or "小问答" in r for r in replies)
