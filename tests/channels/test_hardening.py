"""Channel defects a service centre meets at peak: Chinese mail clients' charsets, headers that
decode to more than one line, long References chains."""

from __future__ import annotations

import base64
import quopri
from typing import Any

import pytest
from sqlalchemy import select

from kefu.channels.email.models import EmailMessage as Mail
from kefu.channels.email.models import MailDirection, MailStatus
from kefu.channels.email.parse import parse
from kefu.channels.email.smtp import MailServer
from kefu.channels.phone_models import CallbackTask
from kefu.conversations.models import Conversation, Message
from kefu.runtime import Runtime
from kefu.tickets.models import Ticket
from kefu.timers import service as timers
from tests.channels.conftest import SUPPORT, Doors, Relay, customer_headers
from tests.channels.test_email import count, mail, reply_as_agent, send
from tests.factories import World

# 喆, 堃 and 镕 are GBK, not GB2312: the names customers sign with, and what most Chinese mail
# clients send labelled "gb2312".
NAME = "王喆"
TEXT = "您好，朱镕基路的包裹三天了还没到，收件人张堃。"


def raw_mail(headers: str, body: bytes, subject: bytes = b"Subject: t") -> bytes:
    head = f"From: xiaoming@example.com\r\nTo: {SUPPORT}\r\nMessage-ID: <gb@example.com>\r\n"
    return head.encode() + subject + b"\r\n" + headers.encode() + b"\r\n\r\n" + body + b"\r\n"


def encoded_word(text: str, charset: str = "gb2312") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode('gbk')).decode()}?="


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (
            "Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64",
            base64.b64encode(TEXT.encode("gbk")),
        ),
        (
            "Content-Type: text/plain; charset=GB2312\r\n"
            "Content-Transfer-Encoding: quoted-printable",
            quopri.encodestring(TEXT.encode("gbk")),
        ),
        (
            "Content-Type: text/html; charset=gb2312\r\nContent-Transfer-Encoding: base64",
            base64.b64encode(f"<div><p>{TEXT}</p></div>".encode("gbk")),
        ),
        # No charset at all, 8-bit GBK: older shop and ERP mailers.
        ("Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit", TEXT.encode("gbk")),
        ("Content-Transfer-Encoding: 8bit", TEXT.encode("gb18030")),
    ],
    ids=["gb2312-base64", "gb2312-qp", "gb2312-html", "8bit-no-charset", "no-content-type"],
)
def test_gbk_text_labelled_gb2312_or_unlabelled_is_read_whole(headers: str, body: bytes) -> None:
    assert parse(raw_mail(headers, body)).text == TEXT


def test_utf8_and_latin1_bodies_still_read_as_declared() -> None:
    utf8 = raw_mail("Content-Type: text/plain; charset=utf-8", TEXT.encode("utf-8"))
    assert parse(utf8).text == TEXT
    latin = raw_mail(
        "Content-Type: text/plain; charset=iso-8859-1", "Grüße, café".encode("latin-1")
    )
    assert parse(latin).text == "Grüße, café"


@pytest.mark.parametrize(
    "subject",
    [
        f"Subject: {encoded_word('退款：' + NAME)}".encode(),
        f"Subject: =?GBK?Q?{quopri.encodestring(('退款：' + NAME).encode('gbk')).decode()}?=".encode(),
        b"Subject: " + ("退款：" + NAME).encode("gbk"),  # raw 8-bit GBK, no encoded word
        b"Subject: " + ("退款：" + NAME).encode("utf-8"),  # RFC 6532
        f"Subject: {encoded_word('退款：')}\r\n {encoded_word(NAME)}".encode(),  # folded
    ],
    ids=["rfc2047-gb2312", "rfc2047-gbk-q", "8bit-gbk", "8bit-utf8", "folded"],
)
def test_subjects_in_chinese_charsets_are_read_whole(subject: bytes) -> None:
    assert parse(raw_mail("", b"hi", subject=subject)).subject == "退款：" + NAME


def test_a_sender_name_in_gb2312_is_read_whole() -> None:
    raw = raw_mail("", b"hi").replace(
        b"From: xiaoming@example.com",
        f"From: {encoded_word(NAME)} <xiaoming@example.com>".encode(),
    )
    got = parse(raw)
    assert (got.from_name, got.from_addr) == (NAME, "xiaoming@example.com")


def test_a_gbk_mail_over_smtp_opens_a_readable_conversation_and_ticket(
    runtime: Runtime, smtp_server: MailServer
) -> None:
    raw = raw_mail(
        "Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64",
        base64.b64encode(TEXT.encode("gbk")),
        subject=f"Subject: {encoded_word('催发货 ' + NAME)}".encode(),
    ).replace(
        b"From: xiaoming@example.com", f"From: {encoded_word(NAME)} <xiaoming@example.com>".encode()
    )
    send(smtp_server, raw)
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        conv = s.get(Conversation, row.conversation_id)
        msg = s.get(Message, row.message_id)
        ticket = s.scalars(select(Ticket)).one()
        assert conv is not None and msg is not None
        assert conv.subject == ticket.subject == "催发货 " + NAME
        assert msg.body == TEXT and "\ufffd" not in ticket.description


