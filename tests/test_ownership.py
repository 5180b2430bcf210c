"""首问负责制 as an invariant: whatever happens, every open ticket has exactly one active owner,
and the first human owner, once recorded, never changes."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kefu.auth import service as auth
from kefu.auth.models import Role, Staff, TeamKind
from kefu.errors import DomainError
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketStatus
from kefu.tickets.rules import OPEN_STATUSES

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["create_system", "create_agent", "assign", "deactivate", "reactivate", "move"]
        ),
        st.integers(0, 50),
        st.sampled_from(list(TicketStatus)),
    ),
    min_size=1,
    max_size=25,
)


def check_invariant(session, first_owners):
    for t in session.scalars(select(Ticket)):
        if t.status in OPEN_STATUSES:
            owner = session.get(Staff, t.owner_id) if t.owner_id else None
            assert owner is not None and owner.active, f"ticket #{t.number} has no active owner"
        if t.id in first_owners:
            assert t.first_owner_id == first_owners[t.id], "first owner changed"
        elif t.first_owner_id is not None:
            first_owners[t.id] = t.first_owner_id


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_every_open_ticket_always_has_one_active_owner(runtime, world, ops):
    with runtime.sessions() as s:
        system = world.system
        team = auth.create_team(s, actor=system, name="跨境专员组", kind=TeamKind.cross_border)
        crew = [
            auth.create_staff(s, actor=system, email=f"p{i}@acme.test", name=f"员工{i}", role=role)
            for i, role in enumerate([Role.agent, Role.agent, Role.team_lead, Role.supervisor])
        ]
        auth.set_member(s, actor=system, team_id=team.id, staff_id=crew[2].id, is_lead=True)
        auth.set_member(s, actor=system, team_id=team.id, staff_id=crew[0].id)
        people = [*crew, world.staff[Role.agent]]  # the world's admin stays on duty throughout
        first_owners: dict[int, int] = {}
        for op, n, status in ops:
            ids = list(s.scalars(select(Ticket.id).order_by(Ticket.id)))
            person = people[n % len(people)]
            try:
                with s.begin_nested():
                    if op == "create_system":
                        tickets.create(
                            s, actor=system, subject="表单工单", team_id=team.id if n % 2 else None
                        )
                    elif op == "create_agent" and person.active:
                        tickets.create(
                            s,
                            actor=world.actor(Role.agent).__class__.staff(
                                world.workspace.id, person.id, person.role
                            ),
                            subject="来电",
                        )
                    elif op == "assign" and ids:
                        tickets.assign(
                            s, actor=system, ticket_id=ids[n % len(ids)], owner_id=person.id
                        )
                    elif op == "deactivate":
                        auth.update_staff(s, actor=system, staff_id=person.id, active=False)
                    elif op == "reactivate":
                        auth.update_staff(s, actor=system, staff_id=person.id, active=True)
                    elif op == "move" and ids:
                        tickets.transition(s, actor=system, ticket_id=ids[n % len(ids)], to=status)
            except DomainError:
                pass  # refused moves (an inactive owner, an illegal transition) change nothing
            s.expire_all()
            check_invariant(s, first_owners)
        s.rollback()
