"""The customer side: the widget's strings and a demo shop page that embeds the widget."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from kefu.demo.data import WORKSPACE_KEY
from kefu.web import i18n
from kefu.web.pages import render

router = APIRouter(include_in_schema=False)

# The widget's own strings (it runs on the shop's page, which has no catalog of ours).
WIDGET_MSGIDS = (
    "Customer service",
    "Chat with us",
    "Close",
    "Type a message…",
    "Send",
    "Attach an image",
    "Sending…",
    "Not sent — will retry",
    "Reconnecting…",
    "Connected",
    "Agent is typing…",
    "You are number {position} in the queue, about {minutes} min.",
    "No agent is online now. Ticket #{number} is open; we will reply by {due}.",
    "Leave a message",
    "Call me back",
    "Your phone number",
    "Request callback",
    "We will call you back.",
    "Write your message; we will reply by ticket.",
    "An agent joined the chat.",
    "The chat was closed.",
    "Image",
    "Upload failed",
    "You",
    "My orders",
    "No orders yet.",
)


@router.get("/widget/strings.json")
def widget_strings(
    lang: Annotated[str | None, Query(max_length=16)] = None,
) -> JSONResponse:
    """The widget's texts in `lang` (zh-CN unless English is asked for)."""
    locale = i18n.normalise(lang) or i18n.DEFAULT
    tr = i18n.translations(locale)
    body = {"lang": i18n.html_lang(locale), "strings": {m: tr.gettext(m) for m in WIDGET_MSGIDS}}
    return JSONResponse(
        body,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"},
    )


@router.get("/demo/shop", response_class=HTMLResponse)
def demo_shop(
    request: Request,
    workspace: Annotated[str, Query(max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")] = (
        WORKSPACE_KEY
    ),
    token: Annotated[str | None, Query(max_length=4096, pattern=r"^[A-Za-z0-9_\-.]+$")] = None,
) -> HTMLResponse:
    """A shop page with the one-line embed: anonymous visitor, or `?token=` a shop-signed one."""
    return render(request, "demo_shop.html", workspace=workspace, token=token or "")
