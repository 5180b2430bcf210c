"""API shapes for workspaces, staff, teams, skills and login."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kefu.auth.models import Role, Staff, TeamKind
from kefu.http.types import Email, MediumText, Name, NoNul, Password, ShortText


class WorkspaceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    name: str
    timezone: str
    locale: str


class StaffSkillRead(BaseModel):
    skill_id: int
    name: str
    level: int


class StaffRead(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    active: bool
    skills: list[StaffSkillRead]
    team_ids: list[int]
    created_at: datetime

    @classmethod
    def of(cls, staff: Staff) -> StaffRead:
        return cls(
            id=staff.id,
            email=staff.email,
            name=staff.name,
            role=staff.role,
            active=staff.active,
            skills=[
                StaffSkillRead(skill_id=s.skill_id, name=s.skill.name, level=s.level)
                for s in staff.skills
            ],
            team_ids=sorted(m.team_id for m in staff.memberships),
            created_at=staff.created_at,
        )


class StaffCreate(BaseModel):
    email: Email
    name: Name
    role: Role
    password: Password | None = None


class StaffUpdate(BaseModel):
    name: Name | None = None
    role: Role | None = None
    active: bool | None = None
    password: Password | None = None


class SkillLevel(BaseModel):
    level: int = Field(ge=0, le=5, description="1–5; 0 removes the skill")


class TeamMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    staff_id: int
    is_lead: bool


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: TeamKind
    description: str
    members: list[TeamMemberRead]


class TeamCreate(BaseModel):
    name: Name
    kind: TeamKind
    description: MediumText = ""


class TeamMemberSet(BaseModel):
    is_lead: bool = False


class SkillRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str


class SkillCreate(BaseModel):
    name: ShortText = Field(min_length=1)
    description: Annotated[str, Field(max_length=300), NoNul] = ""  # the column is String(300)


class LoginRequest(BaseModel):
    workspace: ShortText = Field(min_length=1)
    email: Email
    password: Password


class LoginResponse(BaseModel):
    token: str
    staff: StaffRead


class Me(BaseModel):
    staff: StaffRead
    workspace: WorkspaceRead
