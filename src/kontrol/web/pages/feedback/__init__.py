"""Feedback pages: evaluations, disputes, corrective tasks, coaching (JSON: web/api/feedback.py)."""

from fastapi import APIRouter

from kontrol.web.pages.feedback import coaching, disputes, evaluations, tasks

router = APIRouter(include_in_schema=False)
router.include_router(evaluations.router)
router.include_router(disputes.router)
router.include_router(tasks.router)
router.include_router(coaching.router)
