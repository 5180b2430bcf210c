"""Inbound e-mail: one mail → the customer, the thread it continues (or a new one and a ticket).

Threads are found, in order, by the Message-IDs the mail answers (In-Reply-To, References), then
by the ticket number in the subject ("[#1234]"), and only for the same customer — a stranger who
writes "[#1234]" in a subject starts a thread of their own. Auto-replies and bounces never become
messages or tickets (RFC 3834); a bounce marks the outbound mail it reports on.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import events
from kefu.auth.actor import Actor
from kefu.channels import attachments
from kefu.channels.email import files
from kefu.channels.email.models import EmailMessage, MailDirection, MailStatus
from kefu.channels.email.parse import Mail, Unreadable, parse
from kefu.channels.models import Channel, ChannelKind
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, Message
from kefu.customers import resolution
from kefu.customers.models import Customer, IdentityKind
from kefu.customers.resolution import Claim
from kefu.errors import DomainError
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketConversation

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    status: MailStatus
    email_id: int
    conversation_id: int | None = None
    ticket_id: int | None = None
    duplicate: bool = False


def channel_address(channel: Channel) -> str:
    return str(channel.config.get("address", "")).strip().lower()


def channels_for(session: Session, recipient: str) -> list[Channel]:
    """Active e-mail channels receiving at this address (any workspace: SMTP is a public door)."""
    recipient = recipient.strip().lower()
    rows = session.scalars(
        select(Channel).where(Channel.kind == ChannelKind.email, Channel.active.is_(True))
    )
    return [c for c in rows if recipient and channel_address(c) == recipient]


def ingest(
    session: Session,
    *,
    channel: Channel,
    raw: bytes,
    data_dir: str,
    max_attachment_bytes: int,
    image_max_bytes: int = 5 * 1024 * 1024,
    envelope_from: str = "",
) -> Outcome:
    """Store one inbound mail on `channel`; the caller commits. Never raises on bad mail."""
    try:
        mail = parse(raw)
    except Unreadable as why:
        return quarantine(session, channel, raw, data_dir, str(why))
    existing = _find(session, channel.workspace_id, MailDirection.inbound, mail.message_id)
    if existing is not None:
        return Outcome(existing.status, existing.id, existing.conversation_id, duplicate=True)
    row = EmailMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        direction=MailDirection.inbound,
        status=MailStatus.stored,
        rfc_message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=" ".join(mail.references)[:20_000],
        from_addr=mail.from_addr,
        reply_to=mail.reply_to,
        to_addrs=", ".join(mail.to_addrs)[:1000],
        subject=mail.subject,
        html_body=mail.html,
        size=mail.size,
    )
    own = {channel_address(c) for c in _email_channels(session, channel.workspace_id)}
    if envelope_from in ("<>",) and mail.automatic is None:
        mail.automatic, mail.is_bounce = "null envelope sender", True
    if mail.from_addr in own and mail.automatic is None:
        mail.automatic = "sent by one of our own addresses (loop)"
    if mail.automatic is not None:
        return _automatic(session, row, mail)
    customer = resolution.resolve(
        session,
        workspace_id=channel.workspace_id,
        claims=[Claim(IdentityKind.email, mail.from_addr)],
        display_name=mail.from_name,
        source="email",
    )
    if customer is None:
        return quarantine(session, channel, raw, data_dir, "unusable sender address")
    row.attachments = [
        files.store_attachment(data_dir, part, max_bytes=max_attachment_bytes)
        for part in mail.attachments
    ]
    conv, ticket = _thread(session, channel, mail, customer)
    new_thread = conv is None
    if conv is None:
        conv = conversations.create(
            session,
            actor=Actor.system(channel.workspace_id),
            channel_id=channel.id,
            customer_id=customer.id,
            subject=mail.subject or "(无主题)",
        )
    msg, _ = conversations.post_message(
        session,
        actor=Actor.customer(channel.workspace_id, conv.customer_id),
        conversation_id=conv.id,
        body=_body(mail, row),
        client_msg_id="mail:" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:40],
    )
    row.conversation_id, row.message_id = conv.id, msg.id
    _share_images(
        session,
        row,
        mail,
        msg,
        customer_id=conv.customer_id,
        data_dir=data_dir,
        max_bytes=image_max_bytes,
    )
    session.add(row)
    session.flush()
    if new_thread and ticket is None:
        ticket = _open_ticket(session, channel, mail, conv)
    return Outcome(MailStatus.stored, row.id, conv.id, ticket.id if ticket else None)


def _find(
    session: Session, workspace_id: int, direction: MailDirection, message_id: str
) -> EmailMessage | None:
    return session.scalars(
        select(EmailMessage).where(
            EmailMessage.workspace_id == workspace_id,
            EmailMessage.direction == direction,
            EmailMessage.rfc_message_id == message_id,
        )
    ).first()


def _email_channels(session: Session, workspace_id: int) -> list[Channel]:
    return list(
        session.scalars(
            select(Channel).where(
                Channel.workspace_id == workspace_id, Channel.kind == ChannelKind.email
            )
        )
    )


def quarantine(session: Session, channel: Channel, raw: bytes, data_dir: str, why: str) -> Outcome:
    """Keep a mail we cannot read or store as inert bytes, with the reason; once per content."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = f"<quarantine.{digest[:40]}@kefu.invalid>"
    existing = _find(session, channel.workspace_id, MailDirection.inbound, message_id)
    if existing is not None:
        return Outcome(existing.status, existing.id, duplicate=True)
    row = EmailMessage(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        direction=MailDirection.inbound,
        status=MailStatus.quarantined,
        rfc_message_id=message_id,
        reason=why[:500],
        size=len(raw),
        raw_path=files.quarantine(data_dir, raw),
    )
    session.add(row)
    session.flush()
    log.warning("mail quarantined on channel %s: %s", channel.id, why)
    return Outcome(MailStatus.quarantined, row.id)


