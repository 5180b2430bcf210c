"""Routes: merge suggestions from identity resolution (list, accept, dismiss)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from kefu.customers import resolution
from kefu.customers.models import IdentityKind
from kefu.customers.resolution import SuggestionStatus
from kefu.customers.schemas import MergeRead
from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.pages import Page

router = APIRouter(prefix="/api/v1", tags=["customers"], responses=error_responses())

SuggestionId = Annotated[int, path_id("merge suggestion id")]


class SuggestionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source_id: int
    target_id: int
    kind: IdentityKind
    value_masked: str
    reason: str
    status: SuggestionStatus
    decided_by_id: int | None
    decided_at: datetime | None
    merge_id: int | None
    created_at: datetime


@router.get("/customer-merge-suggestions", response_model=Page[SuggestionRead])
def list_suggestions(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: SuggestionStatus | None = SuggestionStatus.open,
    customer_id: RefFilter = None,
) -> Any:
    """Customers that look like one person (same phone, e-mail or member id, not verified)."""
    found = resolution.list_suggestions(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        customer_id=customer_id,
    )
    return Page[SuggestionRead].of(found, SuggestionRead.model_validate)


@router.post("/customer-merge-suggestions/{suggestion_id}/accept", response_model=MergeRead)
def accept_suggestion(suggestion_id: SuggestionId, ctx: StaffCtx) -> Any:
    """Merge as suggested; undo it like any merge (POST /customer-merges/{id}/undo)."""
    merge = resolution.accept(ctx.session, actor=ctx.actor, suggestion_id=suggestion_id)
    return ctx.commit(MergeRead.model_validate(merge))


@router.post("/customer-merge-suggestions/{suggestion_id}/dismiss", response_model=SuggestionRead)
def dismiss_suggestion(suggestion_id: SuggestionId, ctx: StaffCtx) -> Any:
    row = resolution.dismiss(ctx.session, actor=ctx.actor, suggestion_id=suggestion_id)
    return ctx.commit(SuggestionRead.model_validate(row))
