"""The demo reviewer's work: a filled queue and manual evaluations, some overturning the machine.

Everything goes through the ordinary review calls (``review_form``,
``create_evaluation``), so the queue items end done and the KPIs count the
evaluations exactly as they would count a real reviewer's.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Connection, Engine, or_, select

from kontrol.accounts.access import Viewer
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput
from kontrol.review.assigned_items import my_queue
from kontrol.review.history import record_event
from kontrol.review.saving import AnswerInput, create_evaluation
from kontrol.review.scoring_form import ReviewForm, review_form
from kontrol.store.tables import evaluations, interactions, memberships, review_items, review_queues

DEMO_QUEUE = "Выборочная проверка"
DEMO_REASON = "Выборочная проверка: случайное обращение оператора за неделю"
DEMO_QUEUE_SIZE = 12
DEMO_LEFT_OPEN = 3


def _demo_items(connection: Connection, viewer: Viewer, count: int, dice: random.Random) -> None:
    """Put ``count`` scored interactions into the demo reviewer's queue (as routing would)."""
    workspace_id = viewer.workspace.id
    now = utcnow()
    queue_id = connection.execute(
        select(review_queues.c.id).where(
            review_queues.c.workspace_id == workspace_id, review_queues.c.name == DEMO_QUEUE
        )
    ).scalar()
    if queue_id is None:
        key = connection.execute(
            review_queues.insert().values(
                workspace_id=workspace_id,
                name=DEMO_QUEUE,
                description="Случайная выборка обращений для ручной оценки",
                created_at=now,
            )
        ).inserted_primary_key
        assert key is not None
        queue_id = key[0]
    queued = select(review_items.c.interaction_id).where(
        or_(review_items.c.queue_id == queue_id, review_items.c.assignee_id == viewer.account.id)
    )
    # The demo agents' own evaluations are the feedback demo's story: leave theirs alone.
    logged_in_agents = select(memberships.c.agent_external_id).where(
        memberships.c.workspace_id == workspace_id,
        memberships.c.agent_external_id.is_not(None),
    )
    candidates = [
        int(i)
        for i in connection.execute(
            select(evaluations.c.interaction_id)
            .join(interactions, interactions.c.id == evaluations.c.interaction_id)
            .where(
                evaluations.c.workspace_id == workspace_id,
                evaluations.c.kind == "auto",
                evaluations.c.interaction_id.not_in(queued),
                or_(
                    interactions.c.agent_external_id.is_(None),
                    interactions.c.agent_external_id.not_in(logged_in_agents),
                ),
            )
            .distinct()
            .order_by(evaluations.c.interaction_id)
        ).scalars()
    ]
    for position, interaction_id in enumerate(dice.sample(candidates, min(count, len(candidates)))):
        key = connection.execute(
            review_items.insert().values(
                workspace_id=workspace_id,
                queue_id=queue_id,
                interaction_id=interaction_id,
                reason=DEMO_REASON,
                priority=50 - position % 3 * 10,
                due_at=now + timedelta(hours=4 + 6 * position),
                status="open",
                assignee_id=viewer.account.id,
                assigned_at=now,
                created_at=now,
            )
        ).inserted_primary_key
        assert key is not None
        record_event(
            connection,
            workspace_id,
            "item",
            int(key[0]),
            viewer.account.id,
            "assigned",
            {"assignee_id": viewer.account.id, "queue": DEMO_QUEUE},
        )


def seed_review_demo(engine: Engine, workspace_id: int, *, seed: int = 7) -> int:
    """Manual evaluations by the demo reviewer, some overturning the machine.

    Fills the reviewer's queue up to a dozen items (when routing has not), scores
    all but the last few through the ordinary path (so the items are done and the
    KPIs count them), and leaves one of them as a draft. Returns how many were
    submitted.
    """
    dice = random.Random(seed)
    with engine.begin() as connection:
        viewer = demo_viewer(connection, workspace_id, "reviewer")
        if viewer is None:
            return 0
        waiting = len(my_queue(connection, viewer))
        if waiting < DEMO_QUEUE_SIZE:
            _demo_items(connection, viewer, DEMO_QUEUE_SIZE - waiting, dice)
        queue = [entry.item for entry in my_queue(connection, viewer)]
        # One evaluation per interaction (an interaction may wait in two queues).
        forms: dict[int, ReviewForm] = {}
        for item in queue[: max(0, len(queue) - DEMO_LEFT_OPEN)]:
            try:
                form = review_form(connection, viewer, item.interaction_id, item_id=item.id)
            except InvalidInput:
                continue  # no scorecard for it (a bot conversation): it stays in the queue
            if form.evaluation is None and item.interaction_id not in forms:
                forms[item.interaction_id] = form
        submitted = 0
        for position, form in enumerate(forms.values()):
            draft = position == len(forms) - 1
            create_evaluation(
                connection,
                viewer,
                form.interaction_id,
                answers=_demo_answers(form, dice),
                comment=None if draft else dice.choice(DEMO_COMMENTS),
                submit=not draft,
                item_id=form.item.id if form.item else None,
            )
            submitted += 0 if draft else 1
    return submitted


DEMO_COMMENTS = (
    "Разговор в целом по стандарту, но ответ на вопрос о сроках можно было дать сразу.",
    "Хорошо отработано возражение. Обратить внимание на завершение разговора.",
    "Клиент получил неполную информацию о возврате — нужен повторный звонок.",
    "Вежливо и по делу. Приветствие было, проверка не увидела его в расшифровке.",
)


def _demo_answers(form: ReviewForm, dice: random.Random) -> dict[str, AnswerInput]:
    """A reviewer's answers: mostly the machine's, now and then overturned."""
    changes: dict[str, AnswerInput] = {}
    for answer in form.answers:
        if answer.criterion.scale == "1-5":
            changes[answer.criterion.id] = AnswerInput(str(dice.choice((3, 4, 4, 5, 2))))
        elif answer.auto_result is None:
            result = "pass" if dice.random() < 0.75 else "fail"
            comment = None if result == "pass" else "Информация клиенту дана неверно."
            changes[answer.criterion.id] = AnswerInput(result, comment)
        elif answer.auto_result in ("pass", "fail") and dice.random() < 0.12:
            flipped = "fail" if answer.auto_result == "pass" else "pass"
            changes[answer.criterion.id] = AnswerInput(
                flipped, "Проверка ошиблась: см. расшифровку."
            )
    return changes
