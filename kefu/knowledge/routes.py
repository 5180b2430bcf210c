"""Everything the knowledge base adds to the app: the JSON API and the management page."""

from fastapi import APIRouter

from kefu.knowledge import api, pages

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
