"""The ASGI application: each domain's router, the error mapping, the web UI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from kefu import __version__, clock
from kefu.auth.api import router as auth_router
from kefu.channels.api import router as channels_router
from kefu.channels.widget_api import router as widget_router
from kefu.config import Settings, get_settings
from kefu.conversations.api import router as conversations_router
from kefu.customers.api import router as customers_router
from kefu.http import errors
from kefu.http.limits import BodySizeLimit
from kefu.orders.api import router as orders_router
from kefu.parties.api import router as parties_router
from kefu.runtime import Runtime, build
from kefu.sla.api import router as sla_router
from kefu.sla.handoffs_api import router as handoffs_router
from kefu.sla.holidays import coverage_warning
from kefu.sla.portal import router as portal_router
from kefu.tickets.api import router as tickets_router
from kefu.web.pages import router as web_router
from kefu.worker import WorkerThread

log = logging.getLogger(__name__)

ROUTERS = (
    auth_router,
    customers_router,
    channels_router,
    conversations_router,
    tickets_router,
    parties_router,
    orders_router,
    widget_router,
    sla_router,
    handoffs_router,
)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or (runtime.settings if runtime else get_settings())
    rt = runtime or build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.dispatch_in_process:
            # Events committed before a crash but never dispatched go out now.
            rt.dispatcher.dispatch_pending()
        warning = coverage_warning(clock.now().date())
        if warning is not None:  # the service starts; admins see it in /api/v1/sla/calendar-status
            log.warning("holiday data: %s", warning.en)
        worker = WorkerThread(rt) if settings.worker_in_process else None
        if worker is not None:
            worker.start()  # timers that fell due while we were down fire on its first pass
        yield
        if worker is not None:
            worker.stop()
        if runtime is None:
            rt.close()

    app = FastAPI(
        title="kefu 客服",
        version=__version__,
        description="Customer service for online shops: one inbox, tickets that never go silent.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runtime = rt
    app.state.sessions = rt.sessions
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(web_router)
    app.include_router(portal_router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        with rt.sessions() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
