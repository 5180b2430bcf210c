"""Community groups (社群): after-sales talk in group chats goes private; storms reach supervisors.

Seed 001: a 500-member group where 100 people pile onto one complaint — most of whom never bought
the item — cost the shop four service directors. So: a group message that is after-sales talk
(refund, return, not received, quality, complaint) gets its author a private service conversation
(an invitation the group bot sends them) and lands on their profile; when many distinct members
raise one topic in one group within minutes, supervisors are alerted ("community.storm"). Whether
a neutral notice is posted back into the group is the group's policy.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Staff
from kefu.auth.permissions import ROLE_PERMS, Perm, require
from kefu.channels.community_models import CommunityGroup, CommunityMessage, CommunityStorm
from kefu.channels.models import Channel, ChannelKind
from kefu.config import get_settings
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.customers import resolution
from kefu.customers.models import IdentityKind
from kefu.customers.resolution import Claim
from kefu.errors import Invalid, Unauthorized
from kefu.sla import notify
from kefu.tenancy import get_scoped, paginate, scoped

log = logging.getLogger(__name__)

GROUP = ("社群", "community group")
MAX_SKEW_S = 300
# Until the bot's classifier is trained for group talk: words that mark each after-sales topic.
TOPICS: dict[str, tuple[str, ...]] = {
    "refund": ("退款", "退钱", "refund", "money back"),
    "return": ("退货", "换货", "退换", "return"),
    "not_received": (
        "没收到",
        "未收到",
        "还没到",
        "快递",
        "物流",
        "不发货",
        "delivery",
        "shipping",
    ),
    "quality": ("质量", "坏了", "破损", "假货", "次品", "broken", "damaged", "defect", "fake"),
    "complaint": ("投诉", "维权", "曝光", "complain"),
}
TOPIC_ZH = {
    "refund": "退款",
    "return": "退换货",
    "not_received": "物流/未收到",
    "quality": "质量问题",
    "complaint": "投诉",
}
_BAD = Unauthorized(
    "community.bad_signature",
    zh="签名无效或已过期",
    en="invalid or expired signature",
)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body): what the sender puts in
    X-Kefu-Signature (with the same timestamp in X-Kefu-Timestamp)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def authenticate(
    session: Session, *, channel_id: int, timestamp: str | None, signature: str | None, body: bytes
) -> Channel:
    """The community channel a signed webhook call is for; one 401 for every way it can fail."""
    channel = session.get(Channel, channel_id)
    secret = str(channel.config.get("webhook_secret", "")) if channel is not None else ""
    if channel is None or channel.kind is not ChannelKind.community or not channel.active:
        raise _BAD
    if not secret or not timestamp or not signature or not timestamp.isdigit():
        raise _BAD
    if abs(clock.now().timestamp() - int(timestamp)) > MAX_SKEW_S:
        raise _BAD
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise _BAD
    return channel


# The bot's built-in intents that are after-sales talk, and the topic each one counts as.
INTENT_TOPICS = {
    "where_is_my_order": "not_received",
    "urge_shipping": "not_received",
    "refund_return": "refund",
    "return_progress": "return",
    "price_protection": "refund",
    "complaint": "complaint",
}
MIN_CONFIDENCE = 0.6


def classify(text: str) -> str | None:
    """The after-sales topic of a group message, or None for small talk: the topic words first
    (exact, and "质量/坏了" is no bot intent), then the bot's intent classifier."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for topic, words in TOPICS.items():
        hits = sum(lowered.count(w) for w in words)
        if hits and (best is None or hits > best[0]):
            best = (hits, topic)
    if best is not None:
        return best[1]
    try:
        from kefu.bot.nlu.builtin_intents import default_model

        guess = default_model().predict(text)
    except Exception:  # the bot's model is optional here: keywords alone still work
        log.exception("intent classifier unavailable for community messages")
        return None
    if guess.out_of_scope or guess.confidence < MIN_CONFIDENCE:
        return None
    return INTENT_TOPICS.get(guess.label)


