"""Every table, imported in one place so that metadata (and Alembic) sees them all."""

from kefu.auth.models import ApiToken, Skill, Staff, StaffSkill, Team, TeamMember, Workspace
from kefu.bot.models import BotDialogue, BotIntent, IntentExample
from kefu.channels.attachments_models import Attachment
from kefu.channels.community_models import CommunityGroup, CommunityMessage, CommunityStorm
from kefu.channels.email.models import EmailMessage
from kefu.channels.models import Channel
from kefu.channels.phone_models import CallbackTask, CallRecord
from kefu.compensation.models import CompensationPolicy, Grant
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import Customer, CustomerIdentity, CustomerMerge, CustomerTag
from kefu.customers.resolution import MergeSuggestion
from kefu.db import Base
from kefu.http.idempotency import IdempotencyRecord
from kefu.knowledge.models import KbEntry, KbEntryTag, KbRevision, KbUse, KbVersion
from kefu.orders.aftersales_models import AfterSale, PricePoint, Refund, ScanEvent, Shipment
from kefu.orders.models import Order, OrderItem
from kefu.orders.shop_models import Effect, ImportJob, ShopLink, WebhookDelivery
from kefu.parties.models import Party, PartyContact
from kefu.routing.models import AgentPresence, QueueEntry, RoutingSettings
from kefu.sla.escalation_models import Escalation, EscalationLevel, Handoff, Notification
from kefu.sla.models import Promise, SlaPolicy, TicketTarget
from kefu.tickets.models import Ticket, TicketConversation, TicketTag, TicketType
from kefu.timeline.models import Event
from kefu.timers.models import Timer
from kefu.workbench.models import Macro

__all__ = [
    "CallRecord",
    "CallbackTask",
    "CommunityGroup",
    "CommunityMessage",
    "CommunityStorm",
    "EmailMessage",
    "MergeSuggestion",
    "Attachment",
    "AfterSale",
    "AgentPresence",
    "ApiToken",
    "Base",
    "BotDialogue",
    "BotIntent",
    "Channel",
    "CompensationPolicy",
    "Grant",
    "Conversation",
    "Customer",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerTag",
    "Effect",
    "Escalation",
    "EscalationLevel",
    "Event",
    "Handoff",
    "Notification",
    "IdempotencyRecord",
    "IntentExample",
    "KbEntry",
    "KbEntryTag",
    "KbRevision",
    "KbUse",
    "KbVersion",
    "ImportJob",
    "Macro",
    "Message",
    "Order",
    "OrderItem",
    "Party",
    "PartyContact",
    "PricePoint",
    "QueueEntry",
    "Promise",
    "Refund",
    "RoutingSettings",
    "ScanEvent",
    "Shipment",
    "ShopLink",
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
    "WebhookDelivery",
    "Workspace",
]
