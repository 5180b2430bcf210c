"""Time commitments in agent replies: Chinese and English durations, calendar anchors, vague
promises, kinds, spans, time zones, and what is not a promise.

Pure tests: `now` is explicit — Wednesday 2026-09-30 09:00 in Asia/Shanghai, passed as UTC.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.sla.commitments import Commitment, Duration, find_commitments

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 9, 30, 9, 0, tzinfo=SH).astimezone(UTC)  # a Wednesday
EOD = (23, 59, 59)


def sh(month: int, day: int, hour: int = 23, minute: int = 59, second: int = 59) -> datetime:
    """A Shanghai wall-clock time in 2026, as the UTC instant the parser returns."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=SH).astimezone(UTC)


def one(text: str, now: datetime = NOW, tz: str = "Asia/Shanghai") -> Commitment:
    found = find_commitments(text, now=now, tz=tz)
    assert len(found) == 1, found
    c = found[0]
    assert text[c.span[0] : c.span[1]] == c.phrase
    assert c.due is None or c.due.tzinfo is UTC
    return c


def days(n: int) -> Duration:
    return Duration(amount=n, unit="business_days")


# (text, phrase, kind, due, business)
DURATIONS = [
    ("我们会在三天内安排专人给您回电", "三天内", "callback", sh(10, 3, 9, 0, 0), None),
    ("3天之内给您发货", "3天之内", "shipment", sh(10, 3, 9, 0, 0), None),
    ("两小时内回复您", "两小时内", "update", sh(9, 30, 11, 0, 0), None),
    ("半小时内给您回电", "半小时内", "callback", sh(9, 30, 9, 30, 0), None),
    ("30分钟内给您回电", "30分钟内", "callback", sh(9, 30, 9, 30, 0), None),
    ("十五分钟内给您反馈", "十五分钟内", "update", sh(9, 30, 9, 15, 0), None),
    ("24小时之内给您答复", "24小时之内", "update", sh(10, 1, 9, 0, 0), None),
    ("二十四小时以内给您答复", "二十四小时以内", "update", sh(10, 1, 9, 0, 0), None),
    ("一周内给您补寄", "一周内", "replacement", sh(10, 7, 9, 0, 0), None),
    ("7天内为您换货", "7天内", "replacement", sh(10, 7, 9, 0, 0), None),
    ("48h内发货", "48h内", "shipment", sh(10, 2, 9, 0, 0), None),
    ("４８ｈ内给您答复", "４８ｈ内", "update", sh(10, 2, 9, 0, 0), None),
    ("一个半小时内处理好", "一个半小时内", "other", sh(9, 30, 10, 30, 0), None),
    ("两三天内给您回复", "两三天内", "update", sh(10, 3, 9, 0, 0), None),
    ("2~3天内发货", "2~3天内", "shipment", sh(10, 3, 9, 0, 0), None),
    ("预计3到5天到账", "3到5天", "refund", sh(10, 5, 9, 0, 0), None),
    ("3个工作日内给您答复", "3个工作日内", "update", None, days(3)),
    ("我们三个工作日给您答复", "三个工作日", "update", None, days(3)),
    ("３个工作日内", "３个工作日内", "other", None, days(3)),
    ("退款将在1-3个工作日内原路退回", "1-3个工作日内", "refund", None, days(3)),
    ("我们会在三到五个工作日内完成退款", "三到五个工作日内", "refund", None, days(5)),
    ("8个工作小时内给您回复", "8个工作小时内", "update", None, Duration(8, "business_hours")),
    # English
    ("We will get back to you within 24 hours.", "within 24 hours", "update",
     sh(10, 1, 9, 0, 0), None),
    ("I'll call you back within 3 days", "within 3 days", "callback", sh(10, 3, 9, 0, 0), None),
    ("I'll call you back in 2 hours.", "in 2 hours", "callback", sh(9, 30, 11, 0, 0), None),
    ("I'll update you within 30 minutes", "within 30 minutes", "update",
     sh(9, 30, 9, 30, 0), None),
    ("We'll send a replacement within a week.", "within a week", "replacement",
     sh(10, 7, 9, 0, 0), None),
    ("I'll let you know in half an hour.", "in half an hour", "update",
     sh(9, 30, 9, 30, 0), None),
    ("We will call you within the next 48 hours", "within the next 48 hours", "callback",
     sh(10, 2, 9, 0, 0), None),
    ("Refunds are issued within 3 business days.", "within 3 business days", "refund",
     None, days(3)),
    ("We'll ship it within 3 working days", "within 3 working days", "shipment", None, days(3)),
    ("Your refund will arrive in 3-5 business days", "in 3-5 business days", "refund",
     None, days(5)),
]  # fmt: skip

