"""Entities in a customer's message: order and tracking numbers, phones, money, times.

    extract("SF1234567890123 到哪了？明天上午能到吗", now=clock.now())

Order numbers follow the shop's pattern (`EntityConfig.order_pattern`; the default is a run of
10–20 digits that is neither a phone nor a tracking number). Tracking numbers are recognised by
their carrier's prefix (SF, YT, JD, JDV, DPK, EMS-style XX123456789CN) or, when only digits, by a
keyword in front of them ("快递单号", "运单号", "tracking"); a bare "单号" leaves them an order
number. Phones are read by `phonenumbers` (default region CN) and come back in E.164. Money is a
`Decimal`, from "¥120.5", "¥1,200", "120元", "1.5万元", "五十块", "两块五", "一百二十元", "$20",
"20 dollars". Times ("三天内", "下周一", "明天上午", "周末", "下个月3号", "in 3 days",
"next Monday", "11月11日") are resolved against the `now` given (service code passes
`kefu.clock.now()`) in the shop's time zone, into a [start, end) range of aware datetimes.
Never raises: an expression the calendar cannot hold is skipped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from kefu.bot.nlu.normalize import MAX_CHARS, to_simplified
from kefu.bot.nlu.timeexpr import TimeRange, find_times

EntityKind = Literal["order_number", "tracking_number", "phone", "money", "time"]
DEFAULT_ORDER_PATTERN = r"(?<![\dA-Za-z])\d{10,20}(?![\dA-Za-z])"


@dataclass(frozen=True)
class EntityConfig:
    """Per-shop settings: the shop's order-number pattern, its phone region and time zone."""

    order_pattern: str = DEFAULT_ORDER_PATTERN
    phone_region: str = "CN"
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class Entity:
    """One entity. `value`: str (numbers; phones in E.164), Decimal (money), TimeRange (time).

    `detail`: the carrier of a tracking number, the currency of money (CNY/USD), else None.
    `start`/`end` index the message after full-width → half-width folding (same length for
    ordinary text).
    """

    kind: EntityKind
    text: str
    value: str | Decimal | TimeRange
    start: int
    end: int
    detail: str | None = None


# Carrier prefixes (upper case after folding). Order: most specific first.
CARRIERS: tuple[tuple[str, str], ...] = (
    ("SF", r"SF\d{12,15}"),
    ("JD", r"JDV?[A-Z]?\d{9,16}"),
    ("YTO", r"YT\d{11,18}"),
    ("DEPPON", r"DPK\d{9,15}"),
    ("EMS", r"[A-Z]{2}\d{9}[A-Z]{2}"),
)
_CARRIER_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    + "|".join(f"(?P<{name}>{p})" for name, p in CARRIERS)
    + r")(?![A-Za-z0-9])",
    re.I,
)
# Digit-only tracking numbers are claimed only after a word that says so. A bare "单号" is not
# such a word: customers say "单号202611200001" for their order number just as often, and the
# order flow can only use what is left as an order number.
_TRACKING_CUE = re.compile(
    r"(?:快递单号|运单号|物流单号|快递号|tracking(?: number| no\.?| #)?|waybill)(?:是|为)?\s*[:：#]?\s*(\d{10,18})",
    re.I,
)
# An Arabic amount: "1200", "1,200" (thousands groups), "120.5". After a currency sign it may
# start anywhere; before "元" it must not be the tail of a longer number ("3.5", "1,200").
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d{1,2})?"
_MONEY_ARABIC = re.compile(
    rf"(?P<pre>[¥￥$]|rmb|cny|usd)\s*(?P<n1>{_NUMBER})"
    rf"|(?<![\d.])(?P<n2>{_NUMBER})\s*(?P<post>元|块钱|块|rmb|cny|dollars?|usd|bucks)",
    re.I,
)
# Arabic digits with a Chinese multiplier: "1.5万元", "3千块", and "1.5万" on its own, unless a
# measure word follows ("1万步", "3千米" are not money).
_MONEY_MULTIPLIED = re.compile(
    r"(?<![\d.])(?P<num>\d+(?:\.\d+)?[万千百])"
    r"(?:\s*(?P<unit>元|块钱|块)|(?![万千百米克斤吨个件台人次步字条张瓶箱包盒双套只位名份公平度%]))"
)
_CN_NUM = "零〇一二两三四五六七八九十百千万点"
# After "块"/"元" a measure word turns the next numeral into a quantity: "两块钱一个" is 2 yuan
# each, "一百元一件" 100 a piece. Only otherwise (or before 角/毛) is it the jiao: "两块五" = 2.5.
_QUANTITY = r"(?![个件只斤条张瓶箱包盒袋双套台本支份次克位名天晚周月年杯罐片颗把])"
_MONEY_CN = re.compile(
    rf"(?P<num>[{_CN_NUM}]+)\s*(?P<unit>元|块钱|块)"
    rf"(?:(?P<jiao>[一二两三四五六七八九])(?:[角毛]|{_QUANTITY}))?"
)
_MONEY_MIXED = re.compile(rf"(?P<num>\d+)\s*(?:块|元)(?P<jiao>\d)(?:[角毛]|(?!\d){_QUANTITY})")


