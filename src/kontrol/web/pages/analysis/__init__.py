"""Analysis pages: contact reasons and complaint types, bottlenecks, quality beside
the business, and the reason taxonomy."""

from fastapi import APIRouter

from kontrol.web.pages.analysis import views

router = APIRouter(include_in_schema=False)
router.include_router(views.router)
