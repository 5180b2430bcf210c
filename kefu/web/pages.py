"""Server-rendered pages: the shared renderer, staff login and the start page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kefu.web import i18n

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
ONE_YEAR = 365 * 24 * 3600
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


def csp(request: Request) -> str:
    """No inline or foreign script on staff pages: message text can never run there."""
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):  # never let a header write policy text
        host = "localhost"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; connect-src 'self' ws://{host} wss://{host}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def render(request: Request, name: str, *, strict: bool = True, **context: Any) -> HTMLResponse:
    """Render a template in the caller's language; `_` is gettext, `strings` the whole catalog
    (what the page's JavaScript reads). `strict` adds the no-inline-script policy."""
    locale = i18n.negotiate(request)
    tr = i18n.translations(locale)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "_": tr.gettext,
            "locale": locale,
            "lang": i18n.html_lang(locale),
            "strings": i18n.catalog(locale),
            "t": {"title": tr.gettext("kefu customer service")},
            **context,
        },
    )
    if i18n.normalise(request.query_params.get("lang")):
        # An explicit choice sticks for the next pages.
        response.set_cookie(i18n.COOKIE, locale, max_age=ONE_YEAR, samesite="lax")
    if strict:
        response.headers["Content-Security-Policy"] = csp(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html")


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request) -> HTMLResponse:
    return render(request, "home.html")
