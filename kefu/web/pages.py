"""Server-rendered pages: staff login and the start page (the workbench grows from here)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kefu.http.errors import language

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

TEXT = {
    "zh": {
        "title": "kefu 客服",
        "login": "登录",
        "workspace": "工作区",
        "email": "邮箱",
        "password": "密码",
        "welcome": "欢迎",
        "logout": "退出登录",
        "api_docs": "API 文档",
        "open_tickets": "未结工单",
        "login_failed": "登录失败",
    },
    "en": {
        "title": "kefu customer service",
        "login": "Sign in",
        "workspace": "Workspace",
        "email": "Email",
        "password": "Password",
        "welcome": "Welcome",
        "logout": "Sign out",
        "api_docs": "API docs",
        "open_tickets": "Open tickets",
        "login_failed": "Sign-in failed",
    },
}


def _page(request: Request, name: str) -> HTMLResponse:
    lang = request.query_params.get("lang") or language(request)
    lang = "en" if lang == "en" else "zh"
    return templates.TemplateResponse(
        request, name, {"t": TEXT[lang], "lang": "en" if lang == "en" else "zh-CN"}
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _page(request, "login.html")


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    return _page(request, "home.html")