def _automatic(session: Session, row: EmailMessage, mail: Mail) -> Outcome:
    """Auto-replies and bounces: kept for the record, shown on the timeline, never a ticket."""
    assert mail.automatic is not None
    row.status = MailStatus.bounce if mail.is_bounce else MailStatus.auto_reply
    row.reason = mail.automatic[:500]
    ids = mail.bounced_ids if mail.is_bounce else mail.thread_ids
    ours = (
        list(
            session.scalars(
                select(EmailMessage).where(
                    EmailMessage.workspace_id == row.workspace_id,
                    EmailMessage.direction == MailDirection.outbound,
                    EmailMessage.rfc_message_id.in_(ids),
                )
            )
        )
        if ids
        else []
    )
    session.add(row)
    session.flush()
    system = Actor.system(row.workspace_id)
    for out in ours:
        row.conversation_id = row.conversation_id or out.conversation_id
        if mail.is_bounce and out.status is not MailStatus.bounced:
            out.status = MailStatus.bounced
            out.last_error = mail.automatic[:500]
        conv = session.get(Conversation, out.conversation_id) if out.conversation_id else None
        events.record(
            session,
            actor=system,
            type="email.bounced" if mail.is_bounce else "email.auto_replied",
            customer_id=conv.customer_id if conv else None,
            conversation_id=out.conversation_id,
            payload={"email_id": row.id, "outbound_email_id": out.id, "reason": row.reason},
        )
    session.flush()
    return Outcome(row.status, row.id, row.conversation_id)


def _thread(
    session: Session, channel: Channel, mail: Mail, customer: Customer
) -> tuple[Conversation | None, Ticket | None]:
    """The conversation (and ticket) this mail continues, if it is the same customer's."""
    if mail.thread_ids:
        for earlier in session.scalars(
            select(EmailMessage)
            .where(
                EmailMessage.workspace_id == channel.workspace_id,
                EmailMessage.rfc_message_id.in_(mail.thread_ids),
                EmailMessage.conversation_id.is_not(None),
            )
            .order_by(EmailMessage.id.desc())
        ):
            conv = session.get(Conversation, earlier.conversation_id)
            if conv is not None and conv.customer_id == customer.id:
                return conv, None
    number = mail.ticket_number
    if number is None:
        return None, None
    ticket = session.scalars(
        select(Ticket).where(Ticket.workspace_id == channel.workspace_id, Ticket.number == number)
    ).first()
    if ticket is None or ticket.customer_id != customer.id:
        return None, None
    conv = session.scalars(
        select(Conversation)
        .join(TicketConversation, TicketConversation.conversation_id == Conversation.id)
        .where(
            TicketConversation.ticket_id == ticket.id,
            Conversation.channel_id == channel.id,
            Conversation.customer_id == customer.id,
        )
        .order_by(Conversation.id.desc())
    ).first()
    if conv is None:
        system = Actor.system(channel.workspace_id)
        conv = conversations.create(
            session,
            actor=system,
            channel_id=channel.id,
            customer_id=customer.id,
            subject=mail.subject or ticket.subject,
        )
        tickets.link_conversation(
            session, actor=system, ticket_id=ticket.id, conversation_id=conv.id
        )
    return conv, ticket


def _body(mail: Mail, row: EmailMessage) -> str:
    lines = [mail.text or "（空邮件 · empty mail）"]
    for a in row.attachments:
        state = a.get("content_type", "") if a["stored"] else f"未保存 not stored: {a['reason']}"
        lines.append(f"[附件 attachment] {a['name']} ({a['size']} B, {state})")
    return "\n".join(lines)


def _share_images(
    session: Session,
    row: EmailMessage,
    mail: Mail,
    msg: Message,
    *,
    customer_id: int,
    data_dir: str,
    max_bytes: int,
) -> None:
    """Images go to the chat attachments store too, so the workbench shows them as in a chat."""
    customer = Actor.customer(row.workspace_id, customer_id)
    for record, part in zip(row.attachments, mail.attachments, strict=True):
        if not record["stored"] or not record["content_type"].startswith("image/"):
            continue
        try:
            with session.begin_nested():
                att = attachments.store(
                    session,
                    actor=customer,
                    data=part.data,
                    filename=record["name"],
                    data_dir=data_dir,
                    max_bytes=max_bytes,
                )
                attachments.link(session, actor=customer, message=msg, attachment_ids=[att.id])
                record["attachment_id"] = att.id
        except DomainError as why:  # too large or not an image to that store: the mail copy stays
            record["shared"] = why.code


def _open_ticket(
    session: Session, channel: Channel, mail: Mail, conv: Conversation
) -> Ticket | None:
    """A new mail thread is a ticket; if none can be opened the message is still stored."""
    try:
        with session.begin_nested():
            return tickets.create(
                session,
                actor=Actor.system(channel.workspace_id),
                subject=(mail.subject or "（无主题）")[:300],
                description=mail.text[:20_000],
                customer_id=conv.customer_id,
                conversation_ids=[conv.id],
                tags=["email"],
            )
    except DomainError as why:
        log.warning("no ticket for mail %s: %s", mail.message_id, why.en)
        return None