@dataclass
class Received:
    message_id: int
    customer_id: int
    topic: str | None
    invitation_conversation_id: int | None = None
    invitation_text: str | None = None
    reply: str | None = None  # the notice to post back into the group, by its policy
    storm: bool = False
    duplicate: bool = False


def receive(
    session: Session,
    *,
    channel: Channel,
    group_id: str,
    group_name: str,
    message_id: str,
    member_kind: IdentityKind,
    member_value: str,
    member_name: str = "",
    member_phone: str | None = None,
    text: str,
    sent_at: datetime | None = None,
) -> Received:
    """One group message, from an authenticated webhook call; the caller commits."""
    ws = channel.workspace_id
    system = Actor.system(ws)
    group = _group(session, channel, group_id, group_name)
    earlier = session.scalars(
        select(CommunityMessage).where(
            CommunityMessage.group_id == group.id, CommunityMessage.external_id == message_id
        )
    ).first()
    if earlier is not None:
        return Received(earlier.id, earlier.customer_id, earlier.topic or None, duplicate=True)
    claims = [Claim(member_kind, member_value, True)]  # the platform vouches (signed call)
    if member_phone:
        claims.append(Claim(IdentityKind.phone, member_phone, False))
    customer = resolution.resolve(
        session, workspace_id=ws, claims=claims, display_name=member_name, source="community"
    )
    if customer is None:
        raise Invalid("community.bad_member", zh="成员身份无效", en="unusable member identity")
    now = clock.now()
    topic = classify(text)
    row = CommunityMessage(
        workspace_id=ws,
        group_id=group.id,
        external_id=message_id,
        customer_id=customer.id,
        text=text,
        topic=topic or "",
        sent_at=now,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        actor=system,
        type="community.message",
        customer_id=customer.id,
        payload={
            "community_message_id": row.id,
            "group_id": group.id,
            "group_name": group.name,
            "topic": topic,
            "excerpt": text[:140],
            "sent_at": (sent_at or now).isoformat(),
        },
    )
    out = Received(row.id, customer.id, topic)
    if topic is None:
        return out
    conv, invitation = _invite(session, channel, group, customer.id, topic)
    row.invitation_conversation_id = conv.id
    out.invitation_conversation_id, out.invitation_text = conv.id, invitation
    out.storm = _storm_check(session, group, topic, now)
    if group.post_notice:
        out.reply = group.notice_text or (
            f"大家反映的{TOPIC_ZH[topic]}问题我们已经收到，正在加急处理，客服会私信联系各位，请留意消息。"
            if out.storm
            else "亲，售后问题已私信为您处理，请留意客服消息～"
        )
    session.flush()
    return out


def _group(session: Session, channel: Channel, external_id: str, name: str) -> CommunityGroup:
    group = session.scalars(
        select(CommunityGroup).where(
            CommunityGroup.workspace_id == channel.workspace_id,
            CommunityGroup.channel_id == channel.id,
            CommunityGroup.external_id == external_id,
        )
    ).first()
    if group is None:
        group = CommunityGroup(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            external_id=external_id,
            name=name or external_id,
            post_notice=bool(channel.config.get("post_notice", False)),
        )
        session.add(group)
        session.flush()
    elif name and group.name != name:
        group.name = name
    return group


def _invite(
    session: Session, channel: Channel, group: CommunityGroup, customer_id: int, topic: str
) -> tuple[Conversation, str]:
    """The member's private service conversation: reused while open, else a new invitation."""
    open_conv = session.scalars(
        select(Conversation)
        .where(
            Conversation.workspace_id == channel.workspace_id,
            Conversation.channel_id == channel.id,
            Conversation.customer_id == customer_id,
            Conversation.status == ConversationStatus.open,
        )
        .order_by(Conversation.id.desc())
    ).first()
    text = (
        f"您好，看到您在「{group.name}」里提到{TOPIC_ZH[topic]}的问题，我们已为您开通一对一售后服务，"
        f"请在这里告诉我们订单号和情况，客服会尽快处理。"
        f"\nHello, we saw your message about {topic.replace('_', ' ')} in {group.name}; "
        "tell us your order number here and an agent will take care of it."
    )
    if open_conv is not None:
        return open_conv, text
    system = Actor.system(channel.workspace_id)
    conv = conversations.create(
        session,
        actor=system,
        channel_id=channel.id,
        customer_id=customer_id,
        subject=f"社群售后 · {TOPIC_ZH[topic]}（{group.name}）"[:300],
    )
    conversations.post_message(session, actor=system, conversation_id=conv.id, body=text)
    return conv, text


