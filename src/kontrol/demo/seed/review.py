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
# Not got to yet, of a full queue: every reviewer works at about the same pace.
OPEN_LEFT = (12, 30)
# The centre's other people routing gives work to (seed/accounts.py, the demo logins).
COLLEAGUES = ("reviewer2", "qa")


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


def left_open(queue_size: int, dice: random.Random) -> int:
    """How many of a reviewer's items are still waiting: a dozen to thirty of a full
    queue, a quarter (at least three) of a short one."""
    return min(dice.randint(*OPEN_LEFT), max(DEMO_LEFT_OPEN, queue_size // 4))


def _work_through(
    connection: Connection,
    viewer: Viewer,
    dice: random.Random,
    pace: random.Random,
    *,
    draft: bool,
) -> int:
    """The reviewer scores their queue in its order, all but what they have not got to
    yet (:func:`left_open`); with ``draft`` the last one stays a draft. How many were
    submitted."""
    queue = [entry.item for entry in my_queue(connection, viewer, limit=10_000) if entry.scorable]
    # One evaluation per interaction (an interaction may wait in two queues).
    forms: dict[int, ReviewForm] = {}
    for item in queue[: max(0, len(queue) - left_open(len(queue), pace))]:
        try:
            form = review_form(connection, viewer, item.interaction_id, item_id=item.id)
        except InvalidInput:
            continue  # no scorecard for it: it stays in the queue
        if form.evaluation is None and item.interaction_id not in forms:
            forms[item.interaction_id] = form
    submitted = 0
    for position, form in enumerate(forms.values()):
        keep_draft = draft and position == len(forms) - 1
        create_evaluation(
            connection,
            viewer,
            form.interaction_id,
            answers=_demo_answers(form, dice),
            comment=None if keep_draft else dice.choice(DEMO_COMMENTS),
            submit=not keep_draft,
            item_id=form.item.id if form.item else None,
        )
        submitted += 0 if keep_draft else 1
    return submitted


def seed_review_demo(
    engine: Engine, workspace_id: int, *, seed: int = 7, colleagues: bool = False
) -> int:
    """Manual evaluations by the demo reviewer, some overturning the machine.

    Fills the reviewer's queue up to a dozen items (when routing has not), scores
    all but the last few through the ordinary path (so the items are done and the
    KPIs count them), and leaves one of them as a draft. With ``colleagues`` (the
    centre) the other people routing gives work to (the second reviewer, the QA
    lead) work through theirs at the same pace, so every queue holds a believable
    dozen to thirty open items. Returns how many the demo reviewer submitted.
    """
    dice = random.Random(seed)
    pace = random.Random(seed + 1)
    with engine.begin() as connection:
        viewer = demo_viewer(connection, workspace_id, "reviewer")
        if viewer is None:
            return 0
        waiting = len(my_queue(connection, viewer))
        if waiting < DEMO_QUEUE_SIZE:
            _demo_items(connection, viewer, DEMO_QUEUE_SIZE - waiting, dice)
        submitted = _work_through(connection, viewer, dice, pace, draft=True)
        for username in COLLEAGUES if colleagues else ():
            colleague = demo_viewer(connection, workspace_id, username)
            if colleague is not None:
                _work_through(connection, colleague, dice, pace, draft=False)
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
