"""The handoff portal: an external party answers a question on a scoped, expiring link.

No staff account: the token in the path is the credential. The page shows the question, the
ticket number and the due time (on the workspace's clock) — nothing about the customer — and a form. A wrong,
expired, withdrawn or already answered link gets a page that says so (404/410/409), never a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kefu import clock
from kefu.errors import DomainError, Invalid
from kefu.http.deps import get_session
from kefu.http.errors import language
from kefu.sla import handoffs, outreach
from kefu.web.pages import templates

router = APIRouter(include_in_schema=False)

# The link is the credential: keep it out of Referer headers, caches, search engines and frames.
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
}

TEXT = {
    "zh": {
        "title": "协作请求 · kefu",
        "heading": "协作请求",
        "ticket": "工单号",
        "due": "请在此时间前答复：",
        "tz": "（北京时间）",
        "overdue": "已超时，请尽快答复",
        "question": "问题",
        "answer": "您的答复",
        "name": "您的姓名（选填）",
        "submit": "提交答复",
        "thanks": "已收到您的答复，谢谢！我们的客服会据此跟进。",
        "error_heading": "无法打开这个协作请求",
    },
    "en": {
        "title": "Request for information · kefu",
        "heading": "Request for information",
        "ticket": "Ticket",
        "due": "Please answer by:",
        "tz": "(China time)",
        "overdue": "overdue — please answer as soon as you can",
        "question": "Question",
        "answer": "Your answer",
        "name": "Your name (optional)",
        "submit": "Send answer",
        "thanks": "Thank you, your answer has been received. Our service team will follow up.",
        "error_heading": "This request cannot be opened",
    },
}

DbSession = Annotated[Session, Depends(get_session)]


@router.get("/portal/handoffs/{token}", response_class=HTMLResponse)
def portal_page(token: str, request: Request, session: DbSession) -> HTMLResponse:
    lang = _lang(request)
    try:
        view = handoffs.portal_view(session, token=token)
    except DomainError as exc:
        return _error(request, lang, exc)
    return _render(request, lang, "form", view=view)


@router.post("/portal/handoffs/{token}", response_class=HTMLResponse)
def portal_answer(
    token: str,
    request: Request,
    session: DbSession,
    answer: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> HTMLResponse:
    lang = _lang(request)
    try:
        handoffs.answer_by_token(session, token=token, answer=answer, name=name)
        session.commit()
    except Invalid as exc:  # the link is fine, the form is not: show it again with the message
        session.rollback()
        try:
            view = handoffs.portal_view(session, token=token)
        except DomainError as gone:
            return _error(request, lang, gone)
        typed = {"answer": answer.replace("\x00", ""), "name": name.replace("\x00", "")}
        return _render(
            request, lang, "form", status=422, view=view, error=exc.message(lang), **typed
        )
    except DomainError as exc:
        session.rollback()
        return _error(request, lang, exc)
    return _render(request, lang, "thanks")


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or language(request)
    return "en" if lang == "en" else "zh"


def _error(request: Request, lang: str, exc: DomainError) -> HTMLResponse:
    return _render(request, lang, "error", status=exc.status, error=exc.message(lang))


def _render(
    request: Request, lang: str, state: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    view = context.get("view")
    text = TEXT[lang]
    if view is not None:
        zone = ZoneInfo(view.timezone)
        context["due"] = _local(view.due_at, zone, lang)
        context["overdue"] = view.due_at < clock.now()
        text = {**text, "tz": _zone_note(zone, lang)}
    return templates.TemplateResponse(
        request,
        "portal_handoff.html",
        {
            "t": text,
            "lang": "en" if lang == "en" else "zh-CN",
            "form_lang": lang,
            "state": state,
            "answer": "",
            "name": "",
            "error": "",
            **context,
        },
        status_code=status,
        headers=HEADERS,
    )


def _zone_note(zone: ZoneInfo, lang: str) -> str:
    label = outreach.zone_label(zone, lang)
    return f"({label})" if lang == "en" else f"（{label}）"


def _local(instant: datetime, zone: ZoneInfo, lang: str) -> str:
    local = instant.astimezone(zone)
    if lang == "en":
        return f"{local:%d %b %Y, %H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