def _storm_check(session: Session, group: CommunityGroup, topic: str, now: datetime) -> bool:
    """Many distinct members on one topic within the window: one alert per storm."""
    settings = get_settings()
    window = timedelta(minutes=settings.storm_window_minutes)
    members = session.scalar(
        select(func.count(func.distinct(CommunityMessage.customer_id))).where(
            CommunityMessage.group_id == group.id,
            CommunityMessage.topic == topic,
            CommunityMessage.sent_at >= now - window,
        )
    )
    if not members or members < settings.storm_members:
        return False
    storm = session.scalars(
        select(CommunityStorm)
        .where(
            CommunityStorm.group_id == group.id,
            CommunityStorm.topic == topic,
            CommunityStorm.last_at >= now - window,
        )
        .order_by(CommunityStorm.id.desc())
        .with_for_update()
    ).first()
    if storm is not None:
        storm.members, storm.last_at = max(storm.members, members), now
        return True
    storm = CommunityStorm(
        workspace_id=group.workspace_id,
        group_id=group.id,
        topic=topic,
        members=members,
        started_at=now,
        last_at=now,
    )
    session.add(storm)
    session.flush()
    payload: dict[str, Any] = {
        "storm_id": storm.id,
        "group_id": group.id,
        "group_name": group.name,
        "topic": topic,
        "members": members,
        "window_minutes": settings.storm_window_minutes,
    }
    events.record(
        session, actor=Actor.system(group.workspace_id), type="community.storm", payload=payload
    )
    text = (
        f"社群风暴：「{group.name}」{settings.storm_window_minutes} 分钟内 {members} 位成员反映"
        f"{TOPIC_ZH[topic]} · storm in {group.name}: {members} members on {topic}"
    )
    for staff_id in _supervisors(session, group.workspace_id):
        notify.notify(
            session,
            workspace_id=group.workspace_id,
            staff_id=staff_id,
            kind="community.storm",
            text=text,
        )
    return True


def _supervisors(session: Session, workspace_id: int) -> list[int]:
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.supervise in perms]
    return list(
        session.scalars(
            select(Staff.id).where(
                Staff.workspace_id == workspace_id,
                Staff.active.is_(True),
                Staff.role.in_(roles),
            )
        )
    )


# --- staff reads and policy ---------------------------------------------------------------------


def list_groups(
    session: Session, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[CommunityGroup], str | None]:
    require(actor, Perm.read)
    return paginate(
        session, scoped(CommunityGroup, actor), CommunityGroup.id, limit=limit, cursor=cursor
    )


def update_group(
    session: Session, *, actor: Actor, group_id: int, changes: dict[str, Any]
) -> CommunityGroup:
    """Set a group's policy: post a neutral notice back or not, and its text."""
    require(actor, Perm.manage_workspace)
    group = get_scoped(session, CommunityGroup, group_id, actor, what=GROUP, for_update=True)
    for field in ("name", "post_notice", "notice_text"):
        if changes.get(field) is not None:
            setattr(group, field, changes[field])
    session.flush()
    return group


def list_storms(
    session: Session, *, actor: Actor, limit: int, cursor: str | None, group_id: int | None
) -> tuple[list[CommunityStorm], str | None]:
    require(actor, Perm.supervise)
    stmt = scoped(CommunityStorm, actor)
    if group_id is not None:
        stmt = stmt.where(CommunityStorm.group_id == group_id)
    return paginate(session, stmt, CommunityStorm.id, limit=limit, cursor=cursor)
