"""A second e2e workspace with the bot switched on (the main e2e shop keeps it off for the chat
tests): the demo shopper 小林 with her two orders and a price drop, the demo knowledge base, the
Double 11 quiz, two agents — one senior (a skill at level 5), one not (level 2) — and a team lead."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.auth.secrets import sign_widget_token
from kefu.bot.dialogue import demo
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.knowledge.demo import seed_demo

WORKSPACE = "e2ebot"
WIDGET_SECRET = "e2e-bot-widget-secret-0123456789abcdef"  # noqa: S105 - a throwaway test secret
PASSWORD = "e2e-password-42"  # noqa: S105 - a throwaway test login
AGENT = "agent@e2ebot.test"
SENIOR = "senior@e2ebot.test"
LEAD = "lead@e2ebot.test"  # manages the knowledge base and the campaigns
SHOPPER = demo.MEMBER
ORDER_NUMBERS: list[str] = []  # 小林's: [shipped scarf with a trail, paid tea whose price dropped]


def customer_token(member_id: str, name: str) -> str:
    """What the shop's backend would sign for a signed-in member."""
    claims = {"ws": WORKSPACE, "sub": member_id, "name": name, "exp": int(time.time()) + 3600}
    return sign_widget_token(WIDGET_SECRET, claims)


def seed_bot(session: Session) -> None:
    """Create the bot workspace in the caller's transaction (tests/e2e/seed.py commits)."""
    ws = auth.create_workspace(session, key=WORKSPACE, name="E2E 机器人小店")
    ws.widget_secret = WIDGET_SECRET  # known to the tests, which sign their customers' tokens
    system = Actor.system(ws.id)
    skill = auth.create_skill(session, actor=system, name="售后")
    for email, name, level in ((AGENT, "钱客服", 2), (SENIOR, "孙资深", 5)):
        staff = auth.create_staff(
            session, actor=system, email=email, name=name, role=Role.agent, password=PASSWORD
        )
        auth.set_skill(session, actor=system, staff_id=staff.id, skill_id=skill.id, level=level)
    auth.create_staff(
        session, actor=system, email=LEAD, name="郑组长", role=Role.team_lead, password=PASSWORD
    )
    channels.create(session, actor=system, kind=ChannelKind.web_chat, name="网页在线客服")
    seed_demo(session, ws.id)
    ORDER_NUMBERS[:] = demo.seed_bot_demo(session, ws.id)  # also switches the bot on, adds the quiz
