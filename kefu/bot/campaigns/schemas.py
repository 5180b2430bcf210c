"""API shapes for campaign explainers and quizzes, their completions and counts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from kefu.bot.models import BotCampaign, BotCampaignCompletion
from kefu.http.types import Key, NoNul

Line = Annotated[
    str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f]*$"), NoNul
]
OptionText = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]*$"), NoNul]
Feedback = Annotated[str, Field(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f]*$"), NoNul]
Keyword = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$"), NoNul
]
Title = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f]*$"), NoNul]
Keywords = Annotated[list[Keyword], Field(min_length=1, max_length=20)]


class OptionIn(BaseModel):
    text: OptionText
    correct: bool = False
    feedback: Feedback = Field(default="", description="what the bot says when this is picked")


class StepIn(BaseModel):
    """A question (one or more correct options: scored) or an explainer step (none correct)."""

    text: Line
    # At most 5: the customer answers with a digit, 1–5 or 一…五.
    options: Annotated[list[OptionIn], Field(min_length=2, max_length=5)]


class QuizContent(BaseModel):
    intro: Line
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=10)]
    done: Line = Field(description="the completion message")


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")


class CampaignCreate(BaseModel):
    key: Key = Field(description="e.g. double11-2026; the `campaign` of its KB entries")
    title: Title
    keywords: Keywords = Field(description="words that make a message about this campaign")
    content: QuizContent
    published: bool = False
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = Field(default=None, description="offered until then")

    @model_validator(mode="after")
    def _window(self) -> Self:
        _check_window(self.valid_from, self.valid_until)
        return self


class CampaignUpdate(BaseModel):
    """Fields to change (absent: unchanged); a content change is a new version."""

    title: Title | None = None
    keywords: Keywords | None = None
    content: QuizContent | None = None
    published: bool | None = None
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class CampaignRead(BaseModel):
    id: int
    key: str
    title: str
    keywords: list[str]
    content: dict[str, Any]
    published: bool
    version: int
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime
    updated_at: datetime
    completions: int = Field(description="quizzes finished, every version")
    customers: int = Field(description="different customers who finished it")

    @classmethod
    def of(cls, c: BotCampaign, counts: tuple[int, int] = (0, 0)) -> CampaignRead:
        return cls(
            id=c.id,
            key=c.key,
            title=c.title,
            keywords=list(c.keywords),
            content=c.content,
            published=c.published,
            version=c.version,
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            created_at=c.created_at,
            updated_at=c.updated_at,
            completions=counts[0],
            customers=counts[1],
        )


class CompletionRead(BaseModel):
    id: int
    campaign_id: int
    campaign_version: int
    customer_id: int
    conversation_id: int | None
    answers: list[dict[str, Any]]
    score: int
    max_score: int
    created_at: datetime

    @classmethod
    def of(cls, c: BotCampaignCompletion) -> CompletionRead:
        return cls(
            id=c.id,
            campaign_id=c.campaign_id,
            campaign_version=c.campaign_version,
            customer_id=c.customer_id,
            conversation_id=c.conversation_id,
            answers=list(c.answers),
            score=c.score,
            max_score=c.max_score,
            created_at=c.created_at,
        )


class VersionCount(BaseModel):
    version: int
    completions: int


class CampaignStats(BaseModel):
    campaign_id: int
    completions: int
    customers: int
    perfect: int = Field(description="completions with every scored question right")
    average_score: float | None = Field(description="mean share of questions right, 0..1")
    by_version: list[VersionCount]
