"""`kefu demo`: the Lumière Home shop, seeded once from a fixed seed, and logins to try it with.

The shop is made the way the product makes data — through the service layer, on a clock that
walks through the past months — so the timelines, ticket numbers and events are real.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from faker import Faker
from sqlalchemy import delete
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Workspace
from kefu.bot.dialogue import demo as bot_demo
from kefu.demo import data, org, plan, simulate
from kefu.errors import Conflict
from kefu.knowledge import demo as knowledge_demo
from kefu.sla import policies

# Demo tokens are handed out again on every `kefu demo`; old ones need not live forever.
TOKEN_TTL = timedelta(days=30)
# The simulated history starts this long ago: the workspace first, customers a few days later.
HISTORY = timedelta(days=210)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    email: str
    password: str
    token: str


@dataclass(frozen=True)
class DemoCredentials:
    workspace_name: str
    workspace_key: str
    logins: list[DemoLogin]  # one per role, the admin last


def ensure_demo(session: Session, *, reset: bool = False) -> DemoCredentials:
    """The demo shop (seeded on first use, or again with `reset`), with fresh tokens to print."""
    ws = auth.get_workspace_by_key(session, data.WORKSPACE_KEY)
    if ws is not None and reset:
        delete_workspace(session, ws)
        ws = None
    if ws is None:
        ws = seed(session)
    return _credentials(session, ws)


def delete_workspace(session: Session, ws: Workspace) -> None:
    """Drop the workspace; every workspace-owned row goes with it by ON DELETE CASCADE."""
    session.execute(delete(Workspace).where(Workspace.id == ws.id))
    session.flush()


def seed(session: Session) -> Workspace:
    """Create the demo workspace and play its past months through the services (no commit)."""
    now = clock.now()
    rng = random.Random(data.SEED)
    fake = Faker("zh_CN")
    fake.seed_instance(data.SEED)
    story = plan.make(rng, fake, now)
    # The clock is process-wide: nothing else may run in this process while the past is replayed
    # (the CLI seeds before it serves; tests seed from the test thread).
    with clock.frozen(now - HISTORY) as past:
        ws = auth.create_workspace(session, key=data.WORKSPACE_KEY, name=data.SHOP_NAME)
        shop = org.build(session, ws, rng, fake)
        simulate.run(session, past, workspace_id=ws.id, org=shop, plan=story, rng=rng, until=now)
    # SLA policies from today on: the replayed past is history, not a backlog of breaches to fire.
    policies.install_templates(session, workspace_id=ws.id)
    # The bot's knowledge base and a shopper with orders to try the widget's bot with.
    knowledge_demo.seed_demo(session, ws.id)
    bot_demo.seed_bot_demo(session, ws.id)
    session.flush()
    return ws


def _credentials(session: Session, ws: Workspace) -> DemoCredentials:
    staff = {s.email: s for s in auth.list_staff(session, actor=Actor.system(ws.id))}
    logins = []
    for role in data.LOGIN_ROLES:
        member = staff.get(org.login_email(role))
        if member is None:
            raise Conflict(
                "demo.incomplete",
                zh=f"演示工作区 {ws.key} 缺少账号 {org.login_email(role)}，请用 --reset 重建",
                en=f"demo workspace {ws.key} lacks {org.login_email(role)}; rebuild with --reset",
            )
        _, token = auth.issue_token(session, staff=member, name="kefu demo", ttl=TOKEN_TTL)
        logins.append(
            DemoLogin(
                role=role.value,
                name=member.name,
                email=member.email,
                password=data.DEMO_PASSWORD,
                token=token,
            )
        )
    return DemoCredentials(workspace_name=ws.name, workspace_key=ws.key, logins=logins)
