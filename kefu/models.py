"""Every table, imported in one place so that metadata (and Alembic) sees them all."""

from kefu.auth.models import ApiToken, Skill, Staff, StaffSkill, Team, TeamMember, Workspace
from kefu.channels.models import Channel
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer, CustomerIdentity, CustomerMerge, CustomerTag
from kefu.db import Base
from kefu.http.idempotency import IdempotencyRecord
from kefu.orders.models import Order, OrderItem
from kefu.parties.models import Party, PartyContact
from kefu.sla.escalation_models import Escalation, EscalationLevel, Handoff, Notification
from kefu.sla.models import Promise, SlaPolicy, TicketTarget
from kefu.tickets.models import Ticket, TicketConversation, TicketTag, TicketType
from kefu.timeline.models import Event
from kefu.timers.models import Timer

__all__ = [
    "ApiToken",
    "Base",
    "Channel",
    "Conversation",
    "Customer",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerTag",
    "Escalation",
    "EscalationLevel",
    "Event",
    "Handoff",
    "Notification",
    "IdempotencyRecord",
    "Message",
    "Order",
    "OrderItem",
    "Party",
    "PartyContact",
    "Promise",
    "Skill",
    "SlaPolicy",
    "Staff",
    "StaffSkill",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketConversation",
    "TicketTag",
    "TicketTarget",
    "TicketType",
    "Timer",
    "Workspace",
]
