"""The small world the browser tests run against: one shop, an agent, a supervisor, a macro."""

from __future__ import annotations

import time
from dataclasses import dataclass

from kefu import migrate
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.auth.secrets import sign_widget_token
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.config import Settings
from kefu.knowledge import service as knowledge
from kefu.knowledge.models import EntryStatus
from kefu.knowledge.schemas import EntryContent
from kefu.runtime import build
from kefu.workbench import service as macros
from tests.e2e.seed_bot import seed_bot
from tests.e2e.seed_orders import seed_orders

WORKSPACE = "e2eshop"
PASSWORD = "e2e-password-42"  # noqa: S105 - a throwaway test login


@dataclass(frozen=True)
class Shop:
    workspace: str
    widget_secret: str
    agent_email: str
    agent_id: int
    supervisor_email: str
    password: str

    def customer_token(self, member_id: str, name: str) -> str:
        """What the shop's backend would sign for a signed-in member."""
        claims = {
            "ws": self.workspace,
            "sub": member_id,
            "name": name,
            "exp": int(time.time()) + 3600,
        }
        return sign_widget_token(self.widget_secret, claims)


def seed(database_url: str) -> Shop:
    """Migrate a fresh database and create the shop (commits; the server reads it afterwards)."""
    rt = build(Settings(database_url=database_url, worker_in_process=False))
    try:
        migrate.upgrade(rt.engine)
        with rt.sessions() as session:
            ws = auth.create_workspace(session, key=WORKSPACE, name="E2E 小店")
            system = Actor.system(ws.id)
            agent = auth.create_staff(
                session,
                actor=system,
                email="agent@e2e.test",
                name="王客服",
                role=Role.agent,
                password=PASSWORD,
            )
            auth.create_staff(
                session,
                actor=system,
                email="lead@e2e.test",
                name="李主管",
                role=Role.supervisor,
                password=PASSWORD,
            )
            channels.create(session, actor=system, kind=ChannelKind.web_chat, name="网页在线客服")
            seed_orders(session, ws.id)  # orders, customs scans, a price drop (test_orders.py)
            macros.create(
                session,
                actor=system,
                shortcut="greet",
                title="问候",
                body="您好 {customer_name}，我是{agent_name}，很高兴为您服务。",
            )
            knowledge.create(
                session,
                actor=system,
                status=EntryStatus.published,
                content=EntryContent(
                    question="如何修改收货地址",
                    paraphrases=["我想改一下收货地址", "地址填错了怎么改"],
                    answer="<p>未发货的订单可在「我的订单」里点「修改地址」；已发货请联系客服拦截。</p>",
                ),
            )
            seed_bot(session)  # a second workspace with the bot on (tests/e2e/test_bot.py)
            session.commit()
            return Shop(
                workspace=ws.key,
                widget_secret=ws.widget_secret,
                agent_email=agent.email,
                agent_id=agent.id,
                supervisor_email="lead@e2e.test",
                password=PASSWORD,
            )
    finally:
        rt.close()
