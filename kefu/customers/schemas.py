"""API shapes for customers, identities and merges. Identity values leave masked."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kefu.customers.models import Customer, CustomerIdentity, IdentityKind
from kefu.http.types import Id, Locale, MediumText, Name, Note, Tags, Tier
from kefu.privacy import mask_identity


class IdentityIn(BaseModel):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=254, pattern=r"^[^\x00]+$")
    verified: bool = False


class IdentityRead(BaseModel):
    id: int
    kind: IdentityKind
    value_masked: str
    verified: bool

    @classmethod
    def of(cls, identity: CustomerIdentity) -> IdentityRead:
        return cls(
            id=identity.id,
            kind=identity.kind,
            value_masked=mask_identity(identity.kind.value, identity.value),
            verified=identity.verified,
        )


class CustomerRead(BaseModel):
    id: int
    display_name: str
    tier: str
    locale: str
    note: str
    tags: list[str]
    identities: list[IdentityRead]
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Customer) -> CustomerRead:
        return cls(
            id=c.id,
            display_name=c.display_name,
            tier=c.tier,
            locale=c.locale,
            note=c.note,
            tags=c.tags,
            identities=[IdentityRead.of(i) for i in c.identities],
            merged_into_id=c.merged_into_id,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class CustomerCreate(BaseModel):
    display_name: Name | None = None
    tier: Tier = "regular"
    locale: Locale = "zh-CN"
    note: Note = ""
    tags: Tags = []
    identities: list[IdentityIn] = Field(default=[], max_length=20)


class CustomerUpdate(BaseModel):
    display_name: Name | None = None
    tier: Tier | None = None
    locale: Locale | None = None
    note: Note | None = None
    tags: Tags | None = None


class MergeRequest(BaseModel):
    source_id: Id
    target_id: Id
    reason: MediumText = ""


class MergeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source_id: int
    target_id: int
    reason: str
    created_at: datetime
    undone_at: datetime | None