# --- one-line headers ----------------------------------------------------------------------------


def line_break_word(text: str) -> str:
    return f"=?utf-8?B?{base64.b64encode(text.encode()).decode()}?="


def test_a_subject_that_decodes_to_two_lines_is_one_line(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, client: Any, world: World
) -> None:
    """An encoded word may carry CR/LF; kept, it made every reply in the thread unbuildable
    (Python refuses a header with a line break) and the reply stayed pending forever."""
    subject = line_break_word("退款进度\r\nBcc: everyone@evil.test")
    send(smtp_server, mail(subject=subject, message_id="<crlf@example.com>"))
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        assert "\n" not in row.subject and "\r" not in row.subject
        conv_id = row.conversation_id
    reply_as_agent(client, world, conv_id, "已为您查询，明天送达。")
    timers.sweep(runtime.sessions)
    [out] = relay.captured.mails
    assert "退款进度" in out["Subject"] and out["Bcc"] is None
    assert relay.captured.envelopes == [(SUPPORT, ["xiaoming@example.com"])]
    with runtime.sessions() as s:
        sent = s.scalars(select(Mail).where(Mail.direction == MailDirection.outbound)).one()
        assert sent.status is MailStatus.sent


def test_a_sender_name_with_a_line_break_still_reaches_kefu(
    runtime: Runtime, smtp_server: MailServer
) -> None:
    name = line_break_word("王\r\n小明")
    raw = raw_mail("", b"hi").replace(
        b"From: xiaoming@example.com", f"From: {name} <xiaoming@example.com>".encode()
    )
    send(smtp_server, raw)
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        assert row.status is MailStatus.stored and row.from_addr == "xiaoming@example.com"
        assert row.conversation_id is not None


# --- threading -----------------------------------------------------------------------------------


def test_a_reply_with_a_long_references_chain_finds_its_thread(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, client: Any, world: World
) -> None:
    """References lists the oldest first: the ids a reply answers are at its end."""
    send(smtp_server, mail(message_id="<start@example.com>"))
    with runtime.sessions() as s:
        conv_id = s.scalars(select(Mail.conversation_id)).one()
    reply_as_agent(client, world, conv_id, "请提供订单号。")
    timers.sweep(runtime.sessions)
    ours = relay.captured.mails[0]["Message-ID"]
    # A thread that went round a list and back: many ids before ours, no In-Reply-To.
    older = " ".join(f"<list-{i}@lists.example.org>" for i in range(60))
    send(
        smtp_server,
        mail(
            subject="Re: 包裹一直没到",
            body="订单号 LM2026111100123",
            message_id="<long-refs@example.com>",
            References=f"{older} {ours}",
        ),
    )
    assert count(runtime, Ticket) == 1
    with runtime.sessions() as s:
        answer = s.scalars(select(Mail).where(Mail.rfc_message_id == "<long-refs@example.com>"))
        assert answer.one().conversation_id == conv_id


def test_a_thread_stored_with_a_two_line_subject_still_gets_its_replies_out(
    runtime: Runtime, smtp_server: MailServer, relay: Relay, client: Any, world: World
) -> None:
    """Mail stored before subjects were made one line: the reply's subject is made one line."""
    send(smtp_server, mail(message_id="<legacy@example.com>"))
    with runtime.sessions() as s:
        row = s.scalars(select(Mail)).one()
        row.subject = "退款进度\r\nBcc: everyone@evil.test"
        conv_id = row.conversation_id
        s.commit()
    reply_as_agent(client, world, conv_id, "已退款。")
    timers.sweep(runtime.sessions)
    [out] = relay.captured.mails
    assert "退款进度 Bcc: everyone@evil.test" in out["Subject"] and out["Bcc"] is None


# --- phone callbacks -----------------------------------------------------------------------------


def test_asking_again_with_a_corrected_number_calls_the_new_number(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    """The open task was handed back as it was: the agent called the mistyped number."""
    me = customer_headers(world, "M501")
    first = client.post("/api/v1/widget/callbacks", headers=me, json={"number": "13900001112"})
    assert first.status_code == 201, first.text
    fixed = client.post(
        "/api/v1/widget/callbacks", headers=me, json={"number": "+86 139-0000-1111"}
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["id"] == first.json()["id"]  # still one task, one promise
    assert fixed.json()["number_masked"] == "139****1111"
    [task] = client.get("/api/v1/callbacks", headers=world.headers()).json()["items"]
    assert task["number_masked"] == "139****1111"
    with runtime.sessions() as s:
        row = s.get(CallbackTask, task["id"])
        assert row is not None and row.number == "13900001111"
        notes = s.scalars(
            select(Message.body).where(Message.conversation_id == task["conversation_id"])
        ).all()
        assert any("139****1111" in n for n in notes)  # the agent sees the change
    bad = client.post("/api/v1/widget/callbacks", headers=me, json={"number": "12"})
    assert bad.status_code == 422
