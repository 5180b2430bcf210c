"""API shapes: a case, an offer (the engine's own model), grants, the policy and its versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kefu.compensation.models import GrantStatus
from kefu.compensation.policy import MAX_CENTS, CaseType, Fault, Platform, PolicyDoc, Remedy
from kefu.compensation.service import CaseRequest
from kefu.http.types import Id, MediumText, Tier

Cents = Annotated[int, Field(ge=0, le=MAX_CENTS, description="fen (分): 100 = ¥1")]
CaseKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="tells two cases of the same order/ticket apart (printable ASCII)",
    ),
]


class CaseIn(BaseModel):
    """A case. Give the order (its total, customer, tier and history come from kefu's rows) or,
    without one, the order value. The channel is not an input: every channel gets the same offer."""

    model_config = ConfigDict(extra="forbid")

    case_type: CaseType
    fault: Fault
    order_id: Id | None = None
    customer_id: Id | None = None
    ticket_id: Id | None = None
    conversation_id: Id | None = None
    order_value_cents: Cents | None = Field(
        default=None,
        description="only when no order is known — given, or named by the ticket or the "
        "conversation's tickets (else it must equal the order's total)",
    )
    affected_cents: Cents | None = Field(
        default=None, description="the part concerned (one line, a price difference)"
    )
    tier: Tier | None = Field(default=None, description="only used when no customer is known")
    platform: Platform = Platform.generic

    def request(self) -> CaseRequest:
        return CaseRequest(**self.model_dump())


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: CaseIn
    remedy: Remedy
    amount_cents: Annotated[int, Field(ge=1, le=MAX_CENTS, description="fen; within the offer")]
    reason: MediumText = ""
    case_key: CaseKey | None = None


class DecisionIn(BaseModel):
    note: MediumText = ""


class RejectIn(BaseModel):
    note: Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00]*\S[^\x00]*$")]


class GrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_key: str
    case_type: CaseType
    fault: Fault
    remedy: Remedy
    amount_cents: int
    currency: str
    status: GrantStatus
    customer_id: int | None
    order_id: int | None
    ticket_id: int | None
    conversation_id: int | None
    policy_version: int
    profile_key: str
    offer_fingerprint: str
    reason: str
    requested_by_kind: str
    requested_by_id: int | None
    approver_id: int | None
    approval_due_at: datetime | None
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str
    created_at: datetime


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: PolicyDoc
    note: MediumText = ""
    base_version: Annotated[int | None, Field(ge=1, le=1_000_000)] = Field(
        default=None, description="the version the editor started from: 409 if it moved on"
    )


class PolicySummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    note: str
    created_by_kind: str
    created_by_id: int | None
    created_at: datetime


class PolicyVersionRead(PolicySummary):
    document: PolicyDoc


class PolicyRead(BaseModel):
    current: PolicyVersionRead
    history: list[PolicySummary]
