"""API shapes for channels."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from kefu.channels.models import ChannelKind
from kefu.http.types import JsonObject, Name


class ChannelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: ChannelKind
    name: str
    active: bool
    config: dict[str, Any]


class ChannelCreate(BaseModel):
    kind: ChannelKind
    name: Name
    config: JsonObject = {}


class ChannelUpdate(BaseModel):
    name: Name | None = None
    active: bool | None = None
    config: JsonObject | None = None
