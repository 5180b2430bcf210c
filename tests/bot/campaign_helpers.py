"""A Double 11 presale quiz, as a shop would publish it (seed 004's 剧本杀)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from kefu.bot.campaigns import service as campaigns
from kefu.bot.campaigns.schemas import CampaignCreate
from kefu.bot.models import BotCampaign
from tests.factories import World

START = datetime(2026, 10, 19, 16, 0, tzinfo=UTC)  # 10-20 00:00 Beijing
END = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)  # 11-12 00:00 Beijing
DURING = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)

DOUBLE11: dict[str, Any] = {
    "key": "double11-2026",
    "title": "双11预售规则",
    "keywords": ["双11", "双十一", "Double 11", "定金", "尾款"],
    "content": {
        "intro": "双11预售三步走：先付定金，再付尾款，买贵了还有价保。",
        "steps": [
            {
                "text": "预售定金什么时候开始付？",
                "options": [
                    {
                        "text": "10月24日20:00起",
                        "correct": True,
                        "feedback": "定金10月24日晚8点开付。",
                    },
                    {"text": "11月11日当天", "feedback": "11月11日是现货开卖，不是定金期。"},
                ],
            },
            {
                "text": "尾款什么时候付？",
                "options": [
                    {"text": "随时都行"},
                    {
                        "text": "11月1日20:00至11月3日",
                        "correct": True,
                        "feedback": "错过尾款定金不退哦。",
                    },
                ],
            },
            {
                "text": "付完尾款后降价了怎么办？",
                "options": [
                    {"text": "11月12日前申请价保退差价", "correct": True},
                    {"text": "只能认了"},
                ],
            },
        ],
        "done": "规则都清楚啦，祝您双11买得开心！",
    },
    "published": True,
    "valid_from": START.isoformat(),
    "valid_until": END.isoformat(),
}


def body(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOUBLE11)
    doc.update(changes)
    return doc


def publish(session, world: World, **changes: Any) -> BotCampaign:
    return campaigns.create(
        session, actor=world.system, data=CampaignCreate.model_validate(body(**changes))
    )