ANCHORS = [
    ("今天下班前给您回复", "今天下班前", "update", sh(9, 30, 18, 0, 0)),
    ("下班前给您回电", "下班前", "callback", sh(9, 30, 18, 0, 0)),
    ("今晚8点前给您答复", "今晚8点前", "update", sh(9, 30, 20, 0, 0)),
    ("今天晚上给您回电", "今天晚上", "callback", sh(9, 30, 21, 0, 0)),
    ("明天给您发货", "明天", "shipment", sh(10, 1, *EOD)),
    ("我明天上午10点前给您答复", "明天上午10点前", "update", sh(10, 1, 10, 0, 0)),
    ("明天下午3点给您回电", "明天下午3点", "callback", sh(10, 1, 15, 0, 0)),
    ("明天上午给您回电", "明天上午", "callback", sh(10, 1, 12, 0, 0)),
    ("明天下午给您回电", "明天下午", "callback", sh(10, 1, 18, 0, 0)),
    ("明天晚上给您回电", "明天晚上", "callback", sh(10, 1, 21, 0, 0)),
    ("明早给您回电", "明早", "callback", sh(10, 1, 9, 0, 0)),
    ("后天会给您寄出", "后天", "shipment", sh(10, 2, *EOD)),
    ("大后天之前给您补发", "大后天之前", "shipment", sh(10, 3, *EOD)),
    ("下周一前给您答复", "下周一前", "update", sh(10, 5, *EOD)),
    ("下星期三给您回电", "下星期三", "callback", sh(10, 7, *EOD)),
    ("周五前处理好", "周五前", "other", sh(10, 2, *EOD)),
    ("本周五之前给您退款", "本周五之前", "refund", sh(10, 2, *EOD)),
    ("周三前给您答复", "周三前", "update", sh(9, 30, *EOD)),  # today is Wednesday
    ("下周五下午3点前给您回电", "下周五下午3点前", "callback", sh(10, 9, 15, 0, 0)),
    ("10月8日前给您答复", "10月8日前", "update", sh(10, 8, *EOD)),
    ("10月8号给您补寄", "10月8号", "replacement", sh(10, 8, *EOD)),
    ("十月八号前给您答复", "十月八号前", "update", sh(10, 8, *EOD)),
    ("5号前给您结果", "5号前", "update", sh(10, 5, *EOD)),  # the 5th is past: next month's
    ("10点半前给您回电", "10点半前", "callback", sh(9, 30, 10, 30, 0)),
    ("10:30前给您回电", "10:30前", "callback", sh(9, 30, 10, 30, 0)),
    ("晚上8点前给您回电", "晚上8点前", "callback", sh(9, 30, 20, 0, 0)),
    ("下午3点前给您答复", "下午3点前", "update", sh(9, 30, 15, 0, 0)),
    ("中午12点前给您答复", "中午12点前", "update", sh(9, 30, 12, 0, 0)),
    ("上午10点前给您答复", "上午10点前", "update", sh(9, 30, 10, 0, 0)),
    ("最迟明天给您答复", "最迟明天", "update", sh(10, 1, *EOD)),
    ("本周内给您答复", "本周内", "update", sh(10, 4, *EOD)),
    ("月底前给您退款", "月底前", "refund", sh(9, 30, *EOD)),
    # English
    ("We'll reply by tomorrow.", "by tomorrow", "update", sh(10, 1, *EOD)),
    ("I'll call you by tomorrow 10am", "by tomorrow 10am", "callback", sh(10, 1, 10, 0, 0)),
    ("I'll call you tomorrow at 3pm", "tomorrow at 3pm", "callback", sh(10, 1, 15, 0, 0)),
    ("We'll update you by 5pm", "by 5pm", "update", sh(9, 30, 17, 0, 0)),
    ("We will refund you by Friday.", "by Friday", "refund", sh(10, 2, *EOD)),
    ("I'll get back to you by end of day", "by end of day", "update", sh(9, 30, 18, 0, 0)),
    ("I'll update you EOD", "EOD", "update", sh(9, 30, 18, 0, 0)),
    ("We'll contact you by next Monday", "by next Monday", "callback", sh(10, 5, *EOD)),
    ("I'll call you tomorrow morning", "tomorrow morning", "callback", sh(10, 1, 12, 0, 0)),
    ("We'll ship it by Oct 5th", "by Oct 5th", "shipment", sh(10, 5, *EOD)),
    ("We'll reply tonight", "tonight", "update", sh(9, 30, 21, 0, 0)),
]

