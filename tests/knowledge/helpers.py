"""Knowledge-base test data, made through the service like the product makes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kefu.knowledge import service as kb
from kefu.knowledge.models import EntryStatus, KbEntry
from kefu.knowledge.schemas import EntryContent
from tests.factories import World


def make_entry(
    session: Session,
    world: World,
    question: str,
    answer: str,
    *,
    paraphrases: list[str] | None = None,
    published: bool = True,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    **fields: Any,
) -> KbEntry:
    content = EntryContent(
        question=question,
        answer=answer,
        paraphrases=paraphrases or [],
        valid_from=valid_from,
        valid_until=valid_until,
        **fields,
    )
    return kb.create(
        session,
        actor=world.system,
        content=content,
        status=EntryStatus.published if published else EntryStatus.draft,
    )


PRESALE = (
    "双11预售尾款什么时候付？",
    "双11预售商品的尾款在11月1日20:00至11月3日23:59之间支付，逾期定金不退。",
    ["尾款几号付", "定金付了尾款啥时候交"],
)
PRICE_PROTECTION = (
    "买完就降价了可以价保吗？",
    "签收后15天内同一商品降价，可在订单页申请价保，差价原路退回。",
    ["降价了能退差价吗", "保价怎么申请"],
)
RETURNS = (
    "支持七天无理由退换货吗？",
    "签收7天内、商品完好不影响二次销售即可申请退换货，运费险可抵扣退货运费。",
    ["怎么退货", "可以换货吗"],
)
SHIPPING = (
    "下单后多久发货？",
    "现货商品48小时内发货，预售商品按页面约定时间发货。",
    ["什么时候发货", "怎么还不发货"],
)
REFUND_EN = (
    "How long does a refund take?",
    "Refunds reach your original payment method within 3-5 business days.",
    ["when will I get my money back", "refund time"],
)
