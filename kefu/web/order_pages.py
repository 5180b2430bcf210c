"""The customer's order page (HTML): what a signed order link opens, on a phone or a desktop.

The page holds no data: its module reads the order-link API with the link, so a wrong or expired
link shows the API's reason in the reader's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from kefu.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/o/{workspace_key}/{token}", response_class=HTMLResponse)
def order_page(
    request: Request,
    workspace_key: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")],
    token: Annotated[str, Path(max_length=1000, pattern=r"^[A-Za-z0-9_\-.]+$")],
) -> HTMLResponse:
    response = render(request, "order_page.html", workspace=workspace_key, token=token)
    # The link is a credential: not cached, not sent on to other sites.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
