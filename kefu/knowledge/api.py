"""Routes: knowledge base entries, versions, search, answers, import/export, agent assist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from kefu.auth.permissions import Perm, require
from kefu.http.deps import Cursor, Limit, StaffCtx, path_id, text_filter
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page
from kefu.knowledge import assist, importexport, retrieval, search
from kefu.knowledge import service as kb
from kefu.knowledge.models import EntryKind, EntryStatus
from kefu.knowledge.schemas import (
    AnswerRequest,
    CandidateRead,
    DiffRead,
    EntryContent,
    EntryCreate,
    EntryRead,
    EntryUpdate,
    ImportFormat,
    ImportRequest,
    ImportResult,
    SearchHit,
    SuggestionRead,
    SuggestionsRead,
    UseCreate,
    UseRead,
    VersionRead,
)

router = APIRouter(prefix="/api/v1", tags=["knowledge"], responses=error_responses())

EntryId = Annotated[int, path_id("knowledge entry id")]
ConversationId = Annotated[int, path_id("conversation id")]
VersionNo = Annotated[int, path_id("version number")]
VersionQuery = Annotated[int, Query(ge=1, le=2**31 - 1, description="version number")]


@router.get("/knowledge/entries", response_model=Page[EntryRead])
def list_entries(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: EntryStatus | None = None,
    kind: EntryKind | None = None,
    tag: Annotated[str | None, text_filter(64, "entries with this tag")] = None,
    campaign: Annotated[str | None, text_filter(64, "entries of this campaign")] = None,
) -> Any:
    """Live (not deleted) entries, newest first."""
    found = kb.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        kind=kind,
        tag=tag,
        campaign=campaign,
    )
    return Page[EntryRead].of(found, EntryRead.of)


@router.post("/knowledge/entries", response_model=EntryRead, status_code=201)
def create_entry(body: EntryCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """A new entry (version 1); answers are sanitised HTML."""
    content = EntryContent.model_validate(body.model_dump(exclude={"status", "note"}))
    return create_once(
        ctx,
        key,
        operation="knowledge.entry.create",
        request=body,
        make=lambda: EntryRead.of(
            kb.create(
                ctx.session, actor=ctx.actor, content=content, status=body.status, note=body.note
            )
        ),
    )


@router.get("/knowledge/entries/{entry_id}", response_model=EntryRead)
def get_entry(entry_id: EntryId, ctx: StaffCtx) -> Any:
    return EntryRead.of(kb.get(ctx.session, actor=ctx.actor, entry_id=entry_id))


@router.patch("/knowledge/entries/{entry_id}", response_model=EntryRead)
def update_entry(entry_id: EntryId, body: EntryUpdate, ctx: StaffCtx) -> Any:
    """Change content; a real change is a new version with you as its author."""
    entry = kb.update(
        ctx.session,
        actor=ctx.actor,
        entry_id=entry_id,
        changes=body.model_dump(exclude_unset=True, exclude={"note"}),
        note=body.note,
    )
    return ctx.commit(EntryRead.of(entry))


@router.delete("/knowledge/entries/{entry_id}", response_model=EntryRead)
def delete_entry(entry_id: EntryId, ctx: StaffCtx) -> Any:
    """Soft delete: the entry stops answering and leaves lists and search; versions stay."""
    return ctx.commit(EntryRead.of(kb.delete(ctx.session, actor=ctx.actor, entry_id=entry_id)))


@router.post("/knowledge/entries/{entry_id}/publish", response_model=EntryRead)
def publish_entry(entry_id: EntryId, ctx: StaffCtx) -> Any:
    """The entry may answer customers (within its validity window)."""
    entry = kb.set_status(
        ctx.session, actor=ctx.actor, entry_id=entry_id, status=EntryStatus.published
    )
    return ctx.commit(EntryRead.of(entry))


@router.post("/knowledge/entries/{entry_id}/unpublish", response_model=EntryRead)
def unpublish_entry(entry_id: EntryId, ctx: StaffCtx) -> Any:
    entry = kb.set_status(ctx.session, actor=ctx.actor, entry_id=entry_id, status=EntryStatus.draft)
    return ctx.commit(EntryRead.of(entry))


@router.get("/knowledge/entries/{entry_id}/versions", response_model=Page[VersionRead])
def list_versions(
    entry_id: EntryId, ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    """Every version with its author and note, newest first."""
    found = kb.versions(ctx.session, actor=ctx.actor, entry_id=entry_id, limit=limit, cursor=cursor)
    return Page[VersionRead].of(found, VersionRead.of)


@router.get("/knowledge/entries/{entry_id}/versions/{number}", response_model=VersionRead)
def get_version(entry_id: EntryId, number: VersionNo, ctx: StaffCtx) -> Any:
    return VersionRead.of(
        kb.version(ctx.session, actor=ctx.actor, entry_id=entry_id, number=number)
    )


@router.get("/knowledge/entries/{entry_id}/diff", response_model=DiffRead)
def diff_versions(
    entry_id: EntryId,
    ctx: StaffCtx,
    from_version: Annotated[
        int | None, Query(alias="from", ge=1, le=2**31 - 1, description="default: to - 1")
    ] = None,
    to_version: Annotated[
        int | None, Query(alias="to", ge=1, le=2**31 - 1, description="default: the current")
    ] = None,
) -> Any:
    """What changed between two versions (by default the last edit): fields and a unified diff."""
    if to_version is None:
        to_version = kb.get(ctx.session, actor=ctx.actor, entry_id=entry_id).version
    if from_version is None:
        from_version = max(1, to_version - 1)
    fields, text = kb.diff(
        ctx.session,
        actor=ctx.actor,
        entry_id=entry_id,
        from_version=from_version,
        to_version=to_version,
    )
    return DiffRead(
        entry_id=entry_id,
        from_version=from_version,
        to_version=to_version,
        changed_fields=fields,
        diff=text,
    )


@router.get("/knowledge/search", response_model=list[SearchHit])
def search_entries(
    ctx: StaffCtx,
    q: Annotated[str, text_filter(200, "words or a question, Chinese or English")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    published_only: bool = False,
) -> Any:
    """Full-text search (jieba-segmented Chinese, English words), best first; no words: the
    latest entries."""
    require(ctx.actor, Perm.read)
    if not q.strip():
        latest, _ = kb.list_(
            ctx.session,
            actor=ctx.actor,
            limit=limit,
            cursor=None,
            status=EntryStatus.published if published_only else None,
        )
        return [SearchHit(entry=EntryRead.of(e), score=0.0) for e in latest]
    hits = search.search(
        ctx.session,
        workspace_id=ctx.actor.workspace_id,
        q=q,
        limit=limit,
        published_only=published_only,
    )
    entries = {
        e.id: e
        for e in kb.list_by_ids(ctx.session, actor=ctx.actor, ids=[h.entry_id for h in hits])
    }
    return [
        SearchHit(entry=EntryRead.of(entries[h.entry_id]), score=round(h.score, 4))
        for h in hits
        if h.entry_id in entries
    ]


@router.post("/knowledge/answer", response_model=list[CandidateRead])
def answer(body: AnswerRequest, ctx: StaffCtx) -> Any:
    """What the bot would answer now: published entries valid at this moment, best first."""
    require(ctx.actor, Perm.read)
    found = retrieval.answer(
        ctx.session, ctx.actor.workspace_id, body.text, body.channel.value, k=body.limit
    )
    return [
        CandidateRead(
            entry_id=c.entry_id,
            question=c.question,
            answer=c.answer_for_channel,
            score=c.score,
            confidence=c.confidence,
        )
        for c in found
    ]


@router.post("/knowledge/import", response_model=ImportResult)
def import_entries(body: ImportRequest, ctx: StaffCtx) -> Any:
    """All or nothing: a bad file is a 422 naming the row or line and why, a question another
    writer took meanwhile a 409 naming it; either way nothing is imported."""
    done = importexport.import_(
        ctx.session, actor=ctx.actor, fmt=body.format, content=body.content, note=body.note
    )
    return ctx.commit(
        ImportResult(
            created=done.created,
            updated=done.updated,
            unchanged=done.unchanged,
            entry_ids=done.entry_ids,
        )
    )


@router.get(
    "/knowledge/export",
    response_class=Response,
    responses={
        200: {
            "description": "the file",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
            },
        }
    },
)
def export_entries(ctx: StaffCtx, format: ImportFormat = ImportFormat.json) -> Response:
    """Every live entry as CSV, JSON or Markdown (the import formats)."""
    text, media_type, filename = importexport.export(ctx.session, actor=ctx.actor, fmt=format)
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/conversations/{conversation_id}/suggestions",
    response_model=SuggestionsRead,
    tags=["knowledge"],
)
def suggestions(
    conversation_id: ConversationId,
    ctx: StaffCtx,
    message_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Any:
    """Agent assist: the top KB answers for the customer's latest message, with confidence."""
    answered, found = assist.suggest(
        ctx.session, actor=ctx.actor, conversation_id=conversation_id, message_id=message_id
    )
    return SuggestionsRead(
        conversation_id=conversation_id,
        message_id=answered,
        items=[
            SuggestionRead(
                entry_id=s.entry_id,
                question=s.question,
                answer=s.answer,
                answer_html=s.answer_html,
                confidence=s.confidence,
                uses=s.uses,
            )
            for s in found
        ],
    )


@router.post(
    "/conversations/{conversation_id}/suggestions/{entry_id}/used",
    response_model=UseRead,
    status_code=201,
)
def suggestion_used(
    conversation_id: ConversationId,
    entry_id: EntryId,
    ctx: StaffCtx,
    body: UseCreate | None = None,
    key: IdempotencyKey = None,
) -> Any:
    """Record that the agent inserted this suggestion: it ranks higher among near-ties."""

    def make() -> UseRead:
        use = assist.record_use(
            ctx.session,
            actor=ctx.actor,
            conversation_id=conversation_id,
            entry_id=entry_id,
            message_id=body.message_id if body else None,
        )
        return UseRead(
            id=use.id,
            entry_id=use.entry_id,
            conversation_id=use.conversation_id,
            message_id=use.message_id,
            staff_id=use.staff_id,
            created_at=use.created_at,
        )

    return create_once(
        ctx,
        key,
        operation=f"knowledge.use.{conversation_id}.{entry_id}",
        request=body,
        make=make,
    )
