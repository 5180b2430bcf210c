"""Everything the web UI adds to the app: page routes, static files, front-end libraries."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from kefu.web import order_pages, pages, staff_pages, widget_pages

STATIC_DIR = Path(__file__).parent / "static"
# `make install` runs `npm ci` in the checkout; the app serves the few dist files it needs.
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR = {"htmx.min.js": "htmx.org/dist/htmx.min.js"}

vendor_router = APIRouter(include_in_schema=False)


@vendor_router.get("/static/vendor/{name}")
def vendor_file(name: str) -> Response:
    """A pinned front-end library from node_modules (package.json), or a 404 that says why."""
    relative = VENDOR.get(name)
    if relative is None or not (NODE_MODULES / relative).is_file():
        return PlainTextResponse(
            f"{name}: not installed (run `make install`, which runs `npm ci`)", status_code=404
        )
    return FileResponse(
        NODE_MODULES / relative,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def install(app: FastAPI) -> None:
    """Mount the pages and assets; the vendor route comes before the /static mount it sits in."""
    app.include_router(pages.router)
    app.include_router(staff_pages.router)
    app.include_router(widget_pages.router)
    app.include_router(order_pages.router)
    app.include_router(vendor_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
