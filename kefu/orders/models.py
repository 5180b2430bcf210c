"""Orders as the shop's order system knows them: a read model that service and the bot look at."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.db import Base, BigId
from kefu.models_base import IdMixin, WorkspaceScoped, str_enum


class OrderStatus(enum.StrEnum):
    pending_payment = "pending_payment"
    paid = "paid"
    shipped = "shipped"
    delivered = "delivered"
    completed = "completed"
    cancelled = "cancelled"
    refunded = "refunded"


class Order(WorkspaceScoped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        # The shop's order number is what customers quote and tickets reference (`order_ref`).
        UniqueConstraint("workspace_id", "number"),
        Index("ix_orders_ws_status_id", "workspace_id", "status", "id"),
    )

    number: Mapped[str] = mapped_column(String(64))
    # RESTRICT as for tickets: a customer with orders is merged, never deleted.
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status"), default=OrderStatus.pending_payment
    )
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # Money is integer fen (分): no float ever touches an amount.
    total_cents: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    shipped_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    shipping_name: Mapped[str] = mapped_column(String(120), default="")
    shipping_phone: Mapped[str] = mapped_column(String(32), default="")
    shipping_address: Mapped[str] = mapped_column(String(500), default="")
    carrier: Mapped[str] = mapped_column(String(64), default="")
    tracking_no: Mapped[str] = mapped_column(String(64), default="")
    # The shop's own version of the order (e.g. its updated_at in ms): a webhook or import carrying
    # an older version than the stored one never overwrites it (out-of-order delivery).
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set when the warehouse has taken the order for picking: address changes need the warehouse.
    warehouse_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="OrderItem.id",
    )


class OrderItem(IdMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def subtotal_cents(self) -> int:
        return self.quantity * self.unit_price_cents