VAGUE = [
    ("我们会尽快给您回电", "尽快", "callback"),
    ("尽快给您处理", "尽快", "other"),
    ("第一时间通知您", "第一时间", "update"),
    ("我们稍后给您回电", "稍后", "callback"),
    ("马上给您发货", "马上", "shipment"),
    ("I'll get back to you as soon as possible", "as soon as possible", "update"),
    ("We will refund you ASAP", "ASAP", "refund"),
    ("We'll respond within a few days.", "within a few days", "update"),
]

NOT_PROMISES = [
    "三天前我就下单了",
    "7天无理由退货",
    "我们支持7天无理由退货",
    "24小时客服",
    "24小时在线客服为您服务",
    "您好，请问有什么可以帮您？",
    "近三天内的订单都能查到",
    "请您在24小时内完成支付",
    "如果三天内没有收到，请联系我们",
    "三天内没人联系我",
    "签收后7天内可申请退货",
    "上周五已经给您发货了",
    "9月28号发的货",
    "1月9日返利网终于给我回电话了!",  # the seed article's narrative: a call already made
    "我等了三个工作日",
    "明天见",
    "早上好",
    "有3点需要说明",
    "快一点吧",
    "我们周一到周五9点到18点在线",
    "I called you 3 days ago.",
    "We offer 24 hour support.",
    "Please reply within 24 hours.",
    "Good morning!",
    "I sat down on Monday",
    "",
]


@pytest.mark.parametrize(("text", "phrase", "kind", "due", "business"), DURATIONS)
def test_durations(text, phrase, kind, due, business):
    c = one(text)
    assert (c.phrase, c.kind, c.due, c.business) == (phrase, kind, due, business)
    assert c.span == (text.index(phrase), text.index(phrase) + len(phrase))
    assert 0.6 <= c.confidence <= 1


@pytest.mark.parametrize(("text", "phrase", "kind", "due"), ANCHORS)
def test_calendar_anchors(text, phrase, kind, due):
    c = one(text)
    assert (c.phrase, c.kind, c.due, c.business) == (phrase, kind, due, None)
    assert c.span == (text.index(phrase), text.index(phrase) + len(phrase))
    assert 0.6 <= c.confidence <= 1


@pytest.mark.parametrize(("text", "phrase", "kind"), VAGUE)
def test_vague_promises_have_no_deadline_and_low_confidence(text, phrase, kind):
    c = one(text)
    assert (c.phrase, c.kind, c.due, c.business) == (phrase, kind, None, None)
    assert 0 < c.confidence <= 0.3


def test_a_weak_vague_word_needs_an_action():
    assert find_commitments("马上", now=NOW) == []
    assert find_commitments("Get well soon", now=NOW) == []


def test_a_vague_word_gives_way_to_a_deadline_in_its_clause():
    [c] = find_commitments("我们会尽快在三天内给您回电", now=NOW)
    assert (c.phrase, c.kind, c.due) == ("三天内", "callback", sh(10, 3, 9, 0, 0))


@pytest.mark.parametrize("text", NOT_PROMISES)
def test_not_promises(text):
    assert find_commitments(text, now=NOW) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("三天内会有专人跟我联系", "callback"),  # the seed article's promise
        ("我们会在三天内联系您", "callback"),
        ("我们明天会给您回复电话", "callback"),  # 回复电话 is a call, not a written reply
        ("两天内致电您", "callback"),
        ("退款已受理，将在3个工作日内到账", "refund"),
        ("预计三天内为您换货", "replacement"),
        ("明天给您结果", "update"),
        ("24小时内通知您处理进展", "update"),
        ("Our team will contact you within 2 days", "callback"),
        ("We will dispatch your order by Friday", "shipment"),
        ("Someone will be in touch within 24 hours", "other"),
    ],
)
def test_kind_comes_from_the_clause(text, kind):
    assert one(text).kind == kind


def test_each_phrase_takes_the_action_next_to_it():
    text = "我明天上午10点前给您答复，退款将在1-3个工作日内原路退回，如有问题三天内会有专人联系您。"
    found = find_commitments(text, now=NOW)
    assert [(c.phrase, c.kind) for c in found] == [
        ("明天上午10点前", "update"),
        ("1-3个工作日内", "refund"),
        ("三天内", "callback"),
    ]
    assert [c.span for c in found] == [(1, 9), (18, 26), (35, 38)]


