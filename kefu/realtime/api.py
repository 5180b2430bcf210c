"""Wires realtime into the app: the hub, the flood limits and the socket routes."""

from __future__ import annotations

from fastapi import FastAPI

from kefu.realtime import flood, sockets
from kefu.realtime.hub import Hub
from kefu.realtime.hub import channel_name as hub_channel
from kefu.realtime.limits import Limits
from kefu.runtime import Runtime


def install(app: FastAPI, runtime: Runtime) -> Hub:
    settings = runtime.settings
    limits = Limits(
        chat_rate=settings.chat_rate_per_s,
        chat_burst=settings.chat_burst,
        ip_rate=settings.ip_rate_per_s,
        ip_burst=settings.ip_burst,
        redis_url=settings.redis_url,
        # Per database, like the hub's channel: deployments sharing a Redis keep their own counts.
        namespace=hub_channel(settings.database_url).replace("realtime", "rl"),
    )
    hub = Hub(runtime)
    hub.on_stop = limits.close
    app.state.hub = hub
    app.state.limits = limits
    app.include_router(sockets.router)
    app.add_middleware(flood.WidgetFloodLimit, limits=limits)
    flood.document_429(app)
    return hub
