"""Handoffs: the owner asks a team or an external party a question, due by an internal time (OLA).

The owner keeps the ticket and stays the customer's one face: the question and the answer live on
the ticket's timeline and in an internal note, never in a message the customer can see. A party
answers through a portal link whose token is shown once and stored only as its SHA-256; the link
reveals the question, the ticket number and the due time, nothing about the customer. Unanswered
handoffs are chased and escalated by `kefu.sla.handoff_chase`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Staff, Team
from kefu.auth.permissions import Perm, can, require
from kefu.auth.secrets import token_digest
from kefu.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from kefu.parties.models import Party
from kefu.sla import handoff_flows as flows
from kefu.sla import outreach, promises
from kefu.sla.escalation_models import Handoff, HandoffStatus
from kefu.tenancy import get_scoped
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketStatus
from kefu.tickets.rules import OPEN_STATUSES

HANDOFF = ("内部协作", "handoff")
TEAM = ("团队", "team")
PARTY = ("外部协作方", "party")
MAX_AHEAD = timedelta(days=90)
PORTAL_GRACE = timedelta(days=7)  # a portal link outlives the due time by this much
MAX_TEXT = 4000
MAX_NAME = 120
EXCERPT = 140
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{32,128}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class PortalView:
    """All a portal link reveals."""

    question: str
    ticket_number: int
    due_at: datetime
    timezone: str = "Asia/Shanghai"  # the workspace's: the page shows the due time on its clock


def portal_path(token: str) -> str:
    return f"/portal/handoffs/{token}"


def ask(
    session: Session,
    *,
    actor: Actor,
    ticket_id: int,
    question: str,
    team_id: int | None = None,
    party_id: int | None = None,
    due_at: datetime | None = None,
    within_business_minutes: int | None = None,
) -> tuple[Handoff, str | None]:
    """Ask a team or a party about a ticket; returns the handoff and, for a party, the raw token."""
    require(actor, Perm.work_tickets)
    if (team_id is None) == (party_id is None):
        raise Invalid(
            "handoff.target_required",
            zh="请指定一个被询问方：内部团队或外部协作方（二选一）",
            en="name exactly one of team_id or party_id",
        )
    if (due_at is None) == (within_business_minutes is None):
        raise Invalid(
            "handoff.due_required",
            zh="请给出答复截止时间，或“N 个工作分钟内”（二选一）",
            en="give either due_at or within_business_minutes (one of them)",
        )
    question = _clean(question, ("问题", "question"), MAX_TEXT)
    # Every check and lookup before the first write: a refused handoff leaves nothing behind.
    ticket = tickets.access(session, actor=actor, ticket_id=ticket_id, for_update=True)
    team = get_scoped(session, Team, team_id, actor, what=TEAM) if team_id is not None else None
    party = None if party_id is None else get_scoped(session, Party, party_id, actor, what=PARTY)
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(
            "handoff.ticket_closed",
            zh="工单已解决或关闭，不能再发起协作",
            en="the ticket is resolved or closed",
        )
    if team is not None and not flows.members(team):
        raise Invalid(
            "handoff.team_empty",
            zh=f"团队「{team.name}」没有在职成员，无人可以答复",
            en=f"team {team.name} has no active members to answer",
        )
    if party is not None and not flows.reachable(party):
        raise Invalid(
            "handoff.party_without_contact",
            zh=f"协作方「{party.name}」没有可联系的联系人（电话或邮箱），请先添加联系人",
            en=f"party {party.name} has no contact with a phone or e-mail; add one first",
        )
    now = clock.now()
    if within_business_minutes is not None:
        if within_business_minutes < 1:
            raise Invalid("handoff.due_invalid", zh="时限至少 1 分钟", en="at least one minute")
        due_at = promises.due_from(
            session, ticket=ticket, start=now, business_minutes=within_business_minutes
        )
    assert due_at is not None
    _check_due(due_at, now)
    handoff = Handoff(
        workspace_id=actor.workspace_id,
        ticket_id=ticket.id,
        asked_by_id=actor.id if actor.kind == "staff" else None,
        team_id=team.id if team else None,
        party_id=party.id if party else None,
        question=question,
        due_at=due_at,
        created_at=now,
    )
    raw = secrets.token_urlsafe(32) if party is not None else None
    if raw is not None:
        handoff.portal_token_hash = token_digest(raw)
        handoff.portal_expires_at = due_at + PORTAL_GRACE
    session.add(handoff)
    session.flush()
    flows.arm(session, handoff, due_at)
    to = {"team_id": team.id, "team": team.name} if team else {}
    if party is not None:
        to = {"party_id": party.id, "party": party.name}
    flows.record(
        session,
        actor,
        ticket,
        handoff,
        "handoff.asked",
        **to,
        due_at=due_at.isoformat(),
        question=question[:EXCERPT],
    )
    if team is not None:
        when = outreach.local_time(session, ticket.workspace_id, due_at)
        text = f"工单 #{ticket.number} 请求协作（{when}前答复）：{question[:80]}"
        flows.tell(session, ticket, (s.id for s in flows.leads(team)), "handoff.asked", text)
    if ticket.status in (TicketStatus.new, TicketStatus.open):
        tickets.transition(
            session,
            actor=actor,
            ticket_id=ticket.id,
            to=TicketStatus.pending_internal,
            note="等待内部协作答复",
        )
    return handoff, raw


def access(session: Session, *, actor: Actor, handoff_id: int, for_update: bool = False) -> Handoff:
    """The one permission- and workspace-checked way to fetch a handoff (404 if not yours)."""
    require(actor, Perm.read)
    return get_scoped(session, Handoff, handoff_id, actor, what=HANDOFF, for_update=for_update)


def answer(session: Session, *, actor_or_contact: Actor, handoff_id: int, answer: str) -> Handoff:
    """A staff member answers: a member of the asked team, the asker, the owner or a lead."""
    actor = actor_or_contact
    require(actor, Perm.work_tickets)
    handoff = access(session, actor=actor, handoff_id=handoff_id, for_update=True)
    ticket = _ticket_of(session, handoff)
    _check_may_act(session, actor, handoff, ticket, members_too=True)
    text = _clean(answer, ("答复", "answer"), MAX_TEXT)
    _check_open(handoff)
    staff = session.get(Staff, actor.id) if actor.id is not None else None
    name = staff.name if staff else actor.principal
    flows.settle(
        session, actor, handoff, ticket, text=text, by=actor.principal, name=name, via="api"
    )
    return handoff


def answer_by_token(session: Session, *, token: str, answer: str, name: str) -> Handoff:
    """The external party answers through its portal link (no staff account)."""
    handoff = _by_token(session, token, for_update=True)
    text = _clean(answer, ("答复", "answer"), MAX_TEXT)
    who = _clean(name, ("姓名", "name"), MAX_NAME, required=False)
    party = session.get(Party, handoff.party_id) if handoff.party_id else None
    who = who or (party.name if party else "外部协作方")
    system = Actor.system(handoff.workspace_id)
    ticket = _ticket_of(session, handoff)
    flows.settle(session, system, handoff, ticket, text=text, by=who, name=who, via="portal")
    return handoff


def portal_view(session: Session, *, token: str) -> PortalView:
    """What the portal page shows for a valid, open, unexpired token — and nothing more."""
    handoff = _by_token(session, token)
    ticket = _ticket_of(session, handoff)
    zone = outreach.workspace_zone(session, handoff.workspace_id).key
    return PortalView(handoff.question, ticket.number, handoff.due_at, zone)


def cancel(session: Session, *, actor: Actor, handoff_id: int, reason: str = "") -> Handoff:
    """Withdraw an open handoff: its chases stop and its portal link says it was withdrawn."""
    require(actor, Perm.work_tickets)
    handoff = access(session, actor=actor, handoff_id=handoff_id, for_update=True)
    ticket = _ticket_of(session, handoff)
    _check_may_act(session, actor, handoff, ticket, members_too=False)
    reason = _clean(reason, ("原因", "reason"), 500, required=False)
    _check_open(handoff)
    handoff.status = HandoffStatus.cancelled
    flows.disarm(session, handoff)
    flows.record(session, actor, ticket, handoff, "handoff.cancelled", reason=reason)
    flows.resume(session, actor, ticket)
    return handoff


def reissue_link(session: Session, *, actor: Actor, handoff_id: int) -> tuple[Handoff, str]:
    """A new portal link for an open handoff to a party; the old link stops working."""
    require(actor, Perm.work_tickets)
    handoff = access(session, actor=actor, handoff_id=handoff_id, for_update=True)
    ticket = _ticket_of(session, handoff)
    _check_may_act(session, actor, handoff, ticket, members_too=False)
    _check_open(handoff)
    if handoff.party_id is None:
        raise Conflict(
            "handoff.no_portal",
            zh="只有发给外部协作方的请求才有协作链接",
            en="only a handoff to a party has a portal link",
        )
    raw = secrets.token_urlsafe(32)
    handoff.portal_token_hash = token_digest(raw)
    handoff.portal_expires_at = max(handoff.due_at, clock.now()) + PORTAL_GRACE
    flows.record(session, actor, ticket, handoff, "handoff.link_reissued")
    return handoff, raw


# --- helpers -----------------------------------------------------------------------------------


def _check_may_act(
    session: Session, actor: Actor, handoff: Handoff, ticket: Ticket, *, members_too: bool
) -> None:
    if actor.id in (handoff.asked_by_id, ticket.owner_id) or can(actor, Perm.manage_teams):
        return
    if members_too and handoff.team_id is not None:
        team = session.get(Team, handoff.team_id)
        if team is not None and actor.id in {s.id for s in flows.members(team)}:
            return
    raise Forbidden(
        "handoff.not_yours",
        zh="只有被询问团队的成员、发起人、工单负责人或组长/主管可以处理此协作请求",
        en="only the asked team's members, the asker, the ticket owner or a lead may do this",
    )


def _check_open(handoff: Handoff) -> None:
    if handoff.status is not HandoffStatus.open:
        zh = "已答复" if handoff.status is HandoffStatus.answered else "已撤回"
        raise Conflict(
            "handoff.not_open",
            zh=f"该协作请求{zh}，不能再操作",
            en=f"this handoff is {handoff.status.value} already",
        )


def _check_due(due_at: datetime, now: datetime) -> None:
    if due_at.tzinfo is None:
        raise Invalid(
            "handoff.naive_due", zh="截止时间须带时区", en="the due time needs a time zone"
        )
    if due_at <= now:
        raise Invalid(
            "handoff.due_past",
            zh="答复截止时间已过，请选择将来的时间",
            en="the due time is in the past; choose a future time",
        )
    if due_at > now + MAX_AHEAD:
        raise Invalid(
            "handoff.due_far",
            zh="答复截止时间不能晚于 90 天后",
            en="a handoff cannot be due more than 90 days ahead",
        )


def _by_token(session: Session, token: str, *, for_update: bool = False) -> Handoff:
    # The token is the scope: it opens exactly its own handoff, whichever workspace that is in.
    handoff = None
    if _TOKEN.fullmatch(token):
        stmt = select(Handoff).where(Handoff.portal_token_hash == token_digest(token))
        handoff = session.scalars(stmt.with_for_update() if for_update else stmt).first()
    if handoff is None:
        raise NotFound(
            "handoff.link_invalid",
            zh="链接无效：找不到这个协作请求，请检查链接是否完整",
            en="this link is not valid: no such request; check that the link is complete",
        )
    if handoff.status is HandoffStatus.cancelled:
        raise Gone(
            "handoff.withdrawn",
            zh="提问方已撤回这个问题，无需答复",
            en="this question was withdrawn",
        )
    if handoff.status is HandoffStatus.answered:
        raise Conflict(
            "handoff.already_answered",
            zh="这个问题已经答复过了，谢谢您",
            en="this question has already been answered, thank you",
        )
    if handoff.portal_expires_at is not None and clock.now() >= handoff.portal_expires_at:
        raise Gone(
            "handoff.link_expired",
            zh="链接已过期，请联系向您提问的客服获取新链接",
            en="this link has expired; ask the person who sent it for a new one",
        )
    return handoff


def _clean(value: str, what: tuple[str, str], max_len: int, *, required: bool = True) -> str:
    text, (zh, en) = value.strip(), what
    if required and not text:
        raise Invalid("handoff.text_required", zh=f"请填写{zh}", en=f"the {en} is required")
    if _CONTROL.search(text):
        raise Invalid(
            "handoff.text_invalid",
            zh=f"{zh}含有不允许的控制字符",
            en=f"the {en} has control characters",
        )
    if len(text) > max_len:
        raise Invalid(
            "handoff.text_too_long",
            zh=f"{zh}最多 {max_len} 个字符",
            en=f"the {en} may have at most {max_len} characters",
        )
    return text


def _ticket_of(session: Session, handoff: Handoff) -> Ticket:
    ticket = session.get(Ticket, handoff.ticket_id)
    assert ticket is not None  # the foreign key cascades: a handoff never outlives its ticket
    return ticket
