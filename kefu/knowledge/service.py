"""Knowledge base entries: create, edit (a version per edit, with author), publish, soft delete.

Every change bumps the workspace's KB revision in the same transaction, so answer indexes built
in any process see the edit on their next query (retrieval.py), and writes the full-text tokens
that the search index reads (search.py).

One live entry per question and workspace: `_ensure_unique_question` looks first (its 409 names
the other entry), and the partial unique index `uq_kb_entries_live_question` holds when two
writers both passed that look; `_question_guard` turns its refusal into the same 409.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Conflict, Invalid, not_found
from kefu.knowledge import formats
from kefu.knowledge.models import EntryStatus, KbEntry, KbEntryTag, KbRevision, KbVersion
from kefu.knowledge.schemas import EntryContent
from kefu.knowledge.text import index_text, plain, sanitize
from kefu.tenancy import get_scoped, paginate, scoped

ENTRY = ("知识条目", "knowledge entry")
VERSION = ("版本", "version")
CONTENT_FIELDS = tuple(EntryContent.model_fields)
ANSWER_FIELDS = ("answer", "answer_chat", "answer_email")


def clean(content: EntryContent) -> EntryContent:
    """The content as it is stored: answers sanitised, text trimmed, paraphrases and tags
    deduplicated (blank ones dropped), the validity window in UTC."""
    answers = {f: sanitize(getattr(content, f)) for f in ANSWER_FIELDS}
    if not plain(answers["answer"]):
        raise Invalid(
            "knowledge.empty_answer",
            zh="答案去除不安全的内容后为空",
            en="the answer is empty once unsafe markup is removed",
        )
    question = content.question.strip()
    paraphrases = [p.strip() for p in content.paraphrases if p.strip() and p.strip() != question]
    return content.model_copy(
        update={
            **answers,
            "question": question,
            "paraphrases": list(dict.fromkeys(paraphrases)),
            # Trimmed like the CSV and Markdown importers trim them, so that re-importing an
            # export finds the same tags.
            "tags": sorted({t.strip() for t in content.tags if t.strip()}),
            "campaign": content.campaign.strip(),
            "valid_from": _utc(content.valid_from, "valid_from"),
            "valid_until": _utc(content.valid_until, "valid_until"),
        }
    )


def _utc(moment: datetime | None, field: str) -> datetime | None:
    # An offset can push a date at the calendar's edge (0001-01-01T00:00+01:00) out of the
    # range datetime can hold: the schema accepts it, only the conversion fails.
    try:
        return moment and moment.astimezone(UTC)
    except OverflowError:
        raise Invalid(
            "knowledge.invalid",
            zh=f"{field} 超出可用的日期范围（0001 至 9999 年，按 UTC 计）",
            en=f"{field} is out of the supported date range (years 0001 to 9999, in UTC)",
        ) from None


def _ensure_unique_question(
    session: Session, *, actor: Actor, question: str, entry_id: int | None = None
) -> None:
    """Refuse a second live entry with the same question: import and export match entries by
    question, so a workspace holding two could not import its own export back."""
    other = _same_question(session, actor=actor, question=question, entry_id=entry_id)
    if other is not None:
        raise _duplicate(other)


def _same_question(
    session: Session, *, actor: Actor, question: str, entry_id: int | None = None
) -> int | None:
    stmt = scoped(KbEntry, actor).where(KbEntry.question == question, KbEntry.deleted_at.is_(None))
    if entry_id is not None:
        stmt = stmt.where(KbEntry.id != entry_id)
    return session.scalar(stmt.with_only_columns(KbEntry.id).limit(1))


def _duplicate(other: int) -> Conflict:
    return Conflict(
        "knowledge.duplicate_question",
        zh=f"已有问题相同的条目（#{other}）；请修改问题或编辑那一条",
        en=f"another entry (#{other}) has the same question; change it or edit that entry",
    )


@contextmanager
def _question_guard(
    session: Session, *, actor: Actor, question: str, entry_id: int | None = None
) -> Iterator[None]:
    """Flush the block's writes in a savepoint. If the unique index refuses `question` (another
    transaction took it after our look), that is the pre-check's 409, and the caller's
    transaction lives on."""
    try:
        # begin_nested() flushes what is pending first, outside the savepoint: the block must
        # make its writes to the entry inside, not before.
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        # The winner is visible now: PostgreSQL made the losing write wait for its commit, and
        # SQLite (BEGIN IMMEDIATE) runs one writer at a time. No such entry: another constraint.
        other = _same_question(session, actor=actor, question=question, entry_id=entry_id)
        if other is None:
            raise
        raise _duplicate(other) from exc


def content_of(entry: KbEntry) -> EntryContent:
    return EntryContent.model_validate({f: getattr(entry, f) for f in CONTENT_FIELDS})


def _apply(entry: KbEntry, content: EntryContent) -> None:
    for field in CONTENT_FIELDS:
        if field != "tags":
            value = getattr(content, field)
            setattr(entry, field, list(value) if field == "paraphrases" else value)
    if entry.tags != content.tags:
        entry.tag_rows = [KbEntryTag(tag=t) for t in content.tags]
    entry.search_question = index_text(content.question, *content.paraphrases)
    entry.search_body = index_text(
        *(plain(getattr(content, f)) for f in ANSWER_FIELDS), " ".join(content.tags)
    )


def _version(
    session: Session, *, actor: Actor, entry: KbEntry, content: EntryContent, note: str
) -> KbVersion:
    version = KbVersion(
        workspace_id=entry.workspace_id,
        entry_id=entry.id,
        number=entry.version,
        author_kind=actor.kind,
        author_staff_id=actor.id if actor.kind == "staff" else None,
        note=note,
        content=content.model_dump(mode="json"),
    )
    session.add(version)
    return version


def create(
    session: Session,
    *,
    actor: Actor,
    content: EntryContent,
    status: EntryStatus = EntryStatus.draft,
    note: str = "",
) -> KbEntry:
    """A new entry (version 1)."""
    require(actor, Perm.manage_knowledge)
    content = clean(content)
    _ensure_unique_question(session, actor=actor, question=content.question)
    entry = KbEntry(workspace_id=actor.workspace_id, status=status, version=1, tag_rows=[])
    _apply(entry, content)
    with _question_guard(session, actor=actor, question=content.question):
        session.add(entry)
    _version(session, actor=actor, entry=entry, content=content, note=note)
    _changed(session, actor, entry, "knowledge.entry_created")
    return entry


def get(session: Session, *, actor: Actor, entry_id: int, for_update: bool = False) -> KbEntry:
    """A live (not deleted) entry of the actor's workspace."""
    require(actor, Perm.read)
    entry = get_scoped(session, KbEntry, entry_id, actor, what=ENTRY, for_update=for_update)
    if entry.deleted_at is not None:
        raise not_found(*ENTRY)
    return entry


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: EntryStatus | None = None,
    kind: str | None = None,
    tag: str | None = None,
    campaign: str | None = None,
) -> tuple[list[KbEntry], str | None]:
    require(actor, Perm.read)
    stmt = scoped(KbEntry, actor).where(KbEntry.deleted_at.is_(None))
    if status is not None:
        stmt = stmt.where(KbEntry.status == status)
    if kind is not None:
        stmt = stmt.where(KbEntry.kind == kind)
    if tag and tag.strip():  # tags are stored trimmed (clean)
        stmt = stmt.where(
            KbEntry.id.in_(select(KbEntryTag.entry_id).where(KbEntryTag.tag == tag.strip()))
        )
    if campaign:
        stmt = stmt.where(KbEntry.campaign == campaign)
    return paginate(session, stmt, KbEntry.id, limit=limit, cursor=cursor)


