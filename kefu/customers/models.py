"""Customers, their identities on every channel, and audited, reversible merges."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu import clock
from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped, str_enum


class IdentityKind(enum.StrEnum):
    phone = "phone"
    email = "email"
    member_id = "member_id"  # the shop's own member / account id
    app_user_id = "app_user_id"
    wechat_openid = "wechat_openid"
    wechat_unionid = "wechat_unionid"
    weibo_id = "weibo_id"


class Customer(WorkspaceScoped, Base):
    __tablename__ = "customers"

    display_name: Mapped[str] = mapped_column(String(120), default="")
    # Tier as the shop names it: "regular", "vip1" … "vip5", "svip"; routing and SLAs key on it.
    tier: Mapped[str] = mapped_column(String(32), default="regular", index=True)
    locale: Mapped[str] = mapped_column(String(16), default="zh-CN")
    note: Mapped[str] = mapped_column(String(2000), default="")
    # Set when this customer was merged into another; the row stays so the merge can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", order_by="CustomerIdentity.id"
    )
    tag_rows: Mapped[list[CustomerTag]] = relationship(
        cascade="all, delete-orphan", order_by="CustomerTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]


class CustomerTag(Base):
    __tablename__ = "customer_tags"

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class CustomerIdentity(WorkspaceScoped, Base):
    __tablename__ = "customer_identities"
    # One identity value belongs to exactly one customer per workspace: that is what merges rely on.
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[IdentityKind] = mapped_column(str_enum(IdentityKind, "identity_kind"))
    value: Mapped[str] = mapped_column(String(254))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class CustomerMerge(WorkspaceScoped, Base):
    """One merge of `source` into `target`, with exactly what moved, so it can be undone."""

    __tablename__ = "customer_merges"

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    actor_staff_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    moved: Mapped[dict[str, Any]] = mapped_column(default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
