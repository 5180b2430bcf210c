"""Cross-origin access for the widget's API, and only for it.

The widget runs on the shop's pages (another origin) and calls `/api/v1/widget/…` with the
shop-signed customer token in a header. Any origin may call it: the token is the credential, and
no cookie ever is, so a page that has no token gets nothing. The staff API answers no other origin.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

WIDGET_PREFIX = "/api/v1/widget/"
WIDGET_HEADERS = [
    "X-Kefu-Workspace",
    "X-Kefu-Customer-Token",
    "X-Kefu-Subject",
    "Accept-Language",
    "Content-Type",
]


class WidgetCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST"],
            allow_headers=WIDGET_HEADERS,
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(WIDGET_PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