def test_several_commitments_in_text_order():
    text = "您今天下的单我们明天给您发货，三天内给您答复。I'll call you back by 5pm today."
    found = find_commitments(text, now=NOW)
    assert [(c.phrase, c.kind, c.due) for c in found] == [
        ("明天", "shipment", sh(10, 1, *EOD)),  # 今天 here is when the order was placed
        ("三天内", "update", sh(10, 3, 9, 0, 0)),
        ("by 5pm today", "callback", sh(9, 30, 17, 0, 0)),
    ]


def test_spans_are_offsets_into_the_original_text():
    text = "您好！我们会在３天内给您回电。Hi! We'll refund you within 24 hours."
    found = find_commitments(text, now=NOW)
    assert [c.span for c in found] == [(7, 10), (36, 51)]
    assert [c.phrase for c in found] == ["３天内", "within 24 hours"]


def test_blanks_around_a_phrase_are_not_part_of_it():
    text = "好的\n\n  明天上午10点前  给您答复"
    c = one(text)
    assert (c.phrase, c.span) == ("明天上午10点前", (6, 14))


def test_an_anchor_already_past_is_kept_with_low_confidence():
    eleven = datetime(2026, 9, 30, 11, 0, tzinfo=SH).astimezone(UTC)
    c = one("今天10点前给您答复", now=eleven)
    assert c.due == sh(9, 30, 10, 0, 0) < eleven
    assert c.confidence <= 0.5
    assert one("10点半前给您回电", now=eleven).confidence <= 0.5
    assert one("9月29日前给您答复").confidence <= 0.5  # yesterday, said today


def test_a_question_is_no_firm_promise():
    assert one("三天内给您回电可以吗？").confidence <= 0.5


def test_results_are_utc_whatever_the_zone():
    c = one("明天上午10点前给您答复", tz="America/New_York")
    # NOW is 2026-09-29 21:00 in New York: 明天 is the 30th, 10:00 EDT is 14:00 UTC.
    assert c.due == datetime(2026, 9, 30, 14, 0, tzinfo=UTC) and c.due.tzinfo is UTC
    past = one("We'll update you by 5pm", tz="America/New_York")
    assert past.due == datetime(2026, 9, 29, 21, 0, tzinfo=UTC) and past.confidence <= 0.5
    assert one("within 24 hours", tz="America/New_York").due == NOW + timedelta(hours=24)


def test_now_in_any_offset_is_the_same_instant():
    local = NOW.astimezone(SH)
    assert find_commitments("明天下午3点给您回电", now=local) == find_commitments(
        "明天下午3点给您回电", now=NOW
    )


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        find_commitments("三天内给您回电", now=datetime(2026, 9, 30, 9, 0))


def test_unknown_zone_is_refused():
    with pytest.raises(ValueError, match="zone"):
        find_commitments("三天内给您回电", now=NOW, tz="Mars/Olympus")


def test_commitments_are_frozen():
    c = one("三天内给您回电")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.kind = "refund"  # type: ignore[misc]


_WORDS = list("0123456789０３零一两三五十百半天日周月号点时分钟小个工作内之以前后今明早晚上")
_WORDS += list("下午中班星期本这大:：-~到至年 ,，。！？\n我们会给您回电退款发货") + [
    "within ",
    "in ",
    "by ",
    "tomorrow",
    "Friday",
    "hours",
    "business days",
    "10am",
    "EOD",
    "尽快",
    "ASAP",
    "明天",
    "下周",
]


def _check(text: str) -> None:
    found = find_commitments(text, now=NOW)
    for c in found:
        assert text[c.span[0] : c.span[1]] == c.phrase
        assert 0 <= c.confidence <= 1
        assert c.due is None or c.due.tzinfo is UTC
        assert c.kind in ("callback", "refund", "shipment", "replacement", "update", "other")
    spans = [c.span for c in found]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_arbitrary_text(text):
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=60).map("".join))
def test_never_raises_on_time_like_text(text):
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "我们会在100000000000个工作小时内给您回电",
        "我们会在99999999个工作日内给您回电",
        "we will call you back within 99999999999 business hours",
        "refund within 5000 business days",
    ],
)
def test_working_spans_past_a_few_years_are_no_promise(text):
    assert [c.business for c in find_commitments(text, now=NOW) if c.business] == []


def test_working_spans_within_the_horizon_are_kept():
    [c] = find_commitments("700个工作日内完成", now=NOW)
    assert c.business == Duration(700, "business_days")
