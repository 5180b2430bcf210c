"""Search and answering: Chinese and English, validity windows on a frozen clock, edits that
change the answer on the next query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.models import Role
from kefu.knowledge import retrieval, search
from kefu.knowledge import service as kb
from kefu.knowledge.models import EntryStatus
from kefu.runtime import Runtime
from tests.factories import World
from tests.knowledge.helpers import (
    PRESALE,
    PRICE_PROTECTION,
    REFUND_EN,
    RETURNS,
    SHIPPING,
    make_entry,
)

T0 = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def seed(session: Session, world: World) -> dict[str, int]:
    ids = {}
    for name, (question, answer, paraphrases) in {
        "presale": PRESALE,
        "price": PRICE_PROTECTION,
        "returns": RETURNS,
        "shipping": SHIPPING,
        "refund": REFUND_EN,
    }.items():
        ids[name] = make_entry(session, world, question, answer, paraphrases=paraphrases).id
    return ids


def top(session: Session, world: World, text: str, **kw: object) -> int | None:
    found = retrieval.answer(session, world.workspace.id, text, "chat", **kw)  # type: ignore[arg-type]
    return found[0].entry_id if found else None


def test_full_text_search_finds_chinese_and_english(session: Session, world: World) -> None:
    ids = seed(session, world)
    ws = world.workspace.id
    cases = {
        "预售尾款什么时候付": "presale",
        "價保怎麼申請": "price",  # traditional characters
        "运费险": "returns",  # a word only the answer contains
        "发货": "shipping",
        "refund": "refund",
        "payment method": "refund",
    }
    for q, name in cases.items():
        hits = search.search(session, workspace_id=ws, q=q)
        assert hits and hits[0].entry_id == ids[name], (q, hits)
    assert search.search(session, workspace_id=ws, q="区块链") == []
    assert search.search(session, workspace_id=ws, q="的 吗 ？！") == []  # stop words only


def test_search_index_follows_edits_and_deletes(session: Session, world: World) -> None:
    ids = seed(session, world)
    ws = world.workspace.id
    admin = world.actor(Role.admin)
    kb.update(
        session,
        actor=admin,
        entry_id=ids["shipping"],
        changes={"answer": "节假日顺延，偏远地区可能延迟。"},
    )
    assert [h.entry_id for h in search.search(session, workspace_id=ws, q="偏远地区")] == [
        ids["shipping"]
    ]
    assert ids["shipping"] not in [
        h.entry_id for h in search.search(session, workspace_id=ws, q="现货")
    ]
    kb.delete(session, actor=admin, entry_id=ids["shipping"])
    assert search.search(session, workspace_id=ws, q="偏远地区") == []
    if session.connection().dialect.name == "sqlite":
        # FTS5 checks its index against the content table: the triggers kept them in step.
        session.execute(text("INSERT INTO kb_fts(kb_fts) VALUES ('integrity-check')"))


def test_search_is_per_workspace(session: Session, world: World, other_world: World) -> None:
    make_entry(session, other_world, "预售尾款什么时候付？", "RIVAL 的答案")
    assert search.search(session, workspace_id=world.workspace.id, q="预售尾款") == []


@pytest.mark.parametrize("retriever", [retrieval.NluRetriever, retrieval.TfidfRetriever])
def test_answer_ranks_the_right_entry(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch, retriever: type
) -> None:
    monkeypatch.setattr(retrieval, "make_retriever", retriever)
    retrieval.forget()
    ids = seed(session, world)
    with clock.frozen(T0):
        assert top(session, world, "预售尾款什么时候付") == ids["presale"]
        assert top(session, world, "买完就降价了") == ids["price"]
        assert top(session, world, "我想退货") == ids["returns"]
        assert top(session, world, "怎么还没发货啊") == ids["shipping"]
        assert top(session, world, "when do I get my refund?") == ids["refund"]
        found = retrieval.answer(session, world.workspace.id, "预售尾款什么时候付", "chat")
        assert 0 < found[0].confidence <= 1
        assert retrieval.answer(session, world.workspace.id, "", "chat") == []


def test_drafts_and_deleted_entries_do_not_answer(session: Session, world: World) -> None:
    draft = make_entry(session, world, *PRESALE[:2], published=False)
    with clock.frozen(T0):
        assert top(session, world, "预售尾款什么时候付") is None
        kb.set_status(session, actor=world.system, entry_id=draft.id, status=EntryStatus.published)
        assert top(session, world, "预售尾款什么时候付") == draft.id
        kb.delete(session, actor=world.system, entry_id=draft.id)
        assert top(session, world, "预售尾款什么时候付") is None


def test_a_campaign_entry_answers_only_inside_its_window(session: Session, world: World) -> None:
    start, end = datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
    entry = make_entry(session, world, *PRESALE[:2], valid_from=start, valid_until=end)
    evergreen = make_entry(session, world, "预售规则是什么？", "预售商品先付定金再付尾款。")
    with clock.frozen(start - timedelta(minutes=1)) as c:
        assert entry.id not in ids_for(session, world, "预售尾款什么时候付")  # not yet
        c.set(start)
        assert top(session, world, "预售尾款什么时候付") == entry.id
        c.set(end - timedelta(seconds=1))
        assert top(session, world, "预售尾款什么时候付") == entry.id
        c.set(end)  # the campaign is over: its rules stop answering by themselves
        found = ids_for(session, world, "预售尾款什么时候付")
        assert entry.id not in found and evergreen.id in found


def ids_for(session: Session, world: World, text: str) -> list[int]:
    return [c.entry_id for c in retrieval.answer(session, world.workspace.id, text, "chat", k=10)]


def test_an_edit_changes_the_answer_on_the_next_query(session: Session, world: World) -> None:
    ids = seed(session, world)
    ws = world.workspace.id
    before = retrieval.answer(session, ws, "下单后多久发货", "chat")[0]
    assert "48小时" in before.answer_for_channel
    rev = kb.revision(session, ws)
    kb.update(
        session,
        actor=world.actor(Role.team_lead),
        entry_id=ids["shipping"],
        changes={"answer": "大促期间72小时内发货。"},
    )
    assert kb.revision(session, ws) == rev + 1
    after = retrieval.answer(session, ws, "下单后多久发货", "chat")[0]
    assert after.entry_id == ids["shipping"] and "72小时" in after.answer_for_channel
    # A new paraphrase is matched at once too.
    weak = retrieval.answer(session, ws, "发票抬头写错了", "chat")
    assert not weak or weak[0].confidence < 0.3, weak
    kb.update(
        session,
        actor=world.system,
        entry_id=ids["price"],
        changes={"paraphrases": ["发票抬头写错了"]},
    )
    strong = retrieval.answer(session, ws, "发票抬头写错了", "chat")
    assert strong[0].entry_id == ids["price"] and strong[0].confidence > 0.6, strong


def test_the_index_is_cached_until_the_revision_moves(session: Session, world: World) -> None:
    seed(session, world)
    ws = world.workspace.id
    first = retrieval.index_for(session, ws)
    assert retrieval.index_for(session, ws) is first
    make_entry(session, world, "发票怎么开？", "在订单详情页申请电子发票。")
    second = retrieval.index_for(session, ws)
    assert second is not first and len(second.entries) == len(first.entries) + 1


def test_channel_variants_fall_back_to_the_default(session: Session, world: World) -> None:
    entry = make_entry(
        session,
        world,
        "下单后多久发货？",
        "<p>默认答案</p>",
        answer_chat="48小时内发货",
        answer_email="",
    )
    ws = world.workspace.id
    by_channel = {
        ch: retrieval.answer(session, ws, "多久发货", ch)[0]
        for ch in ("web_chat", "email", "phone")
    }
    assert all(c.entry_id == entry.id for c in by_channel.values())
    assert by_channel["web_chat"].answer_for_channel == "48小时内发货"
    assert by_channel["email"].answer_for_channel == "<p>默认答案</p>"
    assert by_channel["phone"].answer_for_channel == "<p>默认答案</p>"
    assert by_channel["phone"].answer_text == "默认答案"


def test_an_edit_committed_elsewhere_reaches_the_next_answer(
    runtime: Runtime, world: World
) -> None:
    """Another process (here: another session) edits; this one's cached index is rebuilt."""
    ws = world.workspace.id
    with runtime.sessions() as s:
        entry = make_entry(s, world, *SHIPPING[:2], paraphrases=SHIPPING[2])
        s.commit()
    with runtime.sessions() as reader:
        assert "48小时" in retrieval.answer(reader, ws, "多久发货", "chat")[0].answer_for_channel
        reader.commit()  # ends its read transaction, as a request would
        with runtime.sessions() as editor:
            kb.update(
                editor, actor=world.system, entry_id=entry.id, changes={"answer": "今日下单明日达"}
            )
            editor.commit()
        assert (
            retrieval.answer(reader, ws, "多久发货", "chat")[0].answer_for_channel
            == "今日下单明日达"
        )