def list_by_ids(session: Session, *, actor: Actor, ids: list[int]) -> list[KbEntry]:
    """Live entries of the workspace among `ids` (search results), in no particular order."""
    require(actor, Perm.read)
    if not ids:
        return []
    stmt = scoped(KbEntry, actor).where(KbEntry.id.in_(ids), KbEntry.deleted_at.is_(None))
    return list(session.scalars(stmt))


def update(
    session: Session,
    *,
    actor: Actor,
    entry_id: int,
    changes: dict[str, Any],
    note: str = "",
    status: EntryStatus | None = None,
) -> KbEntry:
    """Change content fields; a real change makes a new version (an identical one makes none)."""
    require(actor, Perm.manage_knowledge)
    entry = get(session, actor=actor, entry_id=entry_id, for_update=True)
    before = content_of(entry)
    merged = before.model_dump()
    merged.update({k: v for k, v in changes.items() if k in CONTENT_FIELDS})
    try:
        content = clean(EntryContent.model_validate(merged))
    except ValueError as exc:  # pydantic's ValidationError: a window made invalid by one side
        raise Invalid(
            "knowledge.invalid", zh=f"内容无效：{_reason(exc)}", en=f"invalid: {_reason(exc)}"
        ) from exc
    if content.question != before.question:
        _ensure_unique_question(session, actor=actor, question=content.question, entry_id=entry.id)
    new_status = status if status is not None and status != entry.status else None
    if content == before and new_status is None:
        return entry
    with _question_guard(session, actor=actor, question=content.question, entry_id=entry.id):
        if content != before:
            entry.version += 1
            _apply(entry, content)
            _version(session, actor=actor, entry=entry, content=content, note=note)
        if new_status is not None:
            entry.status = new_status
        entry.updated_at = clock.now()
    _changed(session, actor, entry, "knowledge.entry_updated")
    return entry


