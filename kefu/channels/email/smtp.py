"""The inbound SMTP server (aiosmtpd), run by `kefu serve` or `kefu worker` on KEFU_SMTP_PORT.

Recipients are checked at RCPT time (an address no e-mail channel receives at is a 550), the mail
is stored per channel once DATA ends, and the answer tells the sending server the truth: 250 when
stored (or stored inert), 451 on a passing failure so it retries — the Message-ID makes the retry
harmless — and never an exception that would take the server down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kefu.channels.email import service
from kefu.config import Settings

log = logging.getLogger(__name__)


class InboundHandler:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    def _known(self, address: str) -> bool:
        with self.sessions() as session:
            return bool(service.channels_for(session, address))

    async def handle_RCPT(  # noqa: N802 — aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            known = await asyncio.get_running_loop().run_in_executor(None, self._known, address)
        except Exception:
            log.exception("recipient check failed for %r", address)
            return "451 4.3.0 temporary failure, try again later"
        if not known:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _store(self, raw: bytes, rcpts: list[str], mail_from: str) -> None:
        for address in dict.fromkeys(r.lower() for r in rcpts):
            with self.sessions() as session:
                for channel in service.channels_for(session, address):
                    try:
                        with session.begin_nested():
                            service.ingest(
                                session,
                                channel=channel,
                                raw=raw,
                                data_dir=self.settings.data_dir,
                                max_attachment_bytes=self.settings.email_max_attachment_bytes,
                                image_max_bytes=self.settings.attachment_max_bytes,
                                envelope_from=mail_from,
                            )
                    except IntegrityError:
                        raise  # the same mail stored by a parallel delivery: 451, the retry dedupes
                    except Exception as exc:
                        # A mail that breaks the pipeline is kept inert rather than retried by
                        # the sender forever; if even that fails (database down), DATA says 451.
                        log.exception("mail on channel %s could not be stored", channel.id)
                        with session.begin_nested():
                            service.quarantine(
                                session,
                                channel,
                                raw,
                                self.settings.data_dir,
                                f"could not be stored: {type(exc).__name__}",
                            )
                session.commit()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="replace")
        mail_from = envelope.mail_from or "<>"
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self._store, raw, list(envelope.rcpt_tos), mail_from
            )
        except Exception:
            log.exception("storing inbound mail failed")
            return "451 4.3.0 temporary failure, try again later"
        return "250 OK stored"


class MailServer:
    """An aiosmtpd server in a thread of its own; `start()` returns once it accepts connections."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, *, host: str, port: int
    ) -> None:
        self.host, self.port = host, port
        self.controller = Controller(
            InboundHandler(sessions, settings),
            hostname=host,
            port=port,
            data_size_limit=settings.smtp_max_bytes,
            ident="kefu",
        )

    def start(self) -> MailServer:
        self.controller.start()
        log.info("SMTP server listening on %s:%s", self.host, self.port)
        return self

    def stop(self) -> None:
        self.controller.stop()


def start_if_configured(
    sessions: sessionmaker[Session], settings: Settings, *, role: str
) -> MailServer | None:
    """Start the SMTP server in this process if KEFU_SMTP_PORT is set and KEFU_SMTP_IN names it."""
    if settings.smtp_port is None or settings.smtp_in != role:
        return None
    return MailServer(sessions, settings, host=settings.smtp_host, port=settings.smtp_port).start()
