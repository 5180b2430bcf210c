"""One accountable owner (首问负责制): every open ticket has exactly one active owner, always.

When nobody has taken a ticket yet — it came from the system, the bot or a web form — the duty
owner holds it: the lead of its team, else the workspace's first active team lead, supervisor or
admin. A human who takes it becomes its first owner.
"""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from kefu.auth.models import Role, Staff, TeamMember
from kefu.errors import Invalid

_RANK = case(
    (Staff.role == Role.team_lead, 0),
    (Staff.role == Role.supervisor, 1),
    (Staff.role == Role.admin, 2),
    else_=3,
)


def duty_owner(
    session: Session, *, workspace_id: int, team_id: int | None, exclude: int | None = None
) -> Staff:
    """Who holds a ticket nobody took: the team's lead, else the most junior manager on duty."""
    if team_id is not None:
        lead = session.scalars(
            select(Staff)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(
                TeamMember.team_id == team_id,
                TeamMember.is_lead.is_(True),
                Staff.active.is_(True),
                Staff.id != (exclude or 0),
            )
            .order_by(Staff.id)
        ).first()
        if lead is not None:
            return lead
    staff = session.scalars(
        select(Staff)
        .where(
            Staff.workspace_id == workspace_id,
            Staff.active.is_(True),
            Staff.id != (exclude or 0),
            Staff.role.in_([Role.team_lead, Role.supervisor, Role.admin]),
        )
        .order_by(_RANK, Staff.id)
    ).first()
    if staff is None:
        raise Invalid(
            "ticket.no_owner",
            zh="没有可负责该工单的员工（需要至少一位在职的组长、主管或管理员）",
            en="nobody can own this ticket (an active team lead, supervisor or admin is needed)",
        )
    return staff
