"""A running mystery-shopping programme for the demo workspace, made through the
ordinary service calls: two shoppers, three past months of shops (our own
lines against two competitors, own calls and chats linked to the demo
interactions they became) and this month's visits, some still to do; plus an
alert rule on low shops. A smaller English programme shops the EN Desk.
"""

from __future__ import annotations

import calendar
import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from kontrol.accounts.logins import add_user
from kontrol.accounts.workspaces import Workspace
from kontrol.alerts.rules import save_alert_rule
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.demo.seed.alerts import default_rule
from kontrol.domain.clock import from_utc, to_utc, utcnow, zone
from kontrol.domain.roles import WorkspaceRole
from kontrol.mystery.assignments import Assignment, generate_assignments, list_assignments
from kontrol.mystery.programmes import save_programme, set_shoppers
from kontrol.mystery.submissions import MAX_AGE, SubmissionInput, submit_shop
from kontrol.store.tables import interactions, mystery_programmes, users, workspaces

SHOPPERS = (("shopper", "Мария Белова"), ("shopper2", "Олег Тихонов"))

PROGRAMME_RU = """\
name: service-and-sales
title: Тайный покупатель — сервис и продажи
language: ru
pass_mark: 80
plan:
  visits_per_month: 2
scenarios:
  - id: delivery-price
    title: Стоимость доставки в регион
    channel: call
    ask: >-
      Позвонить и спросить, сколько стоит доставка холодильника в Казань и когда его
      привезут, если заказать сегодня.
    correct_answer: >-
      Бесплатно при заказе от 30 000 ₽, иначе 990 ₽; доставка за 3–5 рабочих дней,
      подъём на этаж — отдельная услуга.
    checklist:
      sections:
        - id: contact
          title: Установление контакта
          criteria:
            - {id: greeting, title: Поздоровался и назвал компанию, weight: 1}
            - {id: name, title: Представился по имени, weight: 1}
        - id: need
          title: Выявление потребности
          criteria:
            - {id: questions, title: Уточнил модель и адрес, weight: 2}
            - {id: correct, title: Назвал правильную цену и срок, weight: 3, critical: true}
            - {id: upsell, title: Предложил подъём или установку, weight: 1, bonus: true}
        - id: close
          title: Завершение
          criteria:
            - {id: next-step, title: Предложил оформить заказ, weight: 2}
            - {id: politeness, title: Вежливость и грамотная речь, weight: 2, scale: 1-5}
  - id: return-chat
    title: Возврат без чека
    channel: chat
    ask: Написать в чат на сайте, можно ли вернуть чайник без чека через неделю после покупки.
    correct_answer: Да, в течение 14 дней по паспорту и банковской выписке.
    checklist:
      sections:
        - id: chat
          title: Ответ в чате
          criteria:
            - {id: speed, title: Первый ответ за 2 минуты, weight: 1}
            - {id: correct, title: Правильный ответ о возврате, weight: 3, critical: true}
            - {id: documents, title: Перечислил нужные документы, weight: 2}
            - {id: politeness, title: Вежливость и грамотность, weight: 2, scale: 1-5}
targets:
  - id: line-1-calls
    title: Колл-центр, «Линия 1»
    kind: own
    channel: call
    team: Линия 1
    contact: 8 800 555-01-01
  - id: site-chat
    title: Чат на сайте
    kind: own
    channel: chat
    team: Линия 1
    contact: kontrol-shop.ru, кнопка «Чат»
  - id: technomir-calls
    title: «ТехноМир», горячая линия
    kind: competitor
    competitor: ТехноМир
    channel: call
    contact: 8 800 100-20-30
  - id: technomir-chat
    title: «ТехноМир», чат
    kind: competitor
    competitor: ТехноМир
    channel: chat
    visits_per_month: 1
  - id: domoteka-calls
    title: «Домотека», call-центр
    kind: competitor
    competitor: Домотека
    channel: call
    visits_per_month: 1
"""

