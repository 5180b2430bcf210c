"""Outbound e-mail: an agent's reply in an e-mail conversation goes out through the SMTP relay.

The reply's outbox row (`EmailMessage`, status pending) and a send timer are written in the same
transaction as the message (an in-transaction reaction), so a reply is never lost nor sent for a
message that rolled back. The timer sends after commit, at least once: a retry after a crash
re-sends the same Message-ID, which receivers treat as one mail. Threading headers make the
customer's mail client show the reply in the thread, and the subject carries "[#<ticket>]" so an
answer written as a new mail still finds its ticket.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.channels.email.models import EmailMessage, MailDirection, MailStatus
from kefu.channels.email.service import channel_address
from kefu.channels.models import Channel, ChannelKind
from kefu.config import get_settings
from kefu.conversations.models import AuthorKind, Conversation, Message
from kefu.customers.models import CustomerIdentity, IdentityKind
from kefu.sla import notify
from kefu.tickets.models import Ticket, TicketConversation
from kefu.timeline.models import Event
from kefu.timers import service as timers

log = logging.getLogger(__name__)

SEND = "email.send"
MAX_ATTEMPTS = 6  # with the timers' back-off: about 16 minutes of retrying before giving up
MAX_REFERENCES = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@events.react("message.created")
def _queue_reply(session: Session, ev: Event) -> None:
    """An outbound message in an e-mail conversation: queue it for the relay."""
    if ev.payload.get("direction") != "outbound" or ev.conversation_id is None:
        return
    conv = session.get(Conversation, ev.conversation_id)
    channel = session.get(Channel, conv.channel_id) if conv else None
    if conv is None or channel is None or channel.kind is not ChannelKind.email:
        return
    message = session.get(Message, ev.payload["message_id"])
    if message is None:
        return
    thread = list(
        session.scalars(
            select(EmailMessage)
            .where(EmailMessage.conversation_id == conv.id)
            .order_by(EmailMessage.id)
        )
    )
    inbound = [m for m in thread if m.direction is MailDirection.inbound and m.from_addr]
    last = inbound[-1] if inbound else None
    to = (last.reply_to or last.from_addr) if last else _customer_email(session, conv.customer_id)
    address = channel_address(channel)
    domain = address.split("@", 1)[1] if "@" in address else "kefu.invalid"
    row = EmailMessage(
        workspace_id=conv.workspace_id,
        channel_id=channel.id,
        conversation_id=conv.id,
        message_id=message.id,
        direction=MailDirection.outbound,
        status=MailStatus.pending,
        rfc_message_id=f"<kefu.{conv.id}.{message.id}.{secrets.token_hex(6)}@{domain}>",
        in_reply_to=inbound[-1].rfc_message_id if inbound else "",
        references=" ".join(m.rfc_message_id for m in thread[-MAX_REFERENCES:]),
        from_addr=address,
        to_addrs=to,
        subject=_subject(session, conv, inbound[-1].subject if inbound else conv.subject),
    )
    if not to or not address:
        row.status = MailStatus.failed
        row.last_error = "no recipient address" if not to else "channel has no address"
    session.add(row)
    session.flush()
    if row.status is MailStatus.pending:
        timers.schedule(
            session,
            workspace_id=row.workspace_id,
            kind=SEND,
            key=f"email:{row.id}",
            due_at=clock.now(),
            payload={"email_id": row.id},
        )
    else:
        _failed(session, row, conv)


def _customer_email(session: Session, customer_id: int) -> str:
    return (
        session.scalars(
            select(CustomerIdentity.value)
            .where(
                CustomerIdentity.customer_id == customer_id,
                CustomerIdentity.kind == IdentityKind.email,
            )
            .order_by(CustomerIdentity.verified.desc(), CustomerIdentity.id)
        ).first()
        or ""
    )


def _subject(session: Session, conv: Conversation, subject: str) -> str:
    number = session.scalars(
        select(Ticket.number)
        .join(TicketConversation, TicketConversation.ticket_id == Ticket.id)
        .where(TicketConversation.conversation_id == conv.id)
        .order_by(Ticket.id)
    ).first()
    # One line: a header with a line break is refused when the mail is built, and the reply
    # would then wait in the outbox forever (subjects stored before parse made them one line).
    subject = (
        _CONTROL.sub(" ", subject).strip() or _CONTROL.sub(" ", conv.subject).strip() or "客服回复"
    )
    if number is not None and f"[#{number}]" not in subject:
        subject = f"[#{number}] {subject}"
    if not subject.lower().startswith(("re:", "回复:", "回复：")):
        subject = f"Re: {subject}"
    return subject[:300]


def build(
    row: EmailMessage, *, body: str, sender_name: str = "", automatic: bool = False
) -> MimeMessage:
    """The MIME message of an outbox row, with the headers that keep it in the thread."""
    mime = MimeMessage()
    mime["From"] = formataddr((sender_name, row.from_addr)) if sender_name else row.from_addr
    mime["To"] = row.to_addrs
    mime["Subject"] = row.subject
    mime["Message-ID"] = row.rfc_message_id
    mime["Date"] = format_datetime(clock.now())
    if row.in_reply_to:
        mime["In-Reply-To"] = row.in_reply_to
    if row.references:
        mime["References"] = row.references
    mime["X-Kefu-Conversation"] = str(row.conversation_id or "")
    if automatic:
        # RFC 3834: what the bot or the system writes is marked, so autoresponders stay quiet.
        mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(body)
    return mime


@timers.handler(SEND)
def _send(session: Session, timer: timers.Timer) -> None:
    row = session.get(EmailMessage, timer.payload["email_id"], with_for_update=True)
    if row is None or row.status is not MailStatus.pending:
        return
    channel = session.get(Channel, row.channel_id)
    message = session.get(Message, row.message_id) if row.message_id else None
    conv = session.get(Conversation, row.conversation_id) if row.conversation_id else None
    if channel is None or message is None:
        row.status, row.last_error = MailStatus.failed, "channel or message is gone"
        return
    settings = get_settings()
    relay = channel.config.get("smtp_relay") or {}
    host = relay.get("host") or settings.smtp_relay_host
    port = int(relay.get("port") or settings.smtp_relay_port)
    row.attempts = timer.attempts + 1
    try:
        if not host:
            raise smtplib.SMTPException("no SMTP relay configured (KEFU_SMTP_RELAY_HOST)")
        with smtplib.SMTP(host, port, timeout=15) as smtp:
            smtp.send_message(
                build(
                    row,
                    body=message.body,
                    sender_name=str(channel.config.get("name", "")),
                    automatic=message.author_kind in (AuthorKind.bot, AuthorKind.system),
                ),
                from_addr=row.from_addr,
                to_addrs=[row.to_addrs],
            )
    except (smtplib.SMTPException, OSError) as exc:
        permanent = _permanent(exc)
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = MailStatus.failed, f"{type(exc).__name__}: {exc}"[:500]
            _failed(session, row, conv)
            return
        # The timer retries with back-off; nothing above is kept.
        raise timers.RetryLater(f"mail {row.id}: {type(exc).__name__}: {exc}") from exc
    row.status, row.sent_at, row.last_error = MailStatus.sent, clock.now(), ""
    events.record(
        session,
        actor=Actor.system(row.workspace_id),
        type="email.sent",
        customer_id=conv.customer_id if conv else None,
        conversation_id=row.conversation_id,
        payload={"email_id": row.id, "message_id": row.message_id},
    )


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", 0)
    return isinstance(code, int) and code >= 500


def _failed(session: Session, row: EmailMessage, conv: Conversation | None) -> None:
    """The reply did not go out: on the timeline, and the assignee is told."""
    events.record(
        session,
        actor=Actor.system(row.workspace_id),
        type="email.failed",
        customer_id=conv.customer_id if conv else None,
        conversation_id=row.conversation_id,
        payload={"email_id": row.id, "reason": row.last_error},
    )
    if conv is not None:
        notify.notify(
            session,
            workspace_id=row.workspace_id,
            staff_id=conv.assignee_id,
            kind="email.failed",
            text=f"邮件回复未能发出 · reply e-mail not delivered: {row.last_error}",
        )
