"""Campaign quizzes (the bot's campaign teaching) in the tenancy/role matrix."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm
from kefu.bot.campaigns import service as campaigns
from kefu.bot.campaigns.schemas import CampaignCreate
from tests.bot.campaign_helpers import body
from tests.factories import World
from tests.matrix.base import Domain, Rule, Seed, const

C = "/api/v1/bot/campaigns/{campaign_id}"
RULES = {
    ("GET", "/api/v1/bot/campaigns"): Rule(Perm.manage_knowledge),
    ("POST", "/api/v1/bot/campaigns"): Rule(
        Perm.manage_knowledge, 201, const(body(key="new-campaign"))
    ),
    ("GET", C): Rule(Perm.manage_knowledge),
    ("PATCH", C): Rule(Perm.manage_knowledge, body=const({"title": "改名的活动"})),
    ("GET", f"{C}/stats"): Rule(Perm.manage_knowledge),
    ("GET", f"{C}/completions"): Rule(Perm.manage_knowledge),
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    campaign = campaigns.create(
        s,
        actor=world.system,
        data=CampaignCreate.model_validate(body(title=f"双11规则 {secret}", keywords=[secret])),
    )
    campaigns.record_completion(
        s,
        actor=Actor.customer(world.workspace.id, base["customer_id"]),
        campaign=campaign,
        conversation_id=base["conversation_id"],
        answers=[{"step": 0, "option": 0, "correct": True}],
        score=1,
        max_score=1,
    )
    return Seed(ids={"campaign_id": campaign.id}, secrets=(f"双11规则 {secret}",))


MATRIX = Domain(rules=RULES, seed=seed)
