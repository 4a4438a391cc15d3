"""Metrics pages: the KPI dashboard with its exports, and the targets."""

from fastapi import APIRouter

from kontrol.web.pages.metrics import dashboard, targets

router = APIRouter(include_in_schema=False)
router.include_router(dashboard.router)
router.include_router(targets.router)