def set_status(session: Session, *, actor: Actor, entry_id: int, status: EntryStatus) -> KbEntry:
    """Publish (the entry may answer customers) or take back to draft."""
    require(actor, Perm.manage_knowledge)
    entry = get(session, actor=actor, entry_id=entry_id, for_update=True)
    if entry.status != status:
        entry.status = status
        entry.updated_at = clock.now()
        session.flush()
        kind = "published" if status is EntryStatus.published else "unpublished"
        _changed(session, actor, entry, f"knowledge.entry_{kind}")
    return entry


def delete(session: Session, *, actor: Actor, entry_id: int) -> KbEntry:
    """Soft delete: the entry stops answering and leaves lists; its versions stay."""
    require(actor, Perm.manage_knowledge)
    entry = get(session, actor=actor, entry_id=entry_id, for_update=True)
    entry.deleted_at = entry.updated_at = clock.now()
    session.flush()
    _changed(session, actor, entry, "knowledge.entry_deleted")
    return entry


def versions(
    session: Session, *, actor: Actor, entry_id: int, limit: int, cursor: str | None
) -> tuple[list[KbVersion], str | None]:
    """The entry's versions, newest first."""
    entry = get(session, actor=actor, entry_id=entry_id)
    stmt = scoped(KbVersion, actor).where(KbVersion.entry_id == entry.id)
    return paginate(session, stmt, KbVersion.id, limit=limit, cursor=cursor)


def version(session: Session, *, actor: Actor, entry_id: int, number: int) -> KbVersion:
    entry = get(session, actor=actor, entry_id=entry_id)
    found = session.scalars(
        scoped(KbVersion, actor).where(KbVersion.entry_id == entry.id, KbVersion.number == number)
    ).first()
    if found is None:
        raise not_found(*VERSION)
    return found


def diff(
    session: Session, *, actor: Actor, entry_id: int, from_version: int, to_version: int
) -> tuple[list[str], str]:
    """(changed field names, unified diff) between two versions, in the Markdown entry format."""
    a = version(session, actor=actor, entry_id=entry_id, number=from_version).content
    b = version(session, actor=actor, entry_id=entry_id, number=to_version).content
    fields = [f for f in CONTENT_FIELDS if a.get(f) != b.get(f)]
    lines = difflib.unified_diff(
        _diff_lines(a),
        _diff_lines(b),
        fromfile=f"v{from_version}",
        tofile=f"v{to_version}",
        lineterm="",
    )
    return fields, "\n".join(lines)


def _diff_lines(content: dict[str, Any]) -> list[str]:
    # Split at "\n" only: a question may hold U+2028, which splitlines() would cut in two.
    return formats.lines(formats.markdown_entry(content).removesuffix("\n"))


# --- the KB revision ----------------------------------------------------------------------------


def revision(session: Session, workspace_id: int) -> int:
    """The workspace's KB revision: changes whenever any entry does."""
    found = session.scalar(
        select(KbRevision.revision).where(KbRevision.workspace_id == workspace_id)
    )
    return found or 0


def revision_key(session: Session, workspace_id: int) -> str:
    """What caches key on: the revision and its random token ("" before the first edit)."""
    row = session.execute(
        select(KbRevision.revision, KbRevision.token).where(KbRevision.workspace_id == workspace_id)
    ).first()
    return f"{row[0]}:{row[1]}" if row else ""


def bump_revision(session: Session, workspace_id: int) -> None:
    """+1 in the caller's transaction (an upsert: the first edit of a workspace creates the row)."""
    dialect = session.connection().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    token = secrets.token_hex(16)
    stmt = insert(KbRevision).values(
        workspace_id=workspace_id, revision=1, token=token, created_at=clock.now()
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[KbRevision.workspace_id],
            set_={"revision": KbRevision.revision + 1, "token": token},
        )
    )


def _changed(session: Session, actor: Actor, entry: KbEntry, type_: str) -> None:
    bump_revision(session, entry.workspace_id)
    events.record(
        session,
        actor=actor,
        type=type_,
        payload={"entry_id": entry.id, "version": entry.version, "status": entry.status.value},
    )


def _reason(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first.get('loc', ()))} {first.get('msg', '')}".strip()
    return str(exc)
