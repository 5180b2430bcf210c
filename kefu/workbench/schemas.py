"""API shapes for macros (canned replies)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kefu.http.types import Id, Name, NoNul

Shortcut = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=r"^[a-z0-9][a-z0-9_\-]*$",
        description="what the agent types after `/` in the reply box, e.g. `greet`",
    ),
]
MacroBody = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4000,
        description="the reply text; `{customer_name}`, `{order_no}`, `{agent_name}` and "
        "`{ticket_no}` are filled in when it is used",
    ),
    NoNul,
]


class MacroCreate(BaseModel):
    shortcut: Shortcut
    title: Name
    body: MacroBody


class MacroUpdate(BaseModel):
    shortcut: Shortcut | None = None
    title: Name | None = None
    body: MacroBody | None = None


class MacroRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    shortcut: str
    title: str
    body: str
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


class RenderIn(BaseModel):
    conversation_id: Id


class Rendered(BaseModel):
    text: str = Field(description="the macro with every variable that has a value filled in")
    missing: list[str] = Field(description="variables with no value here (left as written)")
