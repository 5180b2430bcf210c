"""The ASGI application: each domain's router, the error mapping, the web UI."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from kefu import __version__, clock
from kefu.auth.api import router as auth_router
from kefu.bot.campaigns.api import router as campaigns_router
from kefu.bot.nlu.encoder import configured_encoder
from kefu.channels.api import router as channels_router
from kefu.channels.attachments_api import router as attachments_router
from kefu.channels.community_api import router as community_router
from kefu.channels.email.api import router as email_router
from kefu.channels.email.smtp import start_if_configured as start_mail_server
from kefu.channels.forms_api import router as forms_router
from kefu.channels.forms_api import widget_router as widget_forms_router
from kefu.channels.phone_api import router as phone_router
from kefu.channels.phone_api import widget_router as widget_phone_router
from kefu.channels.widget_api import router as widget_router
from kefu.compensation.api import router as compensation_router
from kefu.config import Settings, get_settings
from kefu.conversations.api import router as conversations_router
from kefu.customers.api import router as customers_router
from kefu.customers.resolution_api import router as merge_suggestions_router
from kefu.http import errors
from kefu.http.cors import WidgetCors
from kefu.http.limits import BodySizeLimit
from kefu.knowledge.drafting_api import router as drafting_router
from kefu.knowledge.routes import router as knowledge_router
from kefu.orders.api import router as orders_router
from kefu.orders.api import staff_actions as order_actions_router
from kefu.orders.shop_api import router as shop_router
from kefu.orders.widget_api import customer_actions as widget_order_actions_router
from kefu.orders.widget_api import router as widget_orders_router
from kefu.parties.api import router as parties_router
from kefu.realtime import api as realtime
from kefu.routing.api import router as routing_router
from kefu.routing.api import widget_router as routing_widget_router
from kefu.runtime import Runtime, build
from kefu.sla.api import router as sla_router
from kefu.sla.handoffs_api import router as handoffs_router
from kefu.sla.holidays import coverage_warning
from kefu.sla.portal import router as portal_router
from kefu.tickets.api import router as tickets_router
from kefu.web import routes as web
from kefu.workbench.api import router as workbench_router
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
    order_actions_router,
    shop_router,
    widget_orders_router,
    widget_order_actions_router,
    compensation_router,
    widget_router,
    email_router,
    phone_router,
    widget_phone_router,
    forms_router,
    widget_forms_router,
    community_router,
    merge_suggestions_router,
    attachments_router,
    sla_router,
    handoffs_router,
    routing_router,
    routing_widget_router,
    workbench_router,
    knowledge_router,
    drafting_router,
    campaigns_router,
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
        mail_server = start_mail_server(rt.sessions, settings, role="serve")  # KEFU_SMTP_PORT
        if settings.nlu_encoder:
            # Loaded (on a first run: built, seconds) now, not on a customer's first message; a
            # wrong setting is logged here, at start.
            await asyncio.to_thread(configured_encoder, settings.nlu_encoder)
        yield
        if mail_server is not None:
            mail_server.stop()
        await app.state.hub.stop()
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
    realtime.install(app, rt)  # the WebSocket routes, their hub and the widget's flood limits
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)
    app.include_router(portal_router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        with rt.sessions() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    uploads = settings.attachment_max_bytes + 64 * 1024  # the file and its multipart envelope
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        larger={"/api/v1/attachments": uploads, "/api/v1/widget/attachments": uploads},
    )
    app.add_middleware(WidgetCors)  # the widget on the shop's pages calls from another origin
    return app
