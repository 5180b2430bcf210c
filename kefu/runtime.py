"""The process's wiring: settings, engine, session factory and event dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import kefu.bot.dialogue.reactions  # noqa: F401 — the bot answers customers' chat messages first
import kefu.channels.email.outbound  # noqa: F401 — e-mail replies queue with their message
import kefu.channels.phone_callbacks  # noqa: F401 — a callback's promise follows its assignee
import kefu.compensation.grants  # noqa: F401 — registers the approval-SLA timer
import kefu.models  # noqa: F401 — every mapper registered before the first session is used
import kefu.orders.jobs  # noqa: F401 — registers effect delivery and order-import timers
import kefu.routing.reactions  # noqa: F401 — routing reacts to messages, assignments, closes
import kefu.sla.handoffs  # noqa: F401 — registers the handoff chase timer
import kefu.sla.reactions  # noqa: F401 — accountability reacts to facts (SLA clocks, promises, escalation)
from kefu.config import Settings
from kefu.db import make_engine, make_sessionmaker
from kefu.events import DISPATCHER_KEY, Dispatcher


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    dispatcher: Dispatcher

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, engine: Engine | None = None) -> Runtime:
    engine = engine or make_engine(settings.database_url, echo=settings.sql_echo)
    dispatcher = Dispatcher()
    info = {DISPATCHER_KEY: dispatcher} if settings.dispatch_in_process else {}
    sessions = make_sessionmaker(engine, **info)
    dispatcher.sessions = sessions
    return Runtime(settings=settings, engine=engine, sessions=sessions, dispatcher=dispatcher)
