"""Merges that chain (A into B, then B into C): nothing A had may drop out of sight."""

from kefu.auth.models import Role
from kefu.customers import service as customers
from kefu.tickets import service as tickets
from kefu.timeline import service as timeline
from tests.factories import make_customer


def test_a_chained_merge_keeps_the_first_sources_timeline_and_tickets(session, world):
    lead = world.actor(Role.team_lead)
    a = make_customer(session, world, name="甲", phone="13800000001")
    b = make_customer(session, world, name="乙", phone="13800000002")
    c = make_customer(session, world, name="丙", phone="13800000003")
    customers.merge(session, actor=lead, source_id=a.id, target_id=b.id)
    latest = customers.merge(session, actor=lead, source_id=b.id, target_id=c.id)

    items, _ = timeline.for_customer(session, actor=lead, customer_id=c.id, limit=200, cursor=None)
    created = {e.customer_id for e in items if e.type == "customer.created"}
    assert created == {a.id, b.id, c.id}  # A's own history is C's history now

    # A ticket opened for A (an old link, a stale id in a shop's system) lands on the live profile.
    ticket = tickets.create(session, actor=world.actor(), subject="旧单号", customer_id=a.id)
    assert ticket.customer_id == c.id

    # Undoing B into C gives B back what it held, A's merge into B included.
    customers.unmerge(session, actor=lead, merge_id=latest.id)
    session.expire_all()
    assert customers.get(session, actor=lead, customer_id=a.id).merged_into_id == b.id
    items, _ = timeline.for_customer(session, actor=lead, customer_id=b.id, limit=200, cursor=None)
    assert {e.customer_id for e in items if e.type == "customer.created"} == {a.id, b.id}