def fold(text: str) -> str:
    """Full-width → half-width without changing the length of ordinary text; simplified."""
    s = "".join(
        unicodedata.normalize("NFKC", ch) if len(unicodedata.normalize("NFKC", ch)) == 1 else ch
        for ch in text[: MAX_CHARS * 2]
    )
    return to_simplified(s)


def chinese_number(text: str) -> Decimal | None:
    """ "一百二十" → 120, "两" → 2, "十五点五" → 15.5; None when it is not a number."""
    import cn2an

    try:
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (ValueError, KeyError, TypeError, InvalidOperation):
        return None


def extract(
    text: str,
    *,
    now: datetime | None = None,
    config: EntityConfig | None = None,
) -> list[Entity]:
    """All entities in `text`, in reading order. Never raises on odd input."""
    from kefu import clock

    config = config or EntityConfig()
    s = fold(text or "")
    taken: list[tuple[int, int]] = []
    found: list[Entity] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(entity: Entity) -> None:
        taken.append((entity.start, entity.end))
        found.append(entity)

    for m in _CARRIER_RE.finditer(s):
        carrier = next(name for name, _ in CARRIERS if m.group(name))
        add(Entity("tracking_number", m.group(0), m.group(0).upper(), m.start(), m.end(), carrier))
    for m in _TRACKING_CUE.finditer(s):
        a, b = m.span(1)
        if free(a, b):
            add(Entity("tracking_number", m.group(1), m.group(1), a, b, _guess_carrier(m.group(1))))
    _phones(s, config, free, add)
    try:
        order_re = re.compile(config.order_pattern)
    except re.error:
        order_re = re.compile(DEFAULT_ORDER_PATTERN)
    for m in order_re.finditer(s):
        if m.group(0) and free(*m.span()):
            add(Entity("order_number", m.group(0), m.group(0), m.start(), m.end()))
    _money(s, free, add)
    tz = _zone(config.timezone)
    local_now = (now or clock.now()).astimezone(tz)
    for span, value, written in find_times(s, local_now):
        if free(*span):
            add(Entity("time", written, value, span[0], span[1]))
    return sorted(found, key=lambda e: e.start)


def order_numbers(text: str, *, config: EntityConfig | None = None) -> list[str]:
    """Just the order numbers (what the order flows ask for)."""
    return [str(e.value) for e in extract(text, config=config) if e.kind == "order_number"]


def _guess_carrier(digits: str) -> str | None:
    if re.fullmatch(r"7[3-9]\d{10,13}", digits):
        return "ZTO"
    if re.fullmatch(r"(?:77|88|55)\d{11}", digits):
        return "STO"
    if re.fullmatch(r"(?:43|46|31|32)\d{11}", digits):
        return "YUNDA"
    return None


def _phones(s: str, config: EntityConfig, free, add) -> None:  # noqa: ANN001
    import phonenumbers

    try:
        matches = list(phonenumbers.PhoneNumberMatcher(s, config.phone_region or "CN"))
    except Exception:  # noqa: BLE001 — a bad region or odd text must not break the message
        return
    for m in matches:
        if not free(m.start, m.end) or not phonenumbers.is_valid_number(m.number):
            continue
        e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
        region = phonenumbers.region_code_for_number(m.number)
        add(Entity("phone", m.raw_string, e164, m.start, m.end, region))


def _money(s: str, free, add) -> None:  # noqa: ANN001
    # Most specific form first: "1.5万元" must not leave "万元" for the Chinese-numeral pass.
    for m in _MONEY_MULTIPLIED.finditer(s):
        value = chinese_number(m.group("num"))
        if value is not None and free(*m.span()):
            add(Entity("money", m.group(0), value, m.start(), m.end(), "CNY"))
    for m in _MONEY_MIXED.finditer(s):
        if free(*m.span()):
            value = Decimal(m.group("num")) + Decimal(m.group("jiao")) / 10
            add(Entity("money", m.group(0), value, m.start(), m.end(), "CNY"))
    for m in _MONEY_ARABIC.finditer(s):
        if not free(*m.span()):
            continue
        marker = (m.group("pre") or m.group("post") or "").lower()
        currency = "USD" if marker in {"$", "usd", "dollar", "dollars", "bucks"} else "CNY"
        value = Decimal((m.group("n1") or m.group("n2")).replace(",", ""))
        add(Entity("money", m.group(0), value, m.start(), m.end(), currency))
    for m in _MONEY_CN.finditer(s):
        if not free(*m.span()):
            continue
        yuan = chinese_number(m.group("num"))
        if yuan is None:
            continue
        if m.group("jiao"):
            yuan += (chinese_number(m.group("jiao")) or Decimal(0)) / 10
        add(Entity("money", m.group(0), yuan, m.start(), m.end(), "CNY"))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ZoneInfo("Asia/Shanghai")


__all__ = ["Entity", "EntityConfig", "TimeRange", "chinese_number", "extract", "order_numbers"]
