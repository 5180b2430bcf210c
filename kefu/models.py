"""Every table, imported in one place so that metadata (and Alembic) sees them all."""

from kefu.auth.models import ApiToken, Skill, Staff, StaffSkill, Team, TeamMember, Workspace
from kefu.channels.models import Channel
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer, CustomerIdentity, CustomerMerge, CustomerTag
from kefu.db import Base
from kefu.http.idempotency import IdempotencyRecord
from kefu.orders.models import Order, OrderItem  # noqa: F401
from kefu.parties.models import Party, PartyContact
from kefu.tickets.models import Ticket, TicketConversation, TicketTag, TicketType
from kefu.timeline.models import Event

__all__ = [
    "ApiToken",
    "Base",
    "Channel",
    "Conversation",
    "Customer",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerTag",
    "Event",
    "IdempotencyRecord",
    "Message",
    "Party",
    "PartyContact",
    "Skill",
    "Staff",
    "StaffSkill",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketConversation",
    "TicketTag",
    "TicketType",
    "Workspace",
]
