"""The link to the shop's systems: its secret and URL, webhook deliveries, effects, imports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base
from kefu.models_base import WorkspaceScoped, str_enum


class ShopLink(WorkspaceScoped, Base):
    """One per workspace: the shared webhook secret, where effects go, the self-service policy."""

    __tablename__ = "shop_links"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    # Kept in clear: an HMAC needs the secret itself on both sides (as Stripe's and GitHub's do).
    secret: Mapped[str] = mapped_column(String(128))
    # After a rotation the previous secret is still accepted until `previous_until`.
    previous_secret: Mapped[str] = mapped_column(String(128), default="")
    previous_until: Mapped[datetime | None] = mapped_column(default=None)
    # The shop's REST API base URL for effects (refunds, address changes, cancellations).
    api_url: Mapped[str] = mapped_column(String(500), default="")
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_version: Mapped[int] = mapped_column(Integer, default=0)


class DeliveryOutcome(enum.StrEnum):
    applied = "applied"
    duplicate = "duplicate"  # this delivery id was applied before: nothing done again
    stale = "stale"  # accepted, but older than what is stored: nothing overwritten
    rejected = "rejected"  # bad signature, stale timestamp, malformed, unknown type


class WebhookDelivery(WorkspaceScoped, Base):
    """The audit line of every webhook call that named a known workspace, whatever its fate."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # Set only for accepted deliveries (NULLs are distinct): a replay meets this index, while
        # a rejected attempt does not block the genuine one that follows.
        UniqueConstraint("workspace_id", "accepted_id"),
        # The body-only signature an accepted delivery came with: it does not cover the delivery
        # id, so the same signature under a fresh id is the same delivery replayed.
        UniqueConstraint("workspace_id", "accepted_signature"),
        Index("ix_webhook_deliveries_ws_id", "workspace_id", "id"),
    )

    delivery_id: Mapped[str] = mapped_column(String(128), default="")
    accepted_id: Mapped[str | None] = mapped_column(String(128), default=None)
    accepted_signature: Mapped[str | None] = mapped_column(String(80), default=None)
    type: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[DeliveryOutcome] = mapped_column(str_enum(DeliveryOutcome, "delivery_outcome"))
    status_code: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")


class EffectKind(enum.StrEnum):
    refund = "refund"
    address_change = "address_change"
    cancel = "cancel"


class EffectStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # gave up after MAX_ATTEMPTS; an agent may retry


class Effect(WorkspaceScoped, Base):
    """A change the shop must make, written with the action that decided it (the outbox)."""

    __tablename__ = "effects"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_effects_ws_status_id", "workspace_id", "status", "id"),
        # The worker's claim: pending effects by due time, across workspaces.
        Index("ix_effects_status_due", "status", "next_attempt_at"),
    )

    # Sent as Idempotency-Key: the shop applies each effect once however often it arrives.
    key: Mapped[str] = mapped_column(String(128))
    kind: Mapped[EffectKind] = mapped_column(str_enum(EffectKind, "effect_kind"))
    order_number: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[EffectStatus] = mapped_column(
        str_enum(EffectStatus, "effect_status"), default=EffectStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)


class ImportStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"


class ImportJob(WorkspaceScoped, Base):
    """A bulk import of orders; the UI polls `processed`/`total` for its progress bar."""

    __tablename__ = "order_imports"

    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus, "import_status"), default=ImportStatus.queued
    )
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # [{"row": 12, "batch": 0, "reason": "..."}] — a batch with one bad row imports nothing.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
