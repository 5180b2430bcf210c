"""API shapes for external parties."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kefu.http.types import Name, ShortText
from kefu.parties.models import PartyKind


class ContactIn(BaseModel):
    name: Name
    title: ShortText = ""
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\-() ]*$")
    email: str = Field(default="", max_length=254, pattern=r"^([^@\s\x00]+@[^@\s\x00]+)?$")


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    title: str
    phone: str
    email: str


class PartyCreate(BaseModel):
    kind: PartyKind
    name: Name
    code: ShortText = ""
    contacts: list[ContactIn] = Field(default=[], max_length=20)


class PartyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: PartyKind
    name: str
    code: str
    contacts: list[ContactRead]
