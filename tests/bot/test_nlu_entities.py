"""Entities: the forms customers write, resolved against a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kefu import clock
from kefu.bot.nlu.entities import Entity, EntityConfig, TimeRange, extract, order_numbers

SH = ZoneInfo("Asia/Shanghai")
# Wednesday 25 November 2026, 10:30 in Shanghai.
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=SH)


def only(text: str, kind: str, **kw: object) -> Entity:
    found = [e for e in extract(text, now=NOW, **kw) if e.kind == kind]  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


def day(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


def test_order_numbers_default_and_per_shop_pattern() -> None:
    assert only("订单 202611231234567890 到哪了", "order_number").value == "202611231234567890"
    assert only("订单号：２０２６１１２３９９８８７７", "order_number").value == "20261123998877"
    shop = EntityConfig(order_pattern=r"LM-\d{6}")
    assert only("my order LM-123456 is late", "order_number", config=shop).value == "LM-123456"
    assert order_numbers("订单 LM-123456", config=shop) == ["LM-123456"]
    assert order_numbers("没有单号") == []
    # A broken shop pattern falls back to the default instead of failing the message.
    assert order_numbers("单 12345678901234", config=EntityConfig(order_pattern="(")) == [
        "12345678901234"
    ]


def test_tracking_numbers_by_prefix_or_cue() -> None:
    assert only("SF1234567890123 到哪了", "tracking_number").detail == "SF"
    assert only("yt1234567890123", "tracking_number").value == "YT1234567890123"
    assert only("京东 JDV012345678901", "tracking_number").detail == "JD"
    assert only("EMS EA123456789CN", "tracking_number").detail == "EMS"
    cued = only("快递单号 773012345678901", "tracking_number")
    assert cued.value == "773012345678901" and cued.detail == "ZTO"
    # The same digits without a cue are an order number, not a tracking number.
    assert only("773012345678901", "order_number")


def test_phone_numbers_in_e164_not_order_numbers() -> None:
    e = only("我电话13812345678，打给我", "phone")
    assert e.value == "+8613812345678"
    assert only("call +86 138 1234 5678", "phone").value == "+8613812345678"
    assert not [x for x in extract("13812345678", now=NOW) if x.kind == "order_number"]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("差价五十块", "50", "CNY"),
        ("退我¥120.5", "120.5", "CNY"),
        ("一百二十元", "120", "CNY"),
        ("3块5", "3.5", "CNY"),
        ("便宜了 30 元", "30", "CNY"),
        ("两百块钱", "200", "CNY"),
        ("refund $20 please", "20", "USD"),
        ("it was 15 dollars", "15", "USD"),
        ("ＲＭＢ 99", "99", "CNY"),
    ],
)
def test_money_amounts(text: str, amount: str, currency: str) -> None:
    e = only(text, "money")
    assert e.value == Decimal(amount) and e.detail == currency


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("三天内发货", NOW, NOW + timedelta(days=3)),
        ("3个工作日内退款", NOW, day(2026, 11, 30, 10) + timedelta(minutes=30)),
        ("下周一能到吗", day(2026, 11, 30), day(2026, 12, 1)),
        ("这周五", day(2026, 11, 27), day(2026, 11, 28)),
        ("明天上午", day(2026, 11, 26, 9), day(2026, 11, 26, 12)),
        ("明天下午3点", day(2026, 11, 26, 15), day(2026, 11, 26, 15)),
        ("今晚", day(2026, 11, 25, 18), day(2026, 11, 26)),
        ("后天", day(2026, 11, 27), day(2026, 11, 28)),
        ("11月11日", day(2027, 11, 11), day(2027, 11, 12)),
        ("12月1号", day(2026, 12, 1), day(2026, 12, 2)),
        ("2026-12-24", day(2026, 12, 24), day(2026, 12, 25)),
        ("in 3 days", day(2026, 11, 28), day(2026, 11, 29)),
        ("within 48 hours", NOW, NOW + timedelta(hours=48)),
        ("next Monday", day(2026, 11, 30), day(2026, 12, 1)),
        ("tomorrow morning", day(2026, 11, 26, 9), day(2026, 11, 26, 12)),
        ("friday", day(2026, 11, 27), day(2026, 11, 28)),
    ],
)
def test_times_resolve_against_now(text: str, start: datetime, end: datetime) -> None:
    e = only(text, "time")
    assert e.value == TimeRange(start, end)


def test_times_use_kefu_clock_when_now_is_not_given() -> None:
    with clock.frozen(datetime(2026, 11, 29, 16, 0, tzinfo=UTC)):  # Monday 00:00 in Shanghai
        [e] = [x for x in extract("明天上午") if x.kind == "time"]
    assert isinstance(e.value, TimeRange)
    assert e.value.start == day(2026, 12, 1, 9)


def test_one_message_many_entities_in_reading_order() -> None:
    found = extract(
        "订单202611231234567890，SF1234567890123，差价五十块，明天上午前给我回电13812345678",
        now=NOW,
    )
    assert [e.kind for e in found] == ["order_number", "tracking_number", "money", "time", "phone"]


@pytest.mark.parametrize("text", ["", "😀" * 50, "1" * 100_000, "\x00年月日", "99月99日", "下周八"])
def test_odd_input_never_raises(text: str) -> None:
    assert isinstance(extract(text, now=NOW), list)


def money_of(text: str) -> list[Decimal]:
    return [e.value for e in extract(text, now=NOW) if e.kind == "money"]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.5万元", "15000"),
        ("2万元", "20000"),
        ("3千块", "3000"),
        ("1.5万", "15000"),
        ("¥1,200", "1200"),
        ("1,200元", "1200"),
        ("退款2,000元", "2000"),
        ("¥1,200,000.50", "1200000.50"),
    ],
)
def test_money_with_multipliers_and_thousands_separators(text: str, amount: str) -> None:
    assert money_of(text) == [Decimal(amount)]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("两块钱一个", "2"),  # 一 is the quantity, not 1 jiao
        ("一百元一件", "100"),
        ("5元1件", "5"),
        ("两块五", "2.5"),  # …but a numeral that ends the amount is still the jiao
        ("三块五毛", "3.5"),
        ("两块五一个", "2.5"),
        ("3块5角", "3.5"),
    ],
)
def test_a_numeral_before_a_measure_word_is_not_jiao(text: str, amount: str) -> None:
    assert money_of(text) == [Decimal(amount)]


@pytest.mark.parametrize("text", ["今天走了1万步", "跑了3千米"])
def test_multiplied_numbers_with_a_measure_word_are_not_money(text: str) -> None:
    assert money_of(text) == []


def test_an_order_number_after_a_separator_keeps_both_entities() -> None:
    found = extract("订单202611200001，200元", now=NOW)
    assert [(e.kind, e.value) for e in found] == [
        ("order_number", "202611200001"),
        ("money", Decimal(200)),
    ]


def test_bare_danhao_is_an_order_number_not_a_tracking_number() -> None:
    assert order_numbers("单号202611200001到哪了") == ["202611200001"]
    assert not [e for e in extract("单号202611200001", now=NOW) if e.kind == "tracking_number"]
    # The words that do mean a waybill still claim the digits.
    for cue in ("运单号", "快递单号", "物流单号：", "快递单号是"):
        assert only(f"{cue}202611200001", "tracking_number").value == "202611200001"


@pytest.mark.parametrize(
    "text",
    [
        "5000000天内能发货吗",
        "can you ship in 99999999 days?",
        "99999999999天后",
        "9999年12月31日",
        "0001年1月1日",
        "99999999个工作日内",
        "999999999个月后",
        "within 99999999 hours",
    ],
)
def test_times_beyond_the_calendar_are_skipped_not_raised(text: str) -> None:
    assert [e for e in extract(text, now=NOW) if e.kind == "time"] == []


def test_one_impossible_time_does_not_cost_the_other_entities() -> None:
    found = extract("订单202611200001 9999年12月31日前到，差价五十块，明天上午", now=NOW)
    assert [e.kind for e in found] == ["order_number", "money", "time"]


_ODD_PIECES = [
    "明天", "今晚", "下下个", "周", "末", "月", "号", "日", "年", "天", "后", "内", "个", "工作日",
    "十", "百", "千", "万", "点", "半", "元", "块", "毛", "¥", "$", ",", ".", "9", "0", "1",
    "99999999999", "9999", "0001", "13812345678", "SF", "in ", "within ", "days", "next ",
    "weekend", "😀", "\u200b", "\x00", "，", " ",
]  # fmt: skip


def _odd_strings() -> list[str]:
    import random

    rng = random.Random(20261125)  # fixed seed: the same strings every run
    built = [
        "".join(rng.choice(_ODD_PIECES) for _ in range(rng.randint(1, 10))) for _ in range(1500)
    ]
    fixed = ["", " ", "😀" * 10_000, "9" * 10_000, "明天" * 5_000, "1年1月1日", "9999年1月1日"]
    fixed += [
        "9999年12月31日",
        "0001年1月1日",
        "99999999999天后",
        "5000000天内",
        "in 99999999 days",
    ]
    return fixed + built


def test_extract_never_raises_on_odd_strings() -> None:
    for text in _odd_strings():
        assert isinstance(extract(text, now=NOW), list), text
