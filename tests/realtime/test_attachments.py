"""Attachments: judged by their bytes, limited in size, stored under random names, downloaded inert."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest

from kefu.auth.models import Role
from kefu.channels.attachments import sniff
from kefu.conversations import service as conversations
from tests.realtime.conftest import customer_hello, expect, shop_token

WIDGET = "/api/v1/widget/ws"


def png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"GIF87a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (PDF, None),
        (HTML, None),
        (b"", None),
        (b"\x89PNG", None),
    ],
)
def test_sniffing_reads_the_magic_number(head, kind):
    assert sniff(head[:16]) == kind


def widget_headers(world, member="M1", lang="zh-CN"):
    return {
        "X-Kefu-Workspace": world.workspace.key,
        "X-Kefu-Customer-Token": shop_token(world, member),
        "Accept-Language": lang,
    }


def upload(client, url, headers, data, name="photo.png", ctype="image/png"):
    return client.post(url, headers=headers, files={"file": (name, io.BytesIO(data), ctype)})


def test_upload_send_and_download(client, shop, rt):
    me = widget_headers(shop)
    up = upload(client, "/api/v1/widget/attachments", me, png(), name="../../etc/passwd.png")
    assert up.status_code == 201, up.text
    att = up.json()
    assert att["content_type"] == "image/png" and att["size_bytes"] == len(png())
    assert att["filename"] == "passwd.png" and att["message_id"] is None
    # Stored under a random name inside the data dir, nothing of the upload's name in the path.
    stored = list(Path(rt.settings.data_dir).rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 1 and "passwd" not in str(files[0]) and files[0].read_bytes() == png()

    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        cust.send_json(
            {
                "type": "message",
                "client_msg_id": "img-1",
                "body": "[图片]",
                "attachment_ids": [att["id"]],
            }
        )
        msg = expect(cust, "ack")["message"]
        assert msg["attachment_ids"] == [att["id"]]
        # An attachment goes with one message only.
        cust.send_json(
            {
                "type": "message",
                "client_msg_id": "img-2",
                "body": "再发一次",
                "attachment_ids": [att["id"]],
            }
        )
        assert expect(cust, "error")["code"] == "attachment.used"

    for url, headers in (
        (f"/api/v1/attachments/{att['id']}", shop.headers(Role.agent)),
        (f"/api/v1/widget/attachments/{att['id']}", me),
    ):
        got = client.get(url, headers=headers)
        assert got.status_code == 200, got.text
        assert got.content == png()
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"].startswith("attachment")
        assert got.headers["x-content-type-options"] == "nosniff"
    # Another customer of the same shop cannot fetch it.
    other = client.get(
        f"/api/v1/widget/attachments/{att['id']}", headers=widget_headers(shop, "M2")
    )
    assert other.status_code == 404


def test_mislabelled_and_oversized_uploads_are_refused(client, shop, rt):
    me = widget_headers(shop, lang="en")
    fake = upload(client, "/api/v1/widget/attachments", me, PDF, name="invoice.png")
    assert fake.status_code == 415
    assert fake.json()["code"] == "attachment.unsupported_type"
    assert "PNG" in fake.json()["detail"]
    html = upload(
        client, "/api/v1/attachments", shop.headers(Role.agent), HTML, "a.gif", "image/gif"
    )
    assert html.status_code == 415
    empty = upload(client, "/api/v1/widget/attachments", me, b"")
    assert empty.status_code == 415
    limit = rt.settings.attachment_max_bytes
    big = png() + b"\x00" * (limit - len(png()) + 1)
    too_big = upload(client, "/api/v1/widget/attachments", me, big)
    assert too_big.status_code == 413 and too_big.json()["code"] == "attachment.too_large"
    just_fits = upload(client, "/api/v1/widget/attachments", me, big[:limit])
    assert just_fits.status_code == 201
    # Far beyond the limit the body is refused before it is read at all.
    huge = upload(client, "/api/v1/widget/attachments", me, big * 2)
    assert huge.status_code == 413
    # An analyst reads but does not send: no uploads.
    denied = upload(client, "/api/v1/attachments", shop.headers(Role.analyst), png())
    assert denied.status_code == 403


def test_a_visitor_uploads_with_the_visitor_token(client, shop):
    with client.websocket_connect(WIDGET) as cust:
        welcome = customer_hello(cust, shop)
    headers = {"X-Kefu-Workspace": shop.workspace.key, "X-Kefu-Visitor": welcome["visitor"]}
    up = upload(client, "/api/v1/widget/attachments", headers, png())
    assert up.status_code == 201, up.text
    bad = dict(headers, **{"X-Kefu-Visitor": welcome["visitor"][:-3] + "AAA"})
    assert upload(client, "/api/v1/widget/attachments", bad, png()).status_code == 401


def test_agent_images_reach_the_customer_but_not_those_on_notes(client, shop, rt):
    agent = shop.actor(Role.agent)
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        cust.send_json({"type": "message", "client_msg_id": "q-1", "body": "发张图看看"})
        conv_id = expect(cust, "ack")["message"]["conversation_id"]
    with rt.sessions() as s:
        conversations.assign(s, actor=agent, conversation_id=conv_id, assignee_id=agent.id)
        s.commit()
    staff = shop.headers(Role.agent)
    shown = upload(client, "/api/v1/attachments", staff, png(2, 2)).json()["id"]
    hidden = upload(client, "/api/v1/attachments", staff, png(3, 3)).json()["id"]
    with client.websocket_connect("/api/v1/ws") as ag:
        ag.send_json({"type": "hello", "token": shop.tokens[Role.agent]})
        expect(ag, "welcome")
        for cmid, body, att, internal in (
            ("img-a", "[图片]", shown, False),
            ("img-n", "内部：仓库照片", hidden, True),
        ):
            ag.send_json(
                {
                    "type": "message",
                    "conversation_id": conv_id,
                    "client_msg_id": cmid,
                    "body": body,
                    "attachment_ids": [att],
                    "internal": internal,
                }
            )
            assert expect(ag, "ack")["message"]["attachment_ids"] == [att]
    me = widget_headers(shop)
    assert client.get(f"/api/v1/widget/attachments/{shown}", headers=me).status_code == 200
    assert client.get(f"/api/v1/widget/attachments/{hidden}", headers=me).status_code == 404
