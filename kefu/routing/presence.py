"""Agent presence: online / away / offline, and auto-away after a while without activity.

The state an agent chose is a row; whether they are still there is computed from `last_seen_at`
(an online agent silent for `auto_away_after_min` counts as away — routing never waits for a sweep
to stop giving them work). A timer per online agent records the `presence.changed` event when that
happens, so the supervisor board hears of it; activity brings the agent straight back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Staff
from kefu.auth.permissions import Perm, require
from kefu.routing import rules, service, snapshot
from kefu.routing.models import AgentPresence, Presence
from kefu.tenancy import get_scoped
from kefu.timers import service as timers
from kefu.timers.models import Timer

AUTO_AWAY = "routing.auto_away"
STAFF = ("员工", "staff member")


def presence_of(session: Session, *, workspace_id: int, staff_id: int) -> AgentPresence:
    """The agent's presence row, created offline the first time."""
    row = session.scalars(select(AgentPresence).where(AgentPresence.staff_id == staff_id)).first()
    if row is None:
        row = AgentPresence(
            workspace_id=workspace_id,
            staff_id=staff_id,
            state=Presence.offline,
            state_since=clock.now(),
            caps={},
        )
        session.add(row)
        session.flush()
    return row


def set_presence(
    session: Session, *, actor: Actor, state: Presence, staff_id: int | None = None
) -> AgentPresence:
    """Set one's own presence (another's with manage_routing); going online pulls waiting work."""
    if staff_id is None or staff_id == actor.id:
        if actor.kind != "staff" or actor.id is None:
            require(actor, Perm.manage_routing)
        staff_id = actor.id
    else:
        require(actor, Perm.manage_routing)
    assert staff_id is not None
    staff = get_scoped(session, Staff, staff_id, actor, what=STAFF)
    settings = rules.settings_of(session, actor.workspace_id)
    now = clock.now()
    row = presence_of(session, workspace_id=actor.workspace_id, staff_id=staff.id)
    before = snapshot.effective_state(row, settings, now)
    if row.state is not state:
        row.state = state
        row.state_since = now
    row.last_seen_at = now
    session.flush()
    # Away or offline: a timer still armed finds them not online when it fires, and does nothing.
    if state is Presence.online:
        _arm(session, row, settings.auto_away_after_min)
        service.pull_for(session, workspace_id=actor.workspace_id, staff_id=staff.id)
    if before is not state:
        _changed(session, row, state, auto=False)  # after the pull: the load it reports is current
    return row


def touch(session: Session, *, workspace_id: int, staff_id: int) -> None:
    """The agent did something (sent a message, their socket pinged): they are not away."""
    row = session.scalars(select(AgentPresence).where(AgentPresence.staff_id == staff_id)).first()
    if row is None or row.workspace_id != workspace_id:
        return
    settings = rules.settings_of(session, workspace_id)
    now = clock.now()
    was = snapshot.effective_state(row, settings, now)
    row.last_seen_at = now
    session.flush()
    if row.state is Presence.online and was is Presence.away:
        _arm(session, row, settings.auto_away_after_min)
        service.pull_for(session, workspace_id=workspace_id, staff_id=staff_id)
        _changed(session, row, Presence.online, auto=True)


def _due(row: AgentPresence, minutes: int) -> datetime:
    """When the agent's current silence turns them away."""
    return (row.last_seen_at or row.state_since) + timedelta(minutes=minutes)


def _key(staff_id: int, due: datetime) -> str:
    # One timer per silence, keyed by when it runs out: arming twice for the same silence is one
    # timer, and a timer firing never re-arms its own row (the sweep marks it fired afterwards).
    return f"presence:{staff_id}:{int(due.timestamp())}"


def _arm(session: Session, row: AgentPresence, minutes: int) -> None:
    due = _due(row, minutes)
    timers.schedule(
        session,
        workspace_id=row.workspace_id,
        kind=AUTO_AWAY,
        key=_key(row.staff_id, due),
        due_at=due,
        payload={"staff_id": row.staff_id},
    )


def _changed(session: Session, row: AgentPresence, state: Presence, *, auto: bool) -> None:
    load = snapshot.load_by_agent(session, row.workspace_id, [row.staff_id]).get(row.staff_id, {})
    events.record(
        session,
        actor=Actor.system(row.workspace_id),
        type="presence.changed",
        payload={"staff_id": row.staff_id, "state": state.value, "auto": auto, "load": load},
    )


@timers.handler(AUTO_AWAY)
def _auto_away(session: Session, timer: Timer) -> None:
    """Due when an online agent would turn away: say so once per silence, or look again later."""
    row = session.scalars(
        select(AgentPresence).where(AgentPresence.staff_id == timer.payload["staff_id"])
    ).first()
    if row is None or row.state is not Presence.online:
        return
    settings = rules.settings_of(session, row.workspace_id)
    due = _due(row, settings.auto_away_after_min)
    if due > clock.now():
        _arm(session, row, settings.auto_away_after_min)  # active since: the new silence's timer
        return
    current = _key(row.staff_id, due)
    if timer.key == current:
        _changed(session, row, Presence.away, auto=True)
    elif (
        session.scalars(select(Timer).where(Timer.kind == AUTO_AWAY, Timer.key == current)).first()
        is None
    ):
        _arm(session, row, settings.auto_away_after_min)  # fires at the next sweep and says so
