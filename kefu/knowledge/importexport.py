"""Import and export of the knowledge base as CSV, JSON or Markdown (formats.py describes them).

An import is all or nothing: every record is parsed, validated and sanitised before the first row
is written, the writes run in one savepoint, and the caller commits once. An entry whose question
matches a live entry updates it (a new version when the content differs), so importing an export
again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import DomainError, Invalid
from kefu.knowledge import formats
from kefu.knowledge import service as kb
from kefu.knowledge.models import KbEntry
from kefu.knowledge.schemas import EntryContent, EntryCreate, ImportFormat
from kefu.tenancy import scoped

MAX_ENTRIES = 5000
PARSERS = {
    ImportFormat.csv: formats.parse_csv,
    ImportFormat.json: formats.parse_json,
    ImportFormat.markdown: formats.parse_markdown,
}
MEDIA_TYPES = {
    ImportFormat.csv: "text/csv; charset=utf-8",
    ImportFormat.json: "application/json",
    ImportFormat.markdown: "text/markdown; charset=utf-8",
}
EXTENSIONS = {ImportFormat.csv: "csv", ImportFormat.json: "json", ImportFormat.markdown: "md"}


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int
    unchanged: int
    entry_ids: list[int]


def _bad(where_zh: str, where_en: str, reason_zh: str, reason_en: str) -> Invalid:
    return Invalid(
        "knowledge.import_invalid", zh=f"{where_zh}：{reason_zh}", en=f"{where_en}: {reason_en}"
    )


def _validate(record: formats.Record) -> EntryCreate:
    try:
        item = EntryCreate.model_validate(record.fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "entry"
        zh = "缺少必填项" if first.get("type") == "missing" else first.get("msg", "")
        raise _bad(
            record.where_zh, record.where_en, f"{field} {zh}", f"{field} {first.get('msg', '')}"
        ) from exc
    try:
        content = kb.clean(EntryContent.model_validate(item.model_dump(exclude={"status", "note"})))
    except DomainError as exc:
        raise _bad(record.where_zh, record.where_en, exc.zh, exc.en) from exc
    return item.model_copy(update=content.model_dump())


def parse(fmt: ImportFormat, content: str) -> list[tuple[formats.Record, EntryCreate]]:
    """Every record of the file with its validated entry; the first problem is a 422 naming its
    place."""
    try:
        formats.check_text(content)
        records = PARSERS[fmt](content)
    except formats.FormatError as exc:
        raise Invalid("knowledge.import_invalid", zh=exc.zh, en=exc.en) from exc
    if len(records) > MAX_ENTRIES:
        raise Invalid(
            "knowledge.import_too_large",
            zh=f"一次最多导入 {MAX_ENTRIES} 条",
            en=f"at most {MAX_ENTRIES} entries per import",
        )
    items: list[tuple[formats.Record, EntryCreate]] = []
    seen: dict[str, tuple[str, str]] = {}
    for record in records:
        item = _validate(record)
        if item.question in seen:
            raise _bad(
                record.where_zh,
                record.where_en,
                f"问题与{seen[item.question][0]}重复",
                f"the same question as {seen[item.question][1]}",
            )
        seen[item.question] = (record.where_zh, record.where_en)
        items.append((record, item))
    return items


def import_(
    session: Session, *, actor: Actor, fmt: ImportFormat, content: str, note: str = ""
) -> Imported:
    """Create or update entries from a file, all in the caller's transaction."""
    require(actor, Perm.manage_knowledge)
    items = parse(fmt, content)
    live = _live_by_question(session, actor)
    outcomes: Counter[str] = Counter()
    ids = []
    # A savepoint: a refused entry undoes the entries before it even if the caller goes on.
    with session.begin_nested():
        for record, item in items:
            try:
                entry, outcome = _import_one(session, actor, item, live.get(item.question), note)
            except DomainError as exc:
                # The file was valid; the knowledge base changed after `live` was read (another
                # writer took the question, or deleted the entry): the same error, with the place.
                raise type(exc)(
                    exc.code,
                    zh=f"{record.where_zh}：{exc.zh}；本次导入未写入任何条目",
                    en=f"{record.where_en}: {exc.en}; nothing was imported",
                ) from exc
            outcomes[outcome] += 1
            ids.append(entry.id)
    created, updated = outcomes["created"], outcomes["updated"]
    events.record(
        session,
        actor=actor,
        type="knowledge.imported",
        payload={"format": fmt.value, "created": created, "updated": updated},
    )
    return Imported(
        created=created, updated=updated, unchanged=outcomes["unchanged"], entry_ids=ids
    )


def _live_by_question(session: Session, actor: Actor) -> dict[str, KbEntry]:
    return {
        e.question: e
        for e in session.scalars(scoped(KbEntry, actor).where(KbEntry.deleted_at.is_(None)))
    }


def _import_one(
    session: Session, actor: Actor, item: EntryCreate, existing: KbEntry | None, note: str
) -> tuple[KbEntry, str]:
    body = EntryContent.model_validate(item.model_dump(exclude={"status", "note"}))
    if existing is None:
        entry = kb.create(session, actor=actor, content=body, status=item.status, note=note)
        return entry, "created"
    version, status = existing.version, existing.status
    entry = kb.update(
        session,
        actor=actor,
        entry_id=existing.id,
        changes=body.model_dump(),
        note=note,
        # A file without a status column leaves the entry's status as it is.
        status=item.status if "status" in item.model_fields_set else None,
    )
    changed = entry.version != version or entry.status != status
    return entry, "updated" if changed else "unchanged"


def export(session: Session, *, actor: Actor, fmt: ImportFormat) -> tuple[str, str, str]:
    """(file text, media type, file name) of every live entry, oldest first."""
    require(actor, Perm.read)
    entries = session.scalars(
        scoped(KbEntry, actor).where(KbEntry.deleted_at.is_(None)).order_by(KbEntry.id)
    )
    records = [{**kb.content_of(e).model_dump(), "status": e.status.value} for e in entries]
    if fmt is ImportFormat.csv:
        text = formats.write_csv(records)
    elif fmt is ImportFormat.json:
        text = formats.write_json(records)
    else:
        text = formats.write_markdown(records, title="知识库 Knowledge base")
    return text, MEDIA_TYPES[fmt], f"knowledge.{EXTENSIONS[fmt]}"
