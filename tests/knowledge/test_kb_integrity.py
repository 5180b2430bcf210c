"""The knowledge base's integrity: one live entry per question even when two writers race (the
database refuses what the service's look did not see), the migration that makes existing
duplicates unique, and CSV exports that a spreadsheet cannot run as formulas."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import migrate
from kefu.auth.models import Role
from kefu.config import Settings
from kefu.db import make_engine
from kefu.errors import Conflict
from kefu.knowledge import formats, importexport, search
from kefu.knowledge import service as kb
from kefu.knowledge.models import KbEntry
from kefu.knowledge.schemas import EntryContent, ImportFormat
from kefu.runtime import Runtime, build
from tests.conftest import fresh_database
from tests.factories import World, make_world

URL = "/api/v1/knowledge/entries"
QUESTION = "双11预售尾款什么时候付？"
BEFORE_INDEX = "a90000000009"  # the revision before the unique index
_keys = count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rt(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    """A database of its own that tests really commit to, from as many connections as they like
    (the shared fixtures hold every test in one rolled-back transaction: no second writer)."""
    kind = str(request.param)
    with fresh_database(kind, str(tmp_path_factory.mktemp(kind)), "kefu_kb_integrity") as url:
        runtime = build(Settings(database_url=url, dispatch_in_process=False))
        yield runtime
        runtime.close()


@pytest.fixture
def shop(rt: Runtime) -> World:
    with rt.sessions() as s:
        world = make_world(s, key=f"kb{next(_keys)}")
        s.commit()
    return world


def entry(question: str = QUESTION, answer: str = "尾款11月1日开始付。") -> EntryContent:
    return EntryContent(question=question, answer=answer)


def live_questions(s: Session, world: World) -> list[str]:
    stmt = select(KbEntry.question).where(
        KbEntry.workspace_id == world.workspace.id, KbEntry.deleted_at.is_(None)
    )
    return sorted(s.scalars(stmt))


def blind_pre_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if each writer had looked before the other committed: only the index can refuse."""
    monkeypatch.setattr(kb, "_ensure_unique_question", lambda *args, **kwargs: None)


# --- the index under a race ---------------------------------------------------------------------