PROGRAMME_EN = """\
name: en-desk-shops
title: Mystery shopping — EN Desk
language: en
pass_mark: 80
plan:
  visits_per_month: 1
scenarios:
  - id: warranty-email
    title: Warranty question by e-mail
    channel: email
    ask: Ask whether the two-year warranty covers a cracked kettle lid.
    correct_answer: No, mechanical damage is excluded; a lid can be bought as a spare part.
    checklist:
      sections:
        - id: answer
          title: The answer
          criteria:
            - {id: same-day, title: Answered the same working day, weight: 1}
            - {id: correct, title: Correct warranty answer, weight: 3, critical: true}
            - {id: alternative, title: Offered the spare part, weight: 2}
            - {id: tone, title: Friendly tone and clear English, weight: 2, scale: 1-5}
targets:
  - id: en-desk
    title: EN Desk e-mail
    kind: own
    channel: email
    team: EN Desk
  - id: homeware-uk
    title: HomeWare UK, e-mail
    kind: competitor
    competitor: HomeWare UK
    channel: email
"""

COMMENTS = (
    "Ответили быстро, но про подъём на этаж пришлось спрашивать самому.",
    "Оператор уверенно назвал цену, предложил оформить заказ сразу.",
    "Долго держали на линии, правильный ответ получил со второго раза.",
    "Вежливо, но о документах для возврата не сказали.",
    "",
)


def _add_shoppers(connection: Connection, workspace: Workspace) -> None:
    """The demo shoppers that do not exist yet (``shopper`` is a demo login)."""
    for username, display in SHOPPERS:
        found = connection.execute(select(users.c.id).where(users.c.username == username)).first()
        if found is None:
            add_user(
                connection,
                username=username,
                password=secrets.token_urlsafe(18),
                workspace_name=workspace.name,
                role=WorkspaceRole.SHOPPER,
                display_name=display,
            )


def _months(now_local: datetime) -> list[str]:
    months = []
    year, month = now_local.year, now_local.month
    for _ in range(4):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))


def _answers(assignment: Assignment, dice: random.Random, quality: float) -> dict[str, str]:
    answers = {}
    for criterion in assignment.scenario.checklist.criteria:
        if criterion.scale == "1-5":
            answers[criterion.id] = str(max(1, min(5, round(dice.gauss(2 + 3 * quality, 0.8)))))
        elif criterion.critical:
            # The answer itself is mostly right; the manner is what varies.
            answers[criterion.id] = "pass" if dice.random() < min(0.95, quality + 0.22) else "fail"
        elif dice.random() < 0.04:
            answers[criterion.id] = "na"
        else:
            answers[criterion.id] = "pass" if dice.random() < quality else "fail"
    return answers


def _interaction_for(
    connection: Connection,
    workspace: Workspace,
    channel: str,
    team: str | None,
    month: str,
    taken: set[int],
    dice: random.Random,
) -> tuple[str, datetime] | None:
    """A demo interaction of ``team`` on ``channel`` in ``month`` not yet a shop's:
    (customer, local start)."""
    start = datetime.fromisoformat(f"{month}-01T00:00:00")
    end = start + timedelta(days=31)
    query = (
        select(interactions.c.id, interactions.c.customer_id, interactions.c.started_at)
        .where(
            interactions.c.workspace_id == workspace.id,
            interactions.c.channel == channel,
            interactions.c.customer_id.is_not(None),
            interactions.c.started_at >= start,
            interactions.c.started_at < end,
        )
        .order_by(interactions.c.started_at.desc())
        .limit(60)
    )
    if team:
        query = query.where(interactions.c.team == team)
    rows = [r for r in connection.execute(query) if int(r.id) not in taken]
    if not rows:
        return None
    row = dice.choice(rows)
    taken.add(int(row.id))
    return str(row.customer_id), from_utc(row.started_at, zone(workspace.timezone)).replace(
        tzinfo=None
    )