class NoRetriever:
    """Only the full-text signal answers (to test it on its own)."""

    def __init__(self, entries: object) -> None:
        pass

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        return []


def yearly_copies(session: Session, world: World) -> int:
    """Last years' (and next year's) copies of the presale rule, and this year's: its id."""
    for year in [*range(2010, 2026), 2027]:
        make_entry(
            session,
            world,
            f"{PRESALE[0]}（{year}）",
            f"{year}年的{PRESALE[1]}",
            valid_from=datetime(year, 10, 20, tzinfo=UTC),
            valid_until=datetime(year, 11, 12, tzinfo=UTC),
        )
    return make_entry(
        session,
        world,
        "双11预售的尾款几号支付？",
        PRESALE[1],
        valid_from=datetime(2026, 10, 20, tzinfo=UTC),
        valid_until=datetime(2026, 11, 12, tzinfo=UTC),
    ).id


@pytest.mark.parametrize(
    "retriever", [retrieval.NluRetriever, retrieval.TfidfRetriever, NoRetriever]
)
def test_out_of_window_copies_do_not_crowd_out_the_valid_entry(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch, retriever: type
) -> None:
    # The copies match the question better than the current entry and outnumber every slot.
    monkeypatch.setattr(retrieval, "make_retriever", retriever)
    retrieval.forget()
    current = yearly_copies(session, world)
    with clock.frozen(T0):
        found = retrieval.answer(session, world.workspace.id, "双11预售尾款什么时候付", "chat")
    assert [c.entry_id for c in found] == [current]


def test_without_out_of_window_entries_each_signal_is_asked_once(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(session, world)
    for n in range(20):
        make_entry(session, world, f"第{n}号商品的保修期多久？", f"第{n}号商品保修一年。")
    retrieval.forget()
    idx = retrieval.index_for(session, world.workspace.id)
    asked: list[str] = []

    def counted(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            asked.append(name)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(idx.retriever, "search", counted("retriever", idx.retriever.search))
    monkeypatch.setattr(search, "search", counted("fulltext", search.search))
    with clock.frozen(T0):
        # Fewer matches than slots: nothing to gain from asking again.
        assert top(session, world, "怎么还没发货啊") is not None
    assert sorted(asked) == ["fulltext", "retriever"]
