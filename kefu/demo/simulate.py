"""Play the planned months through the service layer on a moving clock.

Services take "now" from `kefu.clock`, so each step runs with the clock set to its moment: rows and
timeline events get the times they would have had, and event ids grow with time as in production.
Every customer, order and story is a process — a generator that does one step and yields the
delay to its next — and a heap runs the steps of all processes in time order.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.models import Staff
from kefu.channels.models import ChannelKind
from kefu.clock import FrozenClock
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.demo.org import Org
from kefu.demo.plan import CustomerPlan, OrderPlan, Plan, StoryPlan
from kefu.orders import service as orders
from kefu.tickets import service as tickets
from kefu.tickets.models import Priority, Ticket, TicketStatus

Process = Iterator[timedelta]


def run(
    session: Session,
    clock: FrozenClock,
    *,
    workspace_id: int,
    org: Org,
    plan: Plan,
    rng: random.Random,
    until: datetime,
) -> None:
    """Run every process of the plan up to `until`; steps due later have not happened yet."""
    system = Actor.system(workspace_id)
    starts: list[tuple[datetime, Process]] = [
        (c.joined_at, _customer(session, system, c)) for c in plan.customers
    ]
    starts += [(o.placed_at, _order(session, system, o)) for o in plan.orders]
    starts += [(s.start, _Story(session, org, s, rng).run()) for s in plan.stories]
    heap = [(at, i, proc) for i, (at, proc) in enumerate(starts)]
    heapq.heapify(heap)
    while heap:
        at, i, proc = heapq.heappop(heap)
        if at > until:
            continue
        clock.set(at)
        delay = next(proc, None)
        if delay is not None:
            heapq.heappush(heap, (at + delay, i, proc))


def _customer(session: Session, system: Actor, c: CustomerPlan) -> Process:
    identities = [(IdentityKind.phone, c.phone, True), (IdentityKind.member_id, c.member_id, True)]
    if c.email:
        identities.append((IdentityKind.email, c.email, False))
    customer = customers.create(
        session, actor=system, display_name=c.name, tier=c.tier, tags=c.tags, identities=identities
    )
    c.id = customer.id
    yield from ()


def _order(session: Session, system: Actor, o: OrderPlan) -> Process:
    assert o.customer.id is not None, "customers join before they buy"
    orders.create(
        session,
        actor=system,
        number=o.number,
        customer_id=o.customer.id,
        items=o.items,
        status=o.status,
        shipping_name=o.ship_name,
        shipping_phone=o.ship_phone,
        shipping_address=o.ship_address,
        carrier=o.carrier if o.shipped_at else "",
        tracking_no=o.tracking_no if o.shipped_at else "",
        paid_at=o.paid_at,
        shipped_at=o.shipped_at,
        delivered_at=o.delivered_at,
    )
    yield from ()


def _staff(member: Staff) -> Actor:
    return Actor.staff(member.workspace_id, member.id, member.role)


class _Story:
    """One customer contact: the conversation, and the ticket if the case needs follow-up."""

    def __init__(self, session: Session, org: Org, plan: StoryPlan, rng: random.Random) -> None:
        self.session = session
        self.org = org
        self.plan = plan
        self.rng = rng
        self.team = org.teams[plan.scenario.team]
        self.owner = self.team.agents[plan.pick % len(self.team.agents)]
        self.values = plan.values(agent=self.owner.name, supervisor=self.team.supervisor.name)
        self.conversation: Conversation | None = None
        self.ticket: Ticket | None = None

    def run(self) -> Process:
        s = self.plan.scenario
        assert self.plan.customer.id is not None
        customer = Actor.customer(self.owner.workspace_id, self.plan.customer.id)
        # A call is logged by the agent who takes it; everything else the customer opens.
        opener = _staff(self.owner) if self.plan.channel is ChannelKind.phone else customer
        self.conversation = conversations.create(
            self.session,
            actor=opener,
            channel_id=self.org.channels[self.plan.channel].id,
            customer_id=self.plan.customer.id,
            subject=s.subject,
        )
        assigned = False
        for who, text in s.lines:
            if who == "t":
                self._open_ticket()
                continue
            if who != "c" and not assigned:
                # Routing hands the conversation to the agent just before their first word.
                conversations.assign(
                    self.session,
                    actor=Actor.system(self.owner.workspace_id),
                    conversation_id=self.conversation.id,
                    assignee_id=self.owner.id,
                )
                assigned = True
            self._say(who, text)
            yield timedelta(minutes=self.rng.uniform(0.5, 4))
        if self.ticket is None:
            self._close_conversation()
            return
        for move in s.moves:
            yield timedelta(hours=move.after_h * self.rng.uniform(0.8, 1.2))
            if move.assign == "supervisor":
                self.ticket = tickets.assign(
                    self.session,
                    actor=_staff(self.team.lead),
                    ticket_id=self.ticket.id,
                    owner_id=self.team.supervisor.id,
                    note=move.note,
                )
                self.owner = self.team.supervisor
            elif move.to is not None:
                tickets.transition(
                    self.session,
                    actor=_staff(self.owner),
                    ticket_id=self.ticket.id,
                    to=TicketStatus(move.to),
                    note=move.note,
                )
            for who, text in move.say:
                self._say(who, text)
                yield timedelta(minutes=self.rng.uniform(1, 5))
            if move.to == "resolved":
                self._close_conversation()

    def _say(self, who: str, text: str) -> None:
        assert self.conversation is not None
        body = text.format(**self.values)
        if who == "c":
            actor = Actor.customer(self.owner.workspace_id, self.conversation.customer_id)
        else:
            actor = _staff(self.owner)
        conversations.post_message(
            self.session,
            actor=actor,
            conversation_id=self.conversation.id,
            body=body,
            internal=who == "n",
        )

    def _open_ticket(self) -> None:
        spec = self.plan.scenario.ticket
        assert spec is not None and self.conversation is not None
        ttype = self.org.types[spec.type]
        self.ticket = tickets.create(
            self.session,
            actor=_staff(self.owner),
            subject=spec.subject.format(**self.values),
            type_id=ttype.id,
            category=spec.category,
            priority=Priority(spec.priority),
            customer_id=self.conversation.customer_id,
            owner_id=self.owner.id,
            team_id=self.team.team.id,
            order_ref=self.plan.order.number if self.plan.order else "",
            tags=list(spec.tags),
            fields=_field_values(ttype.fields, spec.fields, self.values),
            conversation_ids=[self.conversation.id],
        )

    def _close_conversation(self) -> None:
        assert self.conversation is not None
        if self.conversation.status is not ConversationStatus.closed:
            conversations.set_status(
                self.session,
                actor=_staff(self.owner),
                conversation_id=self.conversation.id,
                status=ConversationStatus.closed,
            )


def _field_values(
    defs: list[dict[str, Any]], templates: dict[str, str], values: dict[str, str]
) -> dict[str, Any]:
    """The ticket's custom fields from the scenario's templates, typed as the ticket type says."""
    kinds = {f["key"]: f["type"] for f in defs}
    out: dict[str, Any] = {}
    for key, template in templates.items():
        text = template.format(**values)
        if kinds[key] == "number":
            out[key] = float(text)
        elif kinds[key] == "boolean":
            out[key] = text == "true"
        else:
            out[key] = text
    return out
