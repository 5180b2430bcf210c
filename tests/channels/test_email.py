"""E-mail through real SMTP: aiosmtpd receives, a second aiosmtpd plays the outbound relay."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kefu import clock
from kefu.channels.attachments_models import Attachment
from kefu.channels.email.models import EmailMessage as Mail
from kefu.channels.email.models import MailDirection, MailStatus
from kefu.channels.email.outbound import MAX_ATTEMPTS
from kefu.channels.email.smtp import MailServer
from kefu.channels.models import Channel
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import CustomerIdentity, IdentityKind
from kefu.runtime import Runtime
from kefu.tickets.models import Ticket
from kefu.timeline.models import Event
from kefu.timers import service as timers
from tests.channels.conftest import SUPPORT, Relay, free_port
from tests.factories import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def mail(
    subject: str = "包裹一直没到",
    body: str = "订单 LM2026 三天了还没发货，请帮忙查一下。",
    sender: str = "王小明 <xiaoming@example.com>",
    **headers: str,
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = SUPPORT
    m["Subject"] = subject
    m["Message-ID"] = headers.pop(
        "message_id", f"<{abs(hash((subject, body, sender)))}@example.com>"
    )
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m


def send(server: MailServer, message: EmailMessage | bytes, to: str = SUPPORT) -> Any:
    with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
        if isinstance(message, bytes):
            return smtp.sendmail("someone@example.com", [to], message)
        return smtp.send_message(message, to_addrs=[to])


def count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def reply_as_agent(client: Any, world: World, conversation_id: int | None, text: str) -> None:
    r = client.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=world.headers(),
        json={"body": text},
    )
    assert r.status_code == 201, r.text


def test_a_mail_opens_a_conversation_and_a_ticket(
    runtime: Runtime, smtp_server: MailServer, email_channel: Channel
) -> None:
    send(smtp_server, mail())
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        assert row.status is MailStatus.stored and row.from_addr == "xiaoming@example.com"
        conv = s.get(Conversation, row.conversation_id)
        assert conv is not None and conv.channel_id == email_channel.id
        assert conv.subject == "包裹一直没到"
        msg = s.get(Message, row.message_id)
        assert msg is not None and "三天了还没发货" in msg.body
        ticket = s.scalars(select(Ticket).where(Ticket.customer_id == conv.customer_id)).one()
        assert ticket.conversation_ids == [conv.id] and ticket.subject == "包裹一直没到"
        identity = s.scalars(
            select(CustomerIdentity).where(CustomerIdentity.customer_id == conv.customer_id)
        ).one()
        assert (identity.kind, identity.value, identity.verified) == (
            IdentityKind.email,
            "xiaoming@example.com",
            False,  # anyone can write a From line
        )


def test_reply_goes_out_threaded_and_the_answer_comes_back_to_the_thread(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, client: Any, world: World
) -> None:
    first = mail(message_id="<first-1@example.com>")
    send(smtp_server, first)
    with runtime.sessions() as s:
        conv_id = s.scalars(select(Mail.conversation_id)).one()
        number = s.scalars(select(Ticket.number)).one()
    reply_as_agent(client, world, conv_id, "您好，已为您催促仓库今天发货。")
    assert relay.captured.mails == []  # nothing leaves before the send timer runs after commit
    timers.sweep(runtime.sessions)
    [out] = relay.captured.mails
    assert out["In-Reply-To"] == "<first-1@example.com>"
    assert "<first-1@example.com>" in out["References"]
    assert out["Subject"] == f"Re: [#{number}] 包裹一直没到"
    assert out["To"] == "xiaoming@example.com" and SUPPORT in out["From"]
    assert "催促仓库" in out.get_content()
    assert relay.captured.envelopes == [(SUPPORT, ["xiaoming@example.com"])]
    assert (
        out["Auto-Submitted"] is None
    )  # a person wrote it: the customer's autoresponder may answer
    timers.sweep(runtime.sessions)
    assert len(relay.captured.mails) == 1  # sent once

    # The customer answers the reply: same conversation, no second ticket.
    send(
        smtp_server,
        mail(
            subject=f"Re: {out['Subject']}",
            body="谢谢！\n\nOn Mon, Acme wrote:\n> 您好，已为您催促仓库今天发货。",
            message_id="<answer-2@example.com>",
            In_Reply_To=out["Message-ID"],
            References=f"<first-1@example.com> {out['Message-ID']}",
        ),
    )
    # A fresh mail that only carries the ticket number in its subject also finds the ticket.
    send(smtp_server, mail(subject=f"还是没收到 [#{number}]", message_id="<fresh-3@example.com>"))
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        answer = s.scalars(
            select(Mail).where(Mail.rfc_message_id == "<answer-2@example.com>")
        ).one()
        assert answer.conversation_id == conv_id
        body = s.get(Message, answer.message_id)
        assert body is not None and body.body == "谢谢！"  # the quoted reply is cut
        fresh = s.scalars(select(Mail).where(Mail.rfc_message_id == "<fresh-3@example.com>")).one()
        ticket = s.scalars(select(Ticket)).one()
        assert fresh.conversation_id in ticket.conversation_ids
        sent = s.scalars(select(Mail).where(Mail.direction == MailDirection.outbound)).one()
        assert sent.status is MailStatus.sent and sent.sent_at is not None


def test_a_stranger_quoting_a_ticket_number_gets_a_thread_of_their_own(
    runtime: Runtime, smtp_server: MailServer
) -> None:
    send(smtp_server, mail(message_id="<owner@example.com>"))
    with runtime.sessions() as s:
        number = s.scalars(select(Ticket.number)).one()
    send(
        smtp_server,
        mail(subject=f"[#{number}] 我也要退款", sender="intruder@evil.test", message_id="<x@evil>"),
    )
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 2
        assert s.scalar(select(func.count(func.distinct(Mail.conversation_id)))) == 2


def test_the_same_mail_delivered_twice_is_stored_once(
    runtime: Runtime, smtp_server: MailServer
) -> None:
    m = mail(message_id="<retry@example.com>")
    send(smtp_server, m)
    send(smtp_server, m)
    assert count(runtime, Mail) == 1 and count(runtime, Message) == 1


def dsn(original_id: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; xiaoming@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {SUPPORT}\r\nTo: xiaoming@example.com\r\nMessage-ID: {original_id}\r\n"
        "--B--\r\n"
    ).encode()


def test_auto_replies_and_bounces_never_open_tickets_nor_loop(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, client: Any, world: World
) -> None:
    send(smtp_server, mail(message_id="<q@example.com>"))
    with runtime.sessions() as s:
        conv_id = s.scalars(select(Mail.conversation_id)).one()
    reply_as_agent(client, world, conv_id, "请提供订单号。")
    timers.sweep(runtime.sessions)
    out_id = relay.captured.mails[0]["Message-ID"]
    before = (count(runtime, Ticket), count(runtime, Message), count(runtime, Conversation))
    automatic = [
        mail(
            subject="自动回复：休假中",
            message_id="<a1@x>",
            Auto_Submitted="auto-replied",
            In_Reply_To=out_id,
        ),
        mail(subject="Out of office", message_id="<a2@x>", X_Autoreply="yes"),
        mail(subject="Newsletter", message_id="<a3@x>", Precedence="bulk"),
        mail(subject="loop", sender=SUPPORT, message_id="<a4@x>"),
    ]
    for m in automatic:
        send(smtp_server, m)
    send(smtp_server, dsn(out_id))
    assert (count(runtime, Ticket), count(runtime, Message), count(runtime, Conversation)) == before
    timers.sweep(runtime.sessions)
    assert len(relay.captured.mails) == 1  # nothing was answered automatically
    with runtime.sessions() as s:
        statuses = dict(s.execute(select(Mail.rfc_message_id, Mail.status)).all())
        assert statuses["<a1@x>"] is statuses["<a2@x>"] is MailStatus.auto_reply
        assert statuses["<a3@x>"] is statuses["<a4@x>"] is MailStatus.auto_reply
        assert statuses["<dsn-1@mx.example.com>"] is MailStatus.bounce
        assert statuses[out_id] is MailStatus.bounced
        types = set(s.scalars(select(Event.type).where(Event.conversation_id == conv_id)))
        assert {"email.bounced", "email.auto_replied", "email.sent"} <= types


def test_html_is_sanitised_and_attachments_are_judged_by_their_bytes(
    runtime: Runtime, smtp_server: MailServer, tmp_path: Path
) -> None:
    m = EmailMessage()
    m["From"] = "li@example.com"
    m["To"] = SUPPORT
    m["Subject"] = "图片"
    m["Message-ID"] = "<html-1@example.com>"
    m.set_content(
        '<p>商品<b>坏了</b><script>alert("x")</script><img src=x onerror="steal()"></p>',
        subtype="html",
    )
    m.add_attachment(PNG, maintype="text", subtype="plain", filename="notes.txt")
    m.add_attachment(b"MZ\x90\x00evil", maintype="image", subtype="jpeg", filename="photo.jpg")
    m.add_attachment(b"x" * 64, maintype="application", subtype="pdf", filename="../../etc/passwd")
    send(smtp_server, m)
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        body = s.get(Message, row.message_id)
    assert body is not None and body.body.startswith("商品坏了")
    assert "script" not in row.html_body and "onerror" not in row.html_body
    assert "alert" not in body.body
    by_name = {a["name"]: a for a in row.attachments}
    assert (
        by_name["notes.txt"]["content_type"] == "image/png" and by_name["notes.txt"]["mislabelled"]
    )
    assert not by_name["photo.jpg"]["stored"] and "executable" in by_name["photo.jpg"]["reason"]
    assert by_name["_.._etc_passwd"]["content_type"] == "application/octet-stream"
    stored = tmp_path / "data" / "mail" / "attachments" / by_name["notes.txt"]["sha256"]
    assert stored.read_bytes() == PNG
    # The image also went to the chat attachments store, linked to the message like a chat image.
    with runtime.sessions() as s:
        att = s.get(Attachment, by_name["notes.txt"]["attachment_id"])
        assert att is not None and att.message_id == row.message_id
        assert att.content_type == "image/png"


HOSTILE = [
    b"\x00\x01\x02 not a mail at all \xff\xfe",
    b"Subject: no sender\r\n\r\nbody",
    b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n'
    + b'--X\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n' * 300,
    b"From: =?bogus-charset?B?////?= <b@example.com>\r\nSubject: =?utf-8?B?invalid**?=\r\n"
    b"Content-Type: text/plain; charset=no-such-charset\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@",
]


@pytest.mark.parametrize("raw", HOSTILE, ids=["garbage", "no-from", "nested", "bad-charset"])
def test_hostile_mime_is_stored_inert_and_the_server_keeps_serving(
    runtime: Runtime, smtp_server: MailServer, raw: bytes
) -> None:
    assert send(smtp_server, raw) == {}  # accepted: kept, not bounced back to a forged sender
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        assert row.status in (MailStatus.quarantined, MailStatus.stored)
        if row.status is MailStatus.quarantined:
            assert row.raw_path and row.message_id is None
    send(smtp_server, mail(message_id="<after@example.com>"))
    assert count(runtime, Mail, Mail.rfc_message_id == "<after@example.com>") == 1


def test_unknown_recipients_are_refused_at_rcpt(smtp_server: MailServer) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(smtp_server, mail(), to="nobody@acme.test")


def test_a_relay_that_is_down_is_retried_then_the_failure_is_reported(
    runtime: Runtime,
    smtp_server: MailServer,
    client: Any,
    world: World,
    email_channel: Channel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    send(smtp_server, mail(message_id="<down@example.com>"))
    with runtime.sessions() as s:
        conv_id = s.scalars(select(Mail.conversation_id)).one()
        channel = s.get(Channel, email_channel.id)
        assert channel is not None
        channel.config = {
            **channel.config,
            "smtp_relay": {"host": "127.0.0.1", "port": free_port()},
        }
        s.commit()
    reply_as_agent(client, world, conv_id, "稍等")
    start = clock.now()
    with clock.frozen(start) as frozen:
        for n in range(MAX_ATTEMPTS):
            frozen.set(start + (n + 1) * timers.RETRY_MAX)
            timers.sweep(runtime.sessions)
    # Each retry is one line that says why; a relay that is down is no bug with a stack to read.
    retries = [r for r in caplog.records if "will retry" in r.getMessage()]
    assert len(retries) == MAX_ATTEMPTS - 1
    assert all("ConnectionRefusedError" in r.getMessage() and not r.exc_info for r in retries)
    with runtime.sessions() as s:
        out = s.scalars(select(Mail).where(Mail.direction == MailDirection.outbound)).one()
        assert out.status is MailStatus.failed and out.attempts == MAX_ATTEMPTS
        assert s.scalars(select(Event).where(Event.type == "email.failed")).one()


def test_kefu_serve_starts_the_smtp_server_when_a_port_is_set(
    runtime: Runtime, email_channel: Channel, tmp_path: Path
) -> None:
    import dataclasses

    from fastapi.testclient import TestClient

    from kefu.app import create_app

    port = free_port()
    settings = runtime.settings.model_copy(
        update={"smtp_port": port, "data_dir": str(tmp_path), "smtp_max_bytes": 50_000}
    )
    app = create_app(runtime=dataclasses.replace(runtime, settings=settings))
    with TestClient(app):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(mail(message_id="<served@example.com>"), to_addrs=[SUPPORT])
            # Over KEFU_SMTP_MAX_BYTES: refused with a reason, the session goes on.
            big = mail(body="很长" * 40_000, message_id="<big@example.com>")
            with pytest.raises(smtplib.SMTPException) as refused:
                smtp.send_message(big, to_addrs=[SUPPORT])
            assert "552" in str(refused.value)
    assert count(runtime, Mail, Mail.rfc_message_id == "<served@example.com>") == 1
    assert count(runtime, Mail, Mail.rfc_message_id == "<big@example.com>") == 0
    with pytest.raises(OSError):  # stopped with the app
        smtplib.SMTP("127.0.0.1", port, timeout=2)


def test_a_mail_that_breaks_the_pipeline_is_kept_inert_not_lost(
    runtime: Runtime, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kefu.channels.email import service

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug somewhere downstream")

    with monkeypatch.context() as patch:
        patch.setattr(service, "_thread", boom)
        assert send(smtp_server, mail(message_id="<broken@example.com>")) == {}
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        assert row.status is MailStatus.quarantined and "RuntimeError" in row.reason
        assert count(runtime, Message) == 0 and count(runtime, Ticket) == 0
    send(smtp_server, mail(message_id="<fine@example.com>"))
    assert count(runtime, Message) == 1


def test_what_the_system_writes_is_marked_auto_generated(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, world: World
) -> None:
    from kefu.conversations import service as conversations

    send(smtp_server, mail(message_id="<sys@example.com>"))
    with runtime.sessions() as s:
        conv_id = s.scalars(select(Mail.conversation_id)).one()
        assert conv_id is not None
        conversations.post_message(
            s, actor=world.system, conversation_id=conv_id, body="您的工单已超时，主管已介入。"
        )
        conversations.post_message(
            s, actor=world.actor(), conversation_id=conv_id, body="内部备注", internal=True
        )
        s.commit()
    timers.sweep(runtime.sessions)
    [out] = relay.captured.mails  # the internal note never leaves
    assert out["Auto-Submitted"] == "auto-generated"


def test_replies_go_to_the_reply_to_address_when_there_is_one(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, client: Any, world: World
) -> None:
    send(smtp_server, mail(message_id="<rt@example.com>", Reply_To="王小明 <home@example.net>"))
    with runtime.sessions() as s:
        conv_id = s.scalars(select(Mail.conversation_id)).one()
    reply_as_agent(client, world, conv_id, "好的")
    timers.sweep(runtime.sessions)
    assert relay.captured.envelopes[0][1] == ["home@example.net"]


def test_an_oversized_attachment_is_recorded_not_kept(tmp_path: Path) -> None:
    from kefu.channels.email.files import store_attachment
    from kefu.channels.email.parse import Part

    record = store_attachment(
        str(tmp_path), Part("big.png", "image/png", PNG + b"\x00" * 2000), max_bytes=1000
    )
    assert not record["stored"] and "too large" in record["reason"]
    assert not (tmp_path / "mail" / "attachments").exists() or not any(
        (tmp_path / "mail" / "attachments").iterdir()
    )
