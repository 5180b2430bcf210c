"""API shape of a timeline entry."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    type: str
    occurred_at: datetime
    actor_kind: str
    actor_id: int | None
    customer_id: int | None
    conversation_id: int | None
    ticket_id: int | None
    payload: dict[str, Any]
