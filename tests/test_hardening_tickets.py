"""首问负责制 across people leaving: a ticket that comes back never lands on someone who left."""

import pytest

from kefu.auth import service as auth
from kefu.auth.models import Role
from kefu.tickets import service as tickets
from kefu.tickets.models import TicketStatus


@pytest.mark.parametrize("parked", [TicketStatus.resolved, TicketStatus.closed])
def test_reopening_a_ticket_of_a_deactivated_owner_gives_it_an_active_one(session, world, parked):
    agent = world.actor()
    ticket = tickets.create(session, actor=agent, subject="退款没到账")
    tickets.transition(session, actor=agent, ticket_id=ticket.id, to=TicketStatus.resolved)
    if parked is TicketStatus.closed:
        tickets.transition(session, actor=agent, ticket_id=ticket.id, to=TicketStatus.closed)
    # The agent leaves while the ticket rests; only open tickets were handed over then.
    auth.update_staff(
        session, actor=world.actor(Role.admin), staff_id=world.staff[Role.agent].id, active=False
    )
    assert ticket.owner_id == world.staff[Role.agent].id

    # The customer writes again: a lead reopens it.
    lead = world.actor(Role.team_lead)
    tickets.transition(session, actor=lead, ticket_id=ticket.id, to=TicketStatus.open)

    owner = session.get(type(world.staff[Role.agent]), ticket.owner_id)
    assert owner is not None and owner.active, "reopened onto a deactivated owner nobody watches"
    assert ticket.first_owner_id == world.staff[Role.agent].id  # the record of who took it first
    handed = [
        e
        for e in tickets_timeline(session, world, ticket.id)
        if e.type == "ticket.assigned" and e.payload["from"] == world.staff[Role.agent].id
    ]
    assert [e.payload["to"] for e in handed] == [ticket.owner_id]


def tickets_timeline(session, world, ticket_id):
    from kefu.timeline import service as timeline

    items, _ = timeline.for_subject(
        session,
        actor=world.system,
        column="ticket_id",
        subject_id=ticket_id,
        limit=100,
        cursor=None,
    )
    return items
