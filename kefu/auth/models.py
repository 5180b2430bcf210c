"""Workspaces (tenants), staff, teams, skills and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu import clock
from kefu.db import Base, BigId
from kefu.models_base import IdMixin, WorkspaceScoped, str_enum


class Role(enum.StrEnum):
    agent = "agent"
    team_lead = "team_lead"
    supervisor = "supervisor"
    admin = "admin"
    analyst = "analyst"


class TeamKind(enum.StrEnum):
    frontline = "frontline"
    after_sales = "after_sales"
    warehouse = "warehouse"
    logistics = "logistics"
    cross_border = "cross_border"
    quality = "quality"
    tech = "tech"
    merchant_operations = "merchant_operations"


class Workspace(IdMixin, Base):
    __tablename__ = "workspaces"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    locale: Mapped[str] = mapped_column(String(16), default="zh-CN")
    # Secret the shop's backend uses to sign customer identity tokens for the widget.
    widget_secret: Mapped[str] = mapped_column(String(128))
    # Last ticket number handed out; incremented under a row lock.
    ticket_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


class Team(WorkspaceScoped, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TeamKind] = mapped_column(str_enum(TeamKind, "team_kind"))
    description: Mapped[str] = mapped_column(String(500), default="")

    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", lazy="selectin"
    )


class Staff(WorkspaceScoped, Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role, "staff_role"))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    skills: Mapped[list[StaffSkill]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[TeamMember]] = relationship(back_populates="staff")


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    team: Mapped[Team] = relationship(back_populates="members")
    staff: Mapped[Staff] = relationship(back_populates="memberships")


class Skill(WorkspaceScoped, Base):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")


class StaffSkill(Base):
    __tablename__ = "staff_skills"

    staff_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(Integer, default=1)

    staff: Mapped[Staff] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship(lazy="joined")


class ApiToken(WorkspaceScoped, Base):
    __tablename__ = "api_tokens"

    staff_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120), default="")
    # SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough (a password is not).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    staff: Mapped[Staff] = relationship(lazy="joined")
