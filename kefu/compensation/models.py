"""Compensation tables: the versioned policy documents and the grants made under them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class CompensationPolicy(WorkspaceScoped, Base):
    """One version of a workspace's policy. Never updated: an edit adds the next version."""

    __tablename__ = "compensation_policies"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)

    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column()
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_kind: Mapped[str] = mapped_column(String(16), default="system")
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )


class GrantStatus(enum.StrEnum):
    pending_approval = "pending_approval"
    granted = "granted"
    rejected = "rejected"


class Grant(WorkspaceScoped, Base):
    """A remedy given (or asked for) for one case. `case_key` makes it exactly once per case."""

    __tablename__ = "compensation_grants"
    __table_args__ = (
        UniqueConstraint("workspace_id", "case_key"),
        Index(
            "ix_compensation_grants_ws_customer_created",
            "workspace_id",
            "customer_id",
            "created_at",
        ),
        Index("ix_compensation_grants_ws_status_id", "workspace_id", "status", "id"),
        Index("ix_compensation_grants_ws_case_ref", "workspace_id", "case_ref"),
    )

    case_key: Mapped[str] = mapped_column(String(200))
    # The case without the remedy ("order:12:late_shipment"): one remedy per case looks it up.
    case_ref: Mapped[str] = mapped_column(String(200))
    case_type: Mapped[CaseType] = mapped_column(str_enum(CaseType, "compensation_case_type"))
    fault: Mapped[Fault] = mapped_column(str_enum(Fault, "compensation_fault"))
    remedy: Mapped[Remedy] = mapped_column(str_enum(Remedy, "compensation_remedy"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    status: Mapped[GrantStatus] = mapped_column(str_enum(GrantStatus, "compensation_grant_status"))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), default=None, index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="SET NULL"), default=None, index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="SET NULL"), default=None, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL"), default=None, index=True
    )
    # The policy version and profile that allowed it, and the offer it was chosen from.
    policy_version: Mapped[int] = mapped_column(Integer)
    profile_key: Mapped[str] = mapped_column(String(64), default="")
    offer_fingerprint: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500), default="")
    requested_by_kind: Mapped[str] = mapped_column(String(16))
    requested_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    approver_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    approval_due_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
