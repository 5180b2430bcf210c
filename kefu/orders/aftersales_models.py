"""Logistics, after-sales cases, refunds and price history: the rest of the order read model.

Rows from the shop refer to an order by its number, not by a foreign key: a scan or an
after-sales update may arrive (out of order) before the order itself, and is kept and shown as
soon as the order is known.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class ScanCode(enum.StrEnum):
    picked_up = "picked_up"
    in_transit = "in_transit"
    customs = "customs"  # held for customs clearance (cross-border parcels)
    customs_cleared = "customs_cleared"
    out_for_delivery = "out_for_delivery"
    delivered = "delivered"
    exception = "exception"  # lost, damaged, returned to sender …


class Shipment(WorkspaceScoped, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("workspace_id", "tracking_no"),
        Index("ix_shipments_ws_order", "workspace_id", "order_number"),
    )

    order_number: Mapped[str] = mapped_column(String(64))
    tracking_no: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(64), default="")


class ScanEvent(WorkspaceScoped, Base):
    __tablename__ = "scan_events"
    # The carrier's scan id makes a re-delivered scan a no-op.
    __table_args__ = (UniqueConstraint("workspace_id", "tracking_no", "scan_id"),)

    tracking_no: Mapped[str] = mapped_column(String(64))
    scan_id: Mapped[str] = mapped_column(String(128))
    code: Mapped[ScanCode] = mapped_column(str_enum(ScanCode, "scan_code"))
    occurred_at: Mapped[datetime] = mapped_column()
    location: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(String(300), default="")


class AfterSaleKind(enum.StrEnum):
    refund = "refund"  # refund only (not shipped, or keep the goods)
    return_refund = "return_refund"  # send back, then refund


class AfterSaleStatus(enum.StrEnum):
    requested = "requested"
    approved = "approved"
    shipped_back = "shipped_back"
    received = "received"
    inspected = "inspected"
    refunded = "refunded"
    rejected = "rejected"
    cancelled = "cancelled"


class AfterSale(WorkspaceScoped, Base):
    """A return or refund case; `steps` is its history: [{"status", "at", "actor", "note"}]."""

    __tablename__ = "after_sales"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_after_sales_ws_order", "workspace_id", "order_number"),
    )

    number: Mapped[str] = mapped_column(String(64))  # the shop's case number, or KF-<order>-<n>
    order_number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[AfterSaleKind] = mapped_column(str_enum(AfterSaleKind, "after_sale_kind"))
    status: Mapped[AfterSaleStatus] = mapped_column(
        str_enum(AfterSaleStatus, "after_sale_status"), default=AfterSaleStatus.requested
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    photos: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    ticket_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("tickets.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class RefundKind(enum.StrEnum):
    refund = "refund"
    price_protection = "price_protection"  # 价保: the difference after a price drop
    cancel = "cancel"  # the full amount of a cancelled, paid order


class RefundStatus(enum.StrEnum):
    pending = "pending"  # decided here, on its way to the shop
    confirmed = "confirmed"  # the shop applied it
    failed = "failed"


class Refund(WorkspaceScoped, Base):
    """Money back. `key` makes each refund happen once: price protection once per order line."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_refunds_ws_order", "workspace_id", "order_number"),
    )

    key: Mapped[str] = mapped_column(String(128))
    order_number: Mapped[str] = mapped_column(String(64))
    order_item_id: Mapped[int | None] = mapped_column(BigId, default=None)
    after_sale_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("after_sales.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[RefundKind] = mapped_column(str_enum(RefundKind, "refund_kind"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[RefundStatus] = mapped_column(
        str_enum(RefundStatus, "refund_status"), default=RefundStatus.pending
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)


class PricePoint(WorkspaceScoped, Base):
    """A SKU's price from `effective_at` on (price history for 价保)."""

    __tablename__ = "price_points"
    __table_args__ = (UniqueConstraint("workspace_id", "sku", "effective_at"),)

    sku: Mapped[str] = mapped_column(String(64))
    price_cents: Mapped[int] = mapped_column(BigInteger)
    effective_at: Mapped[datetime] = mapped_column()
    campaign: Mapped[str] = mapped_column(String(64), default="")
