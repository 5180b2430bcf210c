"""Route: an LLM-drafted reply from the knowledge base (only when the operator configured one)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from kefu.http.deps import StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.knowledge import drafting

router = APIRouter(prefix="/api/v1", tags=["knowledge"], responses=error_responses())

ConversationId = Annotated[int, path_id("conversation id")]


class DraftRead(BaseModel):
    text: str = Field(description='the draft for the reply box; "" when the KB has no answer')
    grounded_on: list[int] = Field(description="the knowledge-base entries the model was given")
    model: str


@router.post("/conversations/{conversation_id}/draft", response_model=DraftRead)
def draft_reply(
    conversation_id: ConversationId,
    request: Request,
    ctx: StaffCtx,
    message_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Any:
    """A reply drafted by the configured LLM from the top KB passages (409 when drafting is off)."""
    found = drafting.draft(
        ctx.session,
        actor=ctx.actor,
        settings=request.app.state.settings,
        conversation_id=conversation_id,
        message_id=message_id,
    )
    return DraftRead(text=found.text, grounded_on=found.grounded_on, model=found.model)
