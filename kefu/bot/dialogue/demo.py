"""The bot's part of `kefu demo`: a shopper with two orders to try the chat widget with.

小林 (member id `demo-bot-shopper`) has a shipped order with a logistics trail and an unshipped
one whose tea dropped in price the day after she paid — so "我的快递到哪了" asks which order and
shows the timeline, and "买完就降价了" refunds the difference. The demo KB answers the FAQs, and
"双11规则" runs the shop's Double 11 presale quiz (campaign teaching, seed 004).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Workspace
from kefu.auth.secrets import sign_widget_token
from kefu.bot.campaigns import service as campaigns
from kefu.bot.campaigns.schemas import CampaignCreate
from kefu.bot.dialogue import state
from kefu.bot.models import BotCampaign
from kefu.channels.models import Channel, ChannelKind
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.orders import ingest
from kefu.orders.aftersales_models import ScanCode
from kefu.orders.models import OrderStatus
from kefu.orders.shop_schemas import OrderIn, PriceIn, ScanIn

MEMBER = "demo-bot-shopper"
SKU = "SKU-BOT-DEMO-TEA"
TRACKING = "SF1300000000001"


def seed_bot_demo(session: Session, workspace_id: int) -> list[str]:
    """Two orders, a trail of scans and a price drop for the demo shopper (idempotent)."""
    system = Actor.system(workspace_id)
    now = clock.now()
    if (
        customers.find_by_identity(
            session, workspace_id=workspace_id, kind=IdentityKind.member_id, value=MEMBER
        )
        is None
    ):
        # Like every demo customer: a verified phone and the shop's member id.
        customers.create(
            session,
            actor=system,
            display_name="小林",
            identities=[
                (IdentityKind.phone, "+8613900001111", True),
                (IdentityKind.member_id, MEMBER, True),
            ],
        )
    paid = now - timedelta(days=2)
    numbers = [f"{now:%Y%m%d}90001", f"{now:%Y%m%d}90002"]
    shipping = {"name": "小林", "phone": "13900001111", "address": "上海市徐汇区漕溪北路 88 号"}
    for number, status, title, price in (
        (numbers[0], OrderStatus.shipped, "羊毛围巾", 299_00),
        (numbers[1], OrderStatus.paid, "明前龙井 250g", 198_00),
    ):
        sku = SKU if status is OrderStatus.paid else "SKU-BOT-DEMO-SCARF"
        ingest.apply_order(
            session,
            system,
            OrderIn.model_validate(
                {
                    "number": number,
                    "version": 1,
                    "customer": {"member_id": MEMBER, "name": "小林"},
                    "status": status.value,
                    "items": [
                        {"sku": sku, "title": title, "quantity": 1, "unit_price_cents": price}
                    ],
                    "shipping": shipping,
                    "paid_at": paid.isoformat(),
                    "shipped_at": (paid + timedelta(hours=20)).isoformat()
                    if status is OrderStatus.shipped
                    else None,
                }
            ),
        )
    trail = (
        (ScanCode.picked_up, "杭州", 20),
        (ScanCode.in_transit, "嘉兴转运中心", 30),
        (ScanCode.out_for_delivery, "上海徐汇", 44),
    )
    for i, (code, where, hours) in enumerate(trail):
        ingest.apply_scan(
            session,
            system,
            ScanIn(
                order_number=numbers[0],
                tracking_no=TRACKING,
                carrier="顺丰速运",
                scan_id=f"demo-bot-{i}",
                code=code,
                occurred_at=paid + timedelta(hours=hours),
                location=where,
                description=f"快件在【{where}】",
            ),
        )
    ingest.apply_price(
        session,
        system,
        PriceIn(sku=SKU, price_cents=168_00, effective_at=paid + timedelta(days=1), campaign=""),
    )
    seed_campaign_demo(session, workspace_id)
    # Switched on after the demo's history was replayed, which routing alone served.
    for channel in session.scalars(
        select(Channel).where(
            Channel.workspace_id == workspace_id, Channel.kind == ChannelKind.web_chat
        )
    ):
        state.switch_on(channel)
    session.flush()
    return numbers


QUIZ_KEY = "double11-presale-quiz"


def seed_campaign_demo(session: Session, workspace_id: int) -> BotCampaign:
    """The shop's Double 11 presale quiz, running from yesterday for a month (idempotent)."""
    found = session.scalars(
        select(BotCampaign).where(
            BotCampaign.workspace_id == workspace_id, BotCampaign.key == QUIZ_KEY
        )
    ).first()
    if found is not None:
        return found
    now = clock.now()
    steps = [
        (
            "预售定金什么时候开始付？",
            ["10月24日20:00起", "11月11日当天"],
            0,
            "定金10月24日晚8点开付。",
        ),
        ("尾款什么时候付？", ["随时都行", "11月1日20:00至11月3日"], 1, "错过尾款，定金不退哦。"),
        (
            "付完尾款后降价了怎么办？",
            ["找客服申请价保退差价", "只能认了"],
            0,
            "回复「价保」我马上帮您办。",
        ),
    ]
    content = {
        "intro": "双11预售三步走：先付定金，再付尾款，买贵了还有价保。来答 3 道题吧！",
        "steps": [
            {
                "text": text,
                "options": [
                    {"text": o, "correct": i == right, "feedback": tip if i == right else ""}
                    for i, o in enumerate(options)
                ],
            }
            for text, options, right, tip in steps
        ],
        "done": "规则都清楚啦，祝您双11买得开心！",
    }
    return campaigns.create(
        session,
        actor=Actor.system(workspace_id),
        data=CampaignCreate(
            key=QUIZ_KEY,
            title="双11预售规则",
            keywords=["双11", "双十一", "Double 11", "定金", "尾款"],
            content=content,  # type: ignore[arg-type]  # validated into QuizContent
            published=True,
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=30),
        ),
    )


def shopper_token(ws: Workspace, ttl: timedelta) -> str:
    """A shop-signed widget token for the demo shopper (for `/demo/shop?token=`)."""
    exp = int((clock.now() + ttl).timestamp())
    return sign_widget_token(ws.widget_secret, {"ws": ws.key, "sub": MEMBER, "exp": exp})


def shopper_token_for(session: Session, workspace_key: str, ttl: timedelta) -> str | None:
    from kefu.auth import service as auth

    ws = auth.get_workspace_by_key(session, workspace_key)
    return shopper_token(ws, ttl) if ws is not None else None
