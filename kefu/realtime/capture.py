"""What a transaction wrote, kept for the event subscribers that run right after its commit.

Subscribers get the `Event` only (a message id and an excerpt). Reading the message back would
cost a query per message, and on SQLite it would wait for the write lock the dispatcher is still
holding in the same thread. So the session remembers the messages it inserted (as
`conversations.post` hands them over, or at flush) and the attachment links it made, as JSON; at
commit that goes to a thread-local the subscriber reads.
A rollback drops it with the session's transaction.
"""

from __future__ import annotations

import threading
from itertools import chain
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session, SessionTransaction

from kefu.channels.attachments_models import Attachment
from kefu.conversations.models import Conversation, Message

STASH_KEY = "kefu.realtime.stash"
_MESSAGE_FIELDS = (
    "id",
    "conversation_id",
    "direction",
    "author_kind",
    "author_staff_id",
    "body",
    "client_msg_id",
    "actions",
    "created_at",
)
_CONVERSATION_FIELDS = ("assignee_id", "customer_id", "status")
_CONVERSATION_MAPPER = inspect(Conversation)
_local = threading.local()


def message_json(fields: dict[str, Any], attachment_ids: list[int]) -> dict[str, Any]:
    """The `{message}` of docs/realtime.md: MessageRead's fields plus `attachment_ids`."""
    out = {name: fields[name] for name in _MESSAGE_FIELDS}
    for name in ("direction", "author_kind"):
        out[name] = getattr(out[name], "value", out[name])
    out["created_at"] = out["created_at"].isoformat().replace("+00:00", "Z")
    out["attachment_ids"] = sorted(attachment_ids)
    return out


def committed(message_id: int) -> dict[str, Any] | None:
    """What the transaction that just committed in this thread wrote about this message."""
    stash = getattr(_local, "stash", None)
    return stash["messages"].get(message_id) if stash else None


def conversation_meta(conversation_id: int) -> dict[str, Any] | None:
    stash = getattr(_local, "stash", None)
    return stash["conversations"].get(conversation_id) if stash else None


def _stash(session: Session) -> dict[str, Any]:
    stash = session.info.get(STASH_KEY)
    if stash is None:
        stash = session.info[STASH_KEY] = {"messages": {}, "conversations": {}}
    return stash


def _remember_message(session: Session, msg: Message) -> dict[str, Any] | None:
    # Only loaded attributes are read (never a lazy load inside a flush).
    data = msg.__dict__
    if not all(name in data for name in _MESSAGE_FIELDS):
        return None
    stash = _stash(session)
    entry: dict[str, Any] = {"fields": {n: data[n] for n in _MESSAGE_FIELDS}, "attachments": []}
    conv = session.identity_map.get(
        _CONVERSATION_MAPPER.identity_key_from_primary_key((data["conversation_id"],))
    )
    if conv is not None:
        entry["conversation"] = _meta(conv)
    stash["messages"][data["id"]] = entry
    return stash


@sa_event.listens_for(Session, "detached_to_persistent")
def _written(session: Session, obj: object) -> None:
    # `conversations.post` inserts a message in Core and hands the session the written instance.
    if isinstance(obj, Message):
        _remember_message(session, obj)


@sa_event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    # The new/dirty lists still show the flushed objects here.
    stash: dict[str, Any] | None = None
    for obj in chain(session.new, session.dirty):
        if isinstance(obj, Message) and obj in session.new:
            stash = _remember_message(session, obj) or stash
        elif isinstance(obj, Attachment) and obj.__dict__.get("message_id") is not None:
            stash = stash or _stash(session)
            msg = stash["messages"].get(obj.__dict__["message_id"])
            if msg is not None and obj.id not in msg["attachments"]:
                msg["attachments"].append(obj.id)
        elif isinstance(obj, Conversation):
            meta = _meta(obj)
            if meta is not None:
                stash = stash or _stash(session)
                stash["conversations"][obj.id] = meta


def _meta(conv: Conversation) -> dict[str, Any] | None:
    data = conv.__dict__
    if not all(name in data for name in _CONVERSATION_FIELDS):
        return None
    return {
        "assignee_id": data["assignee_id"],
        "customer_id": data["customer_id"],
        "status": getattr(data["status"], "value", data["status"]),
    }


# Inserted first, so it runs before kefu.events dispatches in its own after_commit listener.
@sa_event.listens_for(Session, "after_commit", insert=True)
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    stash = session.info.pop(STASH_KEY, None)
    if stash:
        _local.stash = stash
        _local.owner = id(session)


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(STASH_KEY, None)
        if getattr(_local, "owner", None) == id(session):
            _local.stash = None
            _local.owner = None
