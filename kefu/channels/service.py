"""Channels: the doors customers come in through."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.bot.dialogue.state import check_config
from kefu.channels.models import Channel, ChannelKind
from kefu.errors import Conflict
from kefu.tenancy import get_scoped, scoped

CHANNEL = ("渠道", "channel")


def create(
    session: Session,
    *,
    actor: Actor,
    kind: ChannelKind,
    name: str,
    config: dict[str, Any] | None = None,
) -> Channel:
    require(actor, Perm.manage_workspace)
    check_config(kind, config or {})
    if session.scalars(scoped(Channel, actor).where(Channel.name == name)).first():
        raise Conflict("channel.exists", zh=f"渠道 {name} 已存在", en=f"channel {name} exists")
    channel = Channel(workspace_id=actor.workspace_id, kind=kind, name=name, config=config or {})
    session.add(channel)
    session.flush()
    return channel


def get(session: Session, *, actor: Actor, channel_id: int) -> Channel:
    require(actor, Perm.read)
    return get_scoped(session, Channel, channel_id, actor, what=CHANNEL)


def list_(session: Session, *, actor: Actor) -> list[Channel]:
    require(actor, Perm.read)
    return list(session.scalars(scoped(Channel, actor).order_by(Channel.id)))


def update_(session: Session, *, actor: Actor, channel_id: int, changes: dict[str, Any]) -> Channel:
    require(actor, Perm.manage_workspace)
    channel = get_scoped(session, Channel, channel_id, actor, what=CHANNEL, for_update=True)
    if changes.get("config") is not None:
        check_config(channel.kind, changes["config"])
    for field in ("name", "active", "config"):
        if changes.get(field) is not None:
            setattr(channel, field, changes[field])
    session.flush()
    return channel
