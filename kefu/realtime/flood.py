"""Flood limits on the widget's REST routes: per IP address, and per customer token for writes.

A refused request gets 429 with a reason in the caller's language and `Retry-After`; nothing
was stored, so the client sends it again later.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from kefu.http.errors import ErrorBody, error_body
from kefu.realtime.limits import RATE_LIMITED, Limits

PREFIX = "/api/v1/widget/"


class WidgetFloodLimit:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        client = scope.get("client")
        ok = await self.limits.ip.allow(client[0] if client else "unknown")
        token = headers.get(b"x-kefu-customer-token") or headers.get(b"x-kefu-visitor")
        if ok and token and scope["method"] == "POST":
            ok = await self.limits.customer.allow(("rest", hashlib.sha256(token).hexdigest()))
        if ok:
            await self.app(scope, receive, send)
            return
        lang = "en" if headers.get(b"accept-language", b"").lower().startswith(b"en") else "zh"
        body = json.dumps(
            error_body(RATE_LIMITED.code, RATE_LIMITED.message(lang)), ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"1"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def document_429(app: FastAPI) -> None:
    """Say in the OpenAPI document that every widget route may answer 429."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = original()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(
            "ErrorBody", ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for path, operations in spec.get("paths", {}).items():
            if not path.startswith(PREFIX):
                continue
            for op in operations.values():
                op.setdefault("responses", {}).setdefault(
                    "429",
                    {
                        "description": "too many requests from this client or IP; retry later",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorBody"}
                            }
                        },
                    },
                )
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
