"""Chat attachments: images checked by their bytes, kept on disk under random names.

The declared file name and content type are never trusted: the first bytes decide (PNG, JPEG,
GIF, WebP), and anything else is refused with 415. The file lands under
`<data_dir>/attachments/<workspace id>/<2 hex>/<32 hex>` — a name the server drew, so nothing an
uploader sends can reach a path. Downloads go out as `Content-Disposition: attachment` with
`nosniff`, so a browser never renders an upload as a page.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.channels.attachments_models import Attachment
from kefu.conversations.models import Conversation, Direction, Message
from kefu.errors import Conflict, DomainError, not_found
from kefu.tenancy import get_scoped

ATTACHMENT = ("附件", "attachment")
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class TooLarge(DomainError):
    status = 413


class UnsupportedType(DomainError):
    status = 415


def sniff(head: bytes) -> str | None:
    """The image type the bytes really are (by magic number), or None."""
    for magic, content_type, _ext in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def too_large(limit: int) -> TooLarge:
    mb = limit / (1024 * 1024)
    return TooLarge(
        "attachment.too_large",
        zh=f"文件过大，最大 {mb:g} MB",
        en=f"file too large (at most {mb:g} MB)",
    )


UNSUPPORTED = UnsupportedType(
    "attachment.unsupported_type",
    zh="只支持 PNG、JPEG、GIF、WebP 图片（按文件内容判断，而非扩展名）",
    en="only PNG, JPEG, GIF and WebP images are accepted (judged by the content, not the name)",
)
EMPTY = UnsupportedType("attachment.empty", zh="文件为空", en="the file is empty")


def _root(data_dir: str) -> Path:
    return Path(data_dir).resolve() / "attachments"


def path_of(data_dir: str, att: Attachment) -> Path:
    key = att.storage_key
    return _root(data_dir) / str(att.workspace_id) / key[:2] / key


def store(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    data_dir: str,
    max_bytes: int,
) -> Attachment:
    """Check and keep an upload; the row is added to the session (the caller commits)."""
    if actor.kind != "customer":
        require(actor, Perm.converse)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise EMPTY
    content_type = sniff(data[:16])
    if content_type is None:
        raise UNSUPPORTED
    key = secrets.token_hex(16)
    att = Attachment(
        workspace_id=actor.workspace_id,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        filename=_display_name(filename),
        uploader_customer_id=actor.id if actor.kind == "customer" else None,
        uploader_staff_id=actor.id if actor.kind == "staff" else None,
    )
    session.add(att)
    session.flush()
    target = path_of(data_dir, att)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a reader never sees half a file, a crash leaves no partial one.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return att


def _display_name(name: str) -> str:
    # Only for people to read (escaped where shown): no path, no control characters.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255]


def get(session: Session, *, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment the actor may download: staff of the workspace; a customer's own uploads
    and those on their conversations' messages (never on internal notes)."""
    if actor.kind == "staff":
        require(actor, Perm.read)
    att = get_scoped(session, Attachment, attachment_id, actor, what=ATTACHMENT)
    if actor.kind == "customer" and att.uploader_customer_id != actor.id:
        visible = att.message_id is not None and session.scalar(
            select(Message.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.id == att.message_id,
                Message.direction != Direction.internal,
                Conversation.customer_id == actor.id,
            )
        )
        if not visible:
            raise not_found(*ATTACHMENT)
    return att


def link(session: Session, *, actor: Actor, message: Message, attachment_ids: list[int]) -> None:
    """Attach the actor's own, not yet used uploads to a message just stored."""
    for att_id in dict.fromkeys(attachment_ids):
        att = get_scoped(session, Attachment, att_id, actor, what=ATTACHMENT, for_update=True)
        mine = (
            att.uploader_customer_id == actor.id
            if actor.kind == "customer"
            else att.uploader_staff_id == actor.id
        )
        if not mine:
            raise not_found(*ATTACHMENT)
        if att.message_id is not None:
            raise Conflict(
                "attachment.used",
                zh="该附件已随另一条消息发送",
                en="this attachment was already sent with another message",
            )
        att.message_id = message.id
    session.flush()
