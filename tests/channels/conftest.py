"""Real parts for channel tests: an aiosmtpd server in-process on a free port, and a second one
standing in for the outbound relay that captures what kefu sends."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kefu.channels import service as channels
from kefu.channels.email.smtp import MailServer
from kefu.channels.models import Channel, ChannelKind
from kefu.runtime import Runtime
from tests.factories import World

SUPPORT = "support@acme.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Captured:
    mails: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@dataclass
class Relay:
    host: str
    port: int
    captured: Captured


@pytest.fixture
def relay() -> Iterator[Relay]:
    captured = Captured()
    port = free_port()
    controller = Controller(captured, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Relay("127.0.0.1", port, captured)
    finally:
        controller.stop()


@pytest.fixture
def email_channel(runtime: Runtime, world: World, relay: Relay) -> Channel:
    with runtime.sessions() as s:
        channel = channels.create(
            s,
            actor=world.system,
            kind=ChannelKind.email,
            name="邮件客服",
            config={
                "address": SUPPORT,
                "name": "Acme 客服",
                "smtp_relay": {"host": relay.host, "port": relay.port},
            },
        )
        s.commit()
    return channel


@pytest.fixture
def smtp_server(runtime: Runtime, tmp_path: Any, email_channel: Channel) -> Iterator[MailServer]:
    settings = runtime.settings.model_copy(update={"data_dir": str(tmp_path / "data")})
    server = MailServer(runtime.sessions, settings, host="127.0.0.1", port=free_port()).start()
    try:
        yield server
    finally:
        server.stop()


WEBHOOK_SECRET = "group-hook-secret"  # noqa: S105 — a test fixture's secret


@dataclass
class Doors:
    phone: Channel
    web_form: Channel
    api: Channel
    community: Channel


@pytest.fixture
def doors(runtime: Runtime, world: World) -> Doors:
    """The phone, form, API and community channels of workspace acme."""
    with runtime.sessions() as s:
        made = {
            kind: channels.create(s, actor=world.system, kind=kind, name=name, config=config)
            for kind, name, config in (
                (ChannelKind.phone, "热线", {}),
                (ChannelKind.web_form, "网页表单", {}),
                (ChannelKind.api, "开放接口", {}),
                (ChannelKind.community, "会员群", {"webhook_secret": WEBHOOK_SECRET}),
            )
        }
        s.commit()
    return Doors(
        made[ChannelKind.phone],
        made[ChannelKind.web_form],
        made[ChannelKind.api],
        made[ChannelKind.community],
    )


def customer_headers(world: World, member_id: str = "M1001", **claims: Any) -> dict[str, str]:
    from kefu import clock
    from kefu.auth.secrets import sign_widget_token

    token = sign_widget_token(
        world.workspace.widget_secret,
        {
            "ws": world.workspace.key,
            "sub": member_id,
            "exp": int(clock.now().timestamp()) + 600,
            **claims,
        },
    )
    return {"X-Kefu-Workspace": world.workspace.key, "X-Kefu-Customer-Token": token}