def test_the_index_refuses_what_the_look_did_not_see(
    rt: Runtime, shop: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with rt.sessions() as a:
        first = kb.create(a, actor=shop.system, content=entry())
        a.commit()
    blind_pre_check(monkeypatch)
    with rt.sessions() as b:
        with pytest.raises(Conflict) as lost:
            kb.create(b, actor=shop.system, content=entry(answer="另一个答案"))
        # The pre-check's 409, #id included, in both languages.
        assert lost.value.code == "knowledge.duplicate_question"
        assert f"#{first.id}" in lost.value.en and "same question" in lost.value.en
        assert f"#{first.id}" in lost.value.zh and "问题相同" in lost.value.zh
        # A savepoint took the refusal: the transaction goes on.
        other = kb.create(b, actor=shop.system, content=entry("下单后多久发货？"))
        # An edit that moves onto the question meets the same index.
        with pytest.raises(Conflict, match=f"#{first.id}"):
            kb.update(b, actor=shop.system, entry_id=other.id, changes={"question": QUESTION})
        assert kb.get(b, actor=shop.system, entry_id=other.id).question == "下单后多久发货？"
        # The longest question, 4-byte characters (1,200 bytes), fits PostgreSQL's index entry.
        kb.create(b, actor=shop.system, content=entry("😀" * 300))
        b.commit()
    with rt.sessions() as s:
        assert live_questions(s, shop) == sorted([QUESTION, "下单后多久发货？", "😀" * 300])
        assert kb.get(s, actor=shop.system, entry_id=other.id).version == 1
        # A deleted entry leaves its question free (the index covers live entries only).
        kb.delete(s, actor=shop.system, entry_id=first.id)
        assert kb.create(s, actor=shop.system, content=entry()).id != first.id
        s.commit()


def test_concurrent_creates_of_one_question_leave_one_entry(
    rt: Runtime, shop: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers = 6
    if rt.engine.dialect.name == "postgresql":
        # Every writer passes the look before any inserts: a real race, decided by the index.
        barrier = threading.Barrier(writers, timeout=30)
        look = kb._ensure_unique_question

        def look_then_wait(*args: Any, **kwargs: Any) -> None:
            look(*args, **kwargs)
            barrier.wait()

        monkeypatch.setattr(kb, "_ensure_unique_question", look_then_wait)
    else:
        # SQLite takes the write lock at BEGIN (one writer at a time), so the look would always
        # see the winner and a barrier would deadlock; blinding the look leaves it to the index.
        blind_pre_check(monkeypatch)

    def create(n: int) -> str:
        with rt.sessions() as s:
            try:
                kb.create(s, actor=shop.system, content=entry(answer=f"答案 {n}"))
                s.commit()
                return "created"
            except Conflict as exc:
                return exc.code

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(create, range(writers)))
    assert sorted(results) == ["created"] + ["knowledge.duplicate_question"] * (writers - 1)
    with rt.sessions() as s:
        assert live_questions(s, shop) == [QUESTION]


def test_an_import_that_loses_the_race_writes_nothing(
    rt: Runtime, shop: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with rt.sessions() as s:
        rival = kb.create(s, actor=shop.system, content=entry())
        s.commit()
    # The import read the knowledge base before the rival committed.
    blind_pre_check(monkeypatch)
    monkeypatch.setattr(importexport, "_live_by_question", lambda session, actor: {})
    csv_text = f"question,answer\n新问题一,答案一\n{QUESTION},答案二\n新问题三,答案三\n"
    with rt.sessions() as s:
        with pytest.raises(Conflict) as refused:
            importexport.import_(s, actor=shop.system, fmt=ImportFormat.csv, content=csv_text)
        assert refused.value.code == "knowledge.duplicate_question"
        assert refused.value.en.startswith("row 3: ") and f"#{rival.id}" in refused.value.en
        assert refused.value.en.endswith("nothing was imported")
        assert refused.value.zh.startswith("第 3 行：") and "未写入任何条目" in refused.value.zh
        # Even a caller that commits anyway finds row 2 undone: the import ran in a savepoint.
        s.commit()
    with rt.sessions() as s:
        assert live_questions(s, shop) == [QUESTION]


def test_the_api_answers_a_lost_race_with_the_same_409(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    en = world.headers(Role.team_lead, lang="en")
    first = client.post(URL, json={"question": QUESTION, "answer": "答案"}, headers=en).json()
    other = client.post(URL, json={"question": "别的问题", "answer": "答案"}, headers=en).json()
    blind_pre_check(monkeypatch)
    again = {"question": QUESTION, "answer": "另一个答案"}
    r = client.post(URL, json=again, headers=en)
    assert r.status_code == 409 and r.json()["code"] == "knowledge.duplicate_question"
    assert f"#{first['id']}" in r.json()["detail"] and "same question" in r.json()["detail"]
    zh = client.post(URL, json=again, headers=world.headers(Role.team_lead))
    assert zh.status_code == 409 and "问题相同" in zh.json()["detail"]
    moved = client.patch(f"{URL}/{other['id']}", json={"question": QUESTION}, headers=en)
    assert moved.status_code == 409 and f"#{first['id']}" in moved.json()["detail"]
    monkeypatch.setattr(importexport, "_live_by_question", lambda session, actor: {})
    imported = client.post(
        "/api/v1/knowledge/import",
        json={"format": "json", "content": f'[{{"question": "{QUESTION}", "answer": "答案"}}]'},
        headers=en,
    )
    assert imported.status_code == 409, imported.text
    assert imported.json()["detail"].startswith("entry 1: another entry")
    listed = client.get(URL, headers=en).json()["items"]
    assert sorted(e["question"] for e in listed) == sorted([QUESTION, "别的问题"])


# --- the migration ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_renames_existing_duplicates_and_deletes_none(
    kind: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_question = "长" * 300
    with fresh_database(kind, str(tmp_path), "kefu_kb_dupes") as url:
        engine = make_engine(url)
        _migrate(engine, "downgrade", BEFORE_INDEX)
        sessions = build(Settings(database_url=url, dispatch_in_process=False), engine).sessions
        # Duplicates as a lost race (or a database from before the check) left them.
        blind_pre_check(monkeypatch)
        with sessions() as s:
            shop, rival = make_world(s, key="dupes"), make_world(s, key="rival")
            keep = kb.create(s, actor=shop.system, content=entry())
            twin = kb.create(
                s,
                actor=shop.system,
                content=EntryContent(
                    question=QUESTION, answer="第二条", paraphrases=["尾款几号付"]
                ),
            )
            triplet = kb.create(s, actor=shop.system, content=entry(answer="第三条"))
            gone = kb.create(s, actor=shop.system, content=entry(answer="已删除"))
            kb.delete(s, actor=shop.system, entry_id=gone.id)
            long_keep = kb.create(s, actor=shop.system, content=entry(long_question))
            long_twin = kb.create(s, actor=shop.system, content=entry(long_question))
            elsewhere = kb.create(s, actor=rival.system, content=entry())
            s.commit()
            before = kb.revision(s, shop.workspace.id), kb.revision(s, rival.workspace.id)
        monkeypatch.undo()

        migrate.upgrade(engine)

        with sessions() as s:
            actor = shop.system

            def question(entry_id: int) -> str:
                return s.get_one(KbEntry, entry_id).question

            # The oldest keeps the question; the deleted one and the other workspace are untouched.
            assert question(keep.id) == question(gone.id) == question(elsewhere.id) == QUESTION
            assert question(long_keep.id) == long_question
            for dupe in (twin, triplet):
                assert question(dupe.id) == f"{QUESTION} [重复/duplicate #{dupe.id}]"
            renamed = kb.get(s, actor=actor, entry_id=twin.id)
            assert renamed.paraphrases == ["尾款几号付", QUESTION]  # still matches as before
            assert renamed.answer == "第二条" and renamed.version == 2
            note = kb.version(s, actor=actor, entry_id=twin.id, number=2).note
            assert f"#{keep.id}" in note and "migration" in note
            fields, _ = kb.diff(s, actor=actor, entry_id=twin.id, from_version=1, to_version=2)
            assert fields == ["question", "paraphrases"]
            cut = question(long_twin.id)
            assert len(cut) == 300 and cut.endswith(f" [重复/duplicate #{long_twin.id}]")
            kb.content_of(kb.get(s, actor=actor, entry_id=long_twin.id))  # still a valid entry
            assert kb.revision(s, shop.workspace.id) == before[0] + 1
            assert kb.revision(s, rival.workspace.id) == before[1]
            hits = search.search(s, workspace_id=shop.workspace.id, q="duplicate")
            assert {h.entry_id for h in hits} == {twin.id, triplet.id, long_twin.id}
            total = s.scalar(select(func.count()).select_from(KbEntry))
            assert total == 7  # nothing deleted
            # From now on the database itself refuses a duplicate.
            blind_pre_check(monkeypatch)
            with pytest.raises(Conflict, match=f"#{keep.id}"):
                kb.create(s, actor=actor, content=entry(answer="又一条"))
            # And the workspace's export imports back, unchanged.
            text, _, _ = importexport.export(s, actor=actor, fmt=ImportFormat.csv)
            done = importexport.import_(s, actor=actor, fmt=ImportFormat.csv, content=text)
            assert (done.created, done.updated, done.unchanged) == (0, 0, 5)
        engine.dispose()


def _migrate(engine: Any, how: str, revision: str) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, how)(cfg, revision)


# --- CSV formula injection ----------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","点我退款")',
    "+86 400-800-8888",
    "-5% 满减",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",  # already quoted by hand: must come back with its quote
    "''@x",
]
HARMLESS = ["'普通的引号开头", "it's fine", "退款=原路退回", "", "'"]


def test_csv_cells_a_spreadsheet_would_run_are_quoted_and_come_back() -> None:
    records = [
        {
            "question": text,
            "answer": text or "答案",
            "campaign": text,
            "tags": [text] if text and "," not in text else [],  # tags hold no comma
        }
        for text in FORMULAS + HARMLESS
    ]
    written = formats.write_csv(records)
    rows = list(csv.reader(io.StringIO(written, newline="")))
    for row in rows[1:]:
        for cell in row:
            assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}, row
    cells = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","点我退款")' in cells
    assert "''=1+1" in cells and "'''@x" in cells
    assert "'普通的引号开头" in cells and "it's fine" in cells and "'" in cells
    parsed = formats.parse_csv(written)
    for record, original in zip(parsed, records, strict=True):
        for key in ("question", "answer", "campaign"):
            assert record.fields.get(key, "") == original[key]
        assert record.fields["tags"] == [t.strip() for t in original["tags"]]


