"""External parties — suppliers, merchants, carriers — and the people to reach there."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.db import Base, BigId
from kefu.models_base import IdMixin, WorkspaceScoped, str_enum


class PartyKind(enum.StrEnum):
    supplier = "supplier"
    merchant = "merchant"
    carrier = "carrier"


class Party(WorkspaceScoped, Base):
    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind, "party_kind"))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(64), default="")

    contacts: Mapped[list[PartyContact]] = relationship(
        back_populates="party",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="PartyContact.id",
    )


class PartyContact(IdMixin, Base):
    __tablename__ = "party_contacts"

    party_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("parties.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")

    party: Mapped[Party] = relationship(back_populates="contacts")