def _seed_programme(
    connection: Connection, workspace: Workspace, text: str, dice: random.Random
) -> None:
    programme, _new = save_programme(connection, workspace, text, created_by="demo")
    set_shoppers(connection, workspace, programme.id, [u for u, _ in SHOPPERS])
    local_zone = zone(workspace.timezone)
    now_local = from_utc(utcnow(), local_zone).replace(tzinfo=None)
    months = _months(now_local)
    taken: set[int] = set()
    for index, month in enumerate(months):
        generate_assignments(connection, workspace, programme.id, month)
        current = index == len(months) - 1
        for username, _display in SHOPPERS:
            viewer = demo_viewer(connection, workspace.id, username)
            assert viewer is not None
            visits = list_assignments(
                connection, viewer, programme_id=programme.id, month=month, mine=True
            )
            for number, visit in enumerate(visits):
                # This month: the first visits are done, the rest wait for the shopper.
                if current and number >= len(visits) // 2:
                    continue
                own = visit.target.own
                # Our own service improves month by month; the competitors stay level.
                quality = (0.62 + 0.09 * index) if own else 0.74
                if visit.target.key.startswith("domoteka"):
                    quality = 0.55
                year, month_number = (int(part) for part in month.split("-"))
                last_day = calendar.monthrange(year, month_number)[1]
                if current:
                    last_day = min(last_day, now_local.day)
                    if last_day < 2:
                        continue
                day = dice.randint(1, last_day - 1)
                happened = datetime(
                    year, month_number, day, dice.randint(10, 18), dice.choice((5, 20, 40))
                )
                contact = _phone(dice)
                if own and visit.scenario.channel in ("call", "chat"):
                    found = _interaction_for(
                        connection,
                        workspace,
                        visit.scenario.channel,
                        visit.target.team,
                        month,
                        taken,
                        dice,
                    )
                    if found is not None:
                        contact, happened = found
                if happened > now_local - timedelta(hours=1):
                    continue
                if to_utc(happened, local_zone) < utcnow() - MAX_AGE + timedelta(days=1):
                    continue
                submit_shop(
                    connection,
                    viewer,
                    visit.id,
                    SubmissionInput(
                        happened_at=happened,
                        channel=visit.scenario.channel,
                        contact=contact,
                        agent_name=dice.choice(("Анна", "Дмитрий", "Елена", "Сергей", "")),
                        transcript=_transcript(visit, dice),
                        comment=dice.choice(COMMENTS) if programme.language == "ru" else "",
                        answers=_answers(visit, dice, quality),
                    ),
                )


def _phone(dice: random.Random) -> str:
    """A shopper's phone number, as a person writes it."""
    return f"+7 9{dice.randint(10, 99)} {dice.randint(100, 999)}-{dice.randint(10, 99)}-00"


def _transcript(visit: Assignment, dice: random.Random) -> str:
    if visit.scenario.channel == "email":
        return (
            f"Q: {visit.scenario.ask}\n"
            f"A: {dice.choice(('Thanks for writing. ', 'Hello, '))}{visit.scenario.correct_answer}"
        )
    answer = visit.scenario.correct_answer if dice.random() < 0.7 else "Сейчас уточню… перезвоним."
    return f"— {visit.scenario.ask}\n— {answer}"


def seed_mystery_demo(engine: Engine, workspace_id: int, *, seed: int = 7) -> None:
    """The demo programmes, their shops and the low-shop alert rule (once)."""
    dice = random.Random(seed)
    with engine.begin() as connection:
        row = connection.execute(select(workspaces).where(workspaces.c.id == workspace_id)).one()
        workspace = Workspace(row.id, row.name, row.timezone)
        exists = connection.execute(
            select(mystery_programmes.c.id).where(mystery_programmes.c.workspace_id == workspace.id)
        ).first()
        if exists is not None:
            return
        _add_shoppers(connection, workspace)
        _seed_programme(connection, workspace, PROGRAMME_RU, dice)
        _seed_programme(connection, workspace, PROGRAMME_EN, dice)
        save_alert_rule(
            connection,
            workspace,
            default_rule("mystery_low_score", "mystery_low_score", params={"score_below": 60}),
        )