def test_a_kb_export_is_safe_to_open_and_imports_back_losslessly(
    client: TestClient, world: World, other_world: World
) -> None:
    lead = world.headers(Role.team_lead, lang="en")
    bodies: list[dict[str, Any]] = [
        {
            "question": '=HYPERLINK("http://evil.example","点我退款")',
            "paraphrases": ["+86 电话多少", "-5% 怎么用"],
            "answer": "<p>=1+1</p>",
            "answer_chat": "@客服 请稍等",
            "tags": ["-sale", "@vip"],
            "campaign": "+double11",
        },
        {"question": "'=已经有引号", "answer": "-5% 满减", "answer_email": "'@x"},
        {"question": "普通问题", "answer": "普通答案"},
    ]
    for body in bodies:
        assert client.post(URL, json=body, headers=lead).status_code == 201
    r = client.get("/api/v1/knowledge/export", params={"format": "csv"}, headers=lead)
    rows = list(csv.reader(io.StringIO(r.text, newline="")))
    assert all(cell[:1] not in {"=", "+", "-", "@"} for row in rows for cell in row), rows
    fields = (
        "question",
        "paraphrases",
        "answer",
        "answer_chat",
        "answer_email",
        "tags",
        "campaign",
    )

    def live(w: World) -> list[dict[str, Any]]:
        items = client.get(URL, headers=w.headers()).json()["items"]
        return sorted(({f: e[f] for f in fields} for e in items), key=str)

    original = live(world)
    assert {e["question"] for e in original} == {b["question"] for b in bodies}
    done = client.post(
        "/api/v1/knowledge/import",
        json={"format": "csv", "content": r.text},
        headers=other_world.headers(Role.team_lead),
    )
    assert done.status_code == 200 and done.json()["created"] == 3, done.text
    assert live(other_world) == original
    again = client.post(
        "/api/v1/knowledge/import", json={"format": "csv", "content": r.text}, headers=lead
    ).json()
    assert again["unchanged"] == 3 and again["created"] == again["updated"] == 0
