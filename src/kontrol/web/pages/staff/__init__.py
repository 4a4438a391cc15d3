"""Pages of the people feature: training from QA, competencies and profiles."""

from fastapi import APIRouter

from kontrol.web.pages.staff import hiring, onboarding, roleplays, tests, training

router = APIRouter(include_in_schema=False)
router.include_router(training.router)
router.include_router(tests.router)
router.include_router(hiring.router)
router.include_router(roleplays.router)
router.include_router(onboarding.router)
