"""The demo KB: loads through the Markdown importer, again without changes, and its campaign
rules answer only in their windows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from kefu import clock
from kefu.knowledge import retrieval
from kefu.knowledge import service as kb
from kefu.knowledge.demo import seed_demo
from tests.factories import World


def first_question(session: Session, world: World, text: str) -> str | None:
    found = retrieval.answer(session, world.workspace.id, text, "web_chat")
    return found[0].question if found else None


def test_demo_kb(session: Session, world: World) -> None:
    with clock.frozen(datetime(2026, 11, 2, 4, tzinfo=UTC)) as c:
        ids = seed_demo(session, world.workspace.id)
        rev = kb.revision(session, world.workspace.id)
        assert seed_demo(session, world.workspace.id) == ids and len(ids) >= 8
        assert kb.revision(session, world.workspace.id) == rev  # nothing changed the second time
        assert first_question(session, world, "预售尾款什么时候付") == "双11预售尾款什么时候付？"
        assert first_question(session, world, "买完就降价了") == "买完就降价了可以价保吗？"
        assert first_question(session, world, "我想退货") == "支持七天无理由退换货吗？"
        assert first_question(session, world, "怎么还不发货") == "下单后多久发货？"
        assert (
            first_question(session, world, "when will my order ship?") == "When will my order ship?"
        )
        c.set(datetime(2026, 11, 26, 4, tzinfo=UTC))  # Double 11 is over, Double 12 presale runs
        assert first_question(session, world, "预售尾款什么时候付") == "双12预售尾款什么时候付？"
