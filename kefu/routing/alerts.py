"""Angry or P1: the supervisor hears of it at once (seed 002: 主管旁听, an experienced agent).

The team's leads are told (a notification each), else the workspace's supervisors; a
`routing.alert` event carries it to the supervisor board.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, TeamMember
from kefu.conversations.models import Conversation
from kefu.routing.needs import Assessment
from kefu.sla import notify


def alert(session: Session, conv: Conversation, found: Assessment) -> list[int]:
    """Angry customer or P1: the team's leads (else the supervisors) are told at once (seed 002)."""
    ws = conv.workspace_id
    team_id = found.needs.team_id
    leads: list[int] = []
    if team_id is not None:
        leads = list(
            session.scalars(
                select(Staff.id)
                .join(TeamMember, TeamMember.staff_id == Staff.id)
                .where(
                    TeamMember.team_id == team_id,
                    TeamMember.is_lead.is_(True),
                    Staff.active.is_(True),
                )
                .order_by(Staff.id)
            )
        )
    if not leads:
        leads = list(
            session.scalars(
                select(Staff.id)
                .where(
                    Staff.workspace_id == ws,
                    Staff.role == Role.supervisor,
                    Staff.active.is_(True),
                )
                .order_by(Staff.id)
            )
        )
    kind = "p1" if found.p1 else "angry"
    what = "P1 紧急会话" if found.p1 else "客户情绪激动"
    for staff_id in leads:
        notify.notify(
            session,
            workspace_id=ws,
            staff_id=staff_id,
            kind=f"routing.{kind}",
            text=f"{what}：会话 #{conv.id} 正在转给资深客服 / {kind} conversation #{conv.id}",
        )
    events.record(
        session,
        actor=Actor.system(ws),
        type="routing.alert",
        customer_id=conv.customer_id,
        conversation_id=conv.id,
        payload={"kind": kind, "notified": leads, "team_id": team_id},
    )
    return leads
