"""API shapes for the knowledge base: entries, versions, search, answers, import/export."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from kefu import clock
from kefu.http.types import LongText, NoNul, Tags
from kefu.knowledge.models import EntryKind, EntryStatus, KbEntry, KbVersion

Question = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00-\x1f]*$"), NoNul]
AnswerText = Annotated[str, Field(min_length=1, max_length=20_000), NoNul]
Paraphrases = Annotated[list[Question], Field(max_length=50)]
Campaign = Annotated[str, Field(max_length=64, pattern=r"^[^\x00-\x1f]*$"), NoNul]
VersionNote = Annotated[str, Field(max_length=500), NoNul]


class Channel(enum.StrEnum):
    """Which answer variant: `chat` (short) or `email` (long); other values take the default."""

    chat = "chat"
    email = "email"
    default = "default"


class EntryContent(BaseModel):
    """What an edit can change: what is versioned, imported and exported."""

    kind: EntryKind = EntryKind.faq
    question: Question
    paraphrases: Paraphrases = []
    answer: AnswerText = Field(description="rich text (HTML); sanitised on save")
    answer_chat: LongText = Field(default="", description="short variant for chat; empty: default")
    answer_email: LongText = Field(default="", description="long variant for email; empty: default")
    tags: Tags = []
    campaign: Campaign = ""
    valid_from: AwareDatetime | None = Field(default=None, description="answers from then on")
    valid_until: AwareDatetime | None = Field(default=None, description="answers until then")

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class EntryCreate(EntryContent):
    status: EntryStatus = EntryStatus.draft
    note: VersionNote = ""


class EntryUpdate(BaseModel):
    """Fields to change (absent: unchanged); a content change makes a new version."""

    kind: EntryKind | None = None
    question: Question | None = None
    paraphrases: Paraphrases | None = None
    answer: AnswerText | None = None
    answer_chat: LongText | None = None
    answer_email: LongText | None = None
    tags: Tags | None = None
    campaign: Campaign | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    note: VersionNote = ""


class Validity(enum.StrEnum):
    """Where the clock stands in the entry's validity window (a published entry answers only
    while `running` or `always`)."""

    always = "always"  # no window
    upcoming = "upcoming"
    running = "running"
    ended = "ended"


def validity(e: KbEntry, now: datetime) -> Validity:
    if e.valid_from is None and e.valid_until is None:
        return Validity.always
    if e.valid_from is not None and now < e.valid_from:
        return Validity.upcoming
    if e.valid_until is not None and now >= e.valid_until:
        return Validity.ended
    return Validity.running


class EntryRead(BaseModel):
    id: int
    kind: EntryKind
    status: EntryStatus
    question: str
    paraphrases: list[str]
    answer: str
    answer_chat: str
    answer_email: str
    tags: list[str]
    campaign: str
    valid_from: datetime | None
    valid_until: datetime | None
    validity: Validity
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @classmethod
    def of(cls, e: KbEntry) -> EntryRead:
        return cls(
            id=e.id,
            kind=e.kind,
            status=e.status,
            question=e.question,
            paraphrases=list(e.paraphrases),
            answer=e.answer,
            answer_chat=e.answer_chat,
            answer_email=e.answer_email,
            tags=e.tags,
            campaign=e.campaign,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            validity=validity(e, clock.now()),
            version=e.version,
            created_at=e.created_at,
            updated_at=e.updated_at,
            deleted_at=e.deleted_at,
        )


class VersionRead(BaseModel):
    number: int
    author_kind: str
    author_staff_id: int | None
    note: str
    content: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, v: KbVersion) -> VersionRead:
        return cls(
            number=v.number,
            author_kind=v.author_kind,
            author_staff_id=v.author_staff_id,
            note=v.note,
            content=v.content,
            created_at=v.created_at,
        )


class DiffRead(BaseModel):
    entry_id: int
    from_version: int
    to_version: int
    changed_fields: list[str]
    diff: str = Field(description="unified diff of the two versions in the Markdown entry format")


class SearchHit(BaseModel):
    entry: EntryRead
    score: float


class AnswerRequest(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=2000), NoNul]
    channel: Channel = Channel.chat
    limit: int = Field(default=3, ge=1, le=10)


class CandidateRead(BaseModel):
    entry_id: int
    question: str
    answer: str = Field(description="the answer variant for the channel (sanitised HTML)")
    score: float
    confidence: float = Field(ge=0, le=1)


class SuggestionRead(BaseModel):
    entry_id: int
    question: str
    answer: str = Field(description="suggested reply, plain text, ready to insert")
    answer_html: str
    confidence: float = Field(ge=0, le=1)
    uses: int = Field(description="how often agents of the workspace inserted this answer")


class SuggestionsRead(BaseModel):
    conversation_id: int
    message_id: int | None = Field(description="the customer message the suggestions answer")
    items: list[SuggestionRead]


class UseCreate(BaseModel):
    message_id: int | None = Field(default=None, ge=1, le=2**62)


class UseRead(BaseModel):
    id: int
    entry_id: int
    conversation_id: int
    message_id: int | None
    staff_id: int | None
    created_at: datetime


class ImportFormat(enum.StrEnum):
    csv = "csv"
    json = "json"
    markdown = "markdown"


class ImportRequest(BaseModel):
    format: ImportFormat
    content: Annotated[str, Field(min_length=1, max_length=900_000), NoNul]
    note: VersionNote = ""


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    entry_ids: list[int]
