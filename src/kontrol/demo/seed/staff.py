"""People demo: competencies, the training catalogue, rules and assignments.

Made through the ordinary staff calls as the demo QA lead. One training that
worked is placed where the agent's evaluations really improved on its
criterion afterwards, and one that did not move its criterion where they did
not: the figures on the page are computed from the demo evaluations, not typed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select, update

from kontrol.accounts.access import Viewer
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.domain.clock import utcnow
from kontrol.staff.certification import (
    create_certification,
    grade,
    hand_in,
    list_certifications,
)
from kontrol.staff.competencies import list_competencies, save_competency
from kontrol.staff.evidence import agent_marks, tally
from kontrol.staff.hiring import (
    add_candidate,
    add_guide_question,
    create_profile,
    decide,
    hand_in_ratings,
    list_candidates,
    list_profiles,
)
from kontrol.staff.knowledge import create_question, create_test, list_tests, start_attempt
from kontrol.staff.onboarding import list_onboardings, record_session, start_onboarding
from kontrol.staff.roleplay import (
    answer_public,
    create_scenario,
    list_scenarios,
    send_to_candidate,
)
from kontrol.staff.training import assign_module, create_module, create_rule, list_modules
from kontrol.store.tables import agents, interactions, staff_assignments, staff_competencies

COMPETENCIES: tuple[tuple[str, str, str, list[str], list[str], list[str]], ...] = (
    (
        "empathy",
        "Эмпатия",
        "Слышит эмоцию клиента и отвечает на неё (empathy).",
        ["empathy", "calm_tone", "no_rudeness"],
        ["эмпатия"],
        ["q-empathy-angry-customer"],
    ),
    (
        "product",
        "Знание продукта",
        "Даёт точный и полный ответ (product knowledge).",
        ["specific_answer", "solution_correct", "needs_question"],
        ["продукт", "тарифы"],
        ["q-product-refund"],
    ),
    (
        "standards",
        "Стандарты общения",
        "Приветствие, имя, завершение (communication standards).",
        [
            "greeting",
            "introduction",
            "customer_name",
            "closing_thanks",
            "offer_more_help",
            "rating_request",
        ],
        ["стандарты"],
        ["q-standards-closing"],
    ),
    (
        "literacy",
        "Грамотность",
        "Пишет без ошибок и без внутреннего жаргона (literacy).",
        ["spelling", "no_jargon"],
        ["грамотность"],
        [],
    ),
)

MODULES = (
    (
        "Обращение к клиенту по имени",
        "text",
        "customer_name",
        "standards",
        "Зачем: клиент слышит, что говорят с ним, а не с очередью.\n\n"
        "1. Узнайте имя в начале: «Как я могу к вам обращаться?»\n"
        "2. Используйте его 2–3 раза за разговор: в начале, при решении, в конце.\n"
        "3. Не злоупотребляйте: имя в каждой фразе звучит как скрипт.\n\n"
        "Упражнение: перепишите три своих последних чата, вставив имя клиента.",
        "",
    ),
    (
        "Просьба оценить разговор",
        "video",
        "rating_request",
        "standards",
        "",
        "https://video.example.com/kontrol/rating-request",
    ),
    (
        "Эмпатия в переписке",
        "roleplay",
        "empathy",
        "empathy",
        "Ролевая игра с наставником, 15 минут.\n\nКлиент: «Я третий раз пишу, мне никто не "
        "отвечает!»\nЗадача: признать эмоцию («Понимаю, как это неприятно…»), извиниться за "
        "ожидание, назвать срок решения.\n\nНаставник оценивает по критериям «Эмпатия» и "
        "«Спокойный тон».",
        "",
    ),
    (
        "Завершение разговора",
        "file",
        "closing_thanks",
        "standards",
        "",
        "https://files.example.com/kontrol/closing-checklist.pdf",
    ),
    (
        "Допродажа без давления",
        "text",
        "upsell",
        "product",
        "Предлагайте дополнительную услугу, только когда основной вопрос решён и клиент "
        "доволен. Одна фраза, одно предложение, без повторов после отказа.",
        "",
    ),
)

RULES = (
    ("customer_name", 70, 20, "Обращение к клиенту по имени"),
    ("rating_request", 60, 20, "Просьба оценить разговор"),
    ("empathy", 70, 10, "Эмпатия в переписке"),
    ("closing_thanks", 70, 15, "Завершение разговора"),
)


def _best_split(
    connection: Connection, workspace_id: int, criterion: str, *, improved: bool
) -> tuple[str, datetime] | None:
    """The agent and moment where the criterion changed most (or least) over 8+ evaluations."""
    best: tuple[float, str, datetime] | None = None
    for agent in connection.execute(
        select(agents.c.external_id).where(agents.c.workspace_id == workspace_id)
    ).scalars():
        marks = [
            m for m in agent_marks(connection, workspace_id, agent) if m.criterion == criterion
        ]
        for index in range(10, len(marks) - 10):
            before = tally([m.fraction for m in marks[max(0, index - 20) : index]])
            after = tally([m.fraction for m in marks[index : index + 20]])
            if before.mean is None or after.mean is None or before.mean > 0.7:
                continue
            change = after.mean - before.mean
            score = change if improved else -abs(change)
            if best is None or score > best[0]:
                best = (score, agent, marks[index].at)
    return None if best is None else (best[1], best[2])


def _past_assignment(
    connection: Connection,
    lead: Viewer,
    module_id: int,
    criterion: str,
    *,
    improved: bool,
) -> None:
    found = _best_split(connection, lead.workspace.id, criterion, improved=improved)
    if found is None:
        return
    agent, moment = found
    assigned = moment - timedelta(days=6)
    new_id = assign_module(connection, lead, module_id=module_id, agent=agent, due="", now=assigned)
    connection.execute(
        update(staff_assignments)
        .where(staff_assignments.c.id == new_id)
        .values(due_at=moment, completed_at=moment - timedelta(seconds=1))
    )


def seed_staff_demo(engine: Engine, workspace_id: int) -> None:
    """Competencies, modules, rules, a training that worked, one that did not, open ones."""
    with engine.begin() as connection:
        if connection.execute(
            select(staff_competencies.c.id).where(staff_competencies.c.workspace_id == workspace_id)
        ).first():
            return
        lead = demo_viewer(connection, workspace_id, "qa")
        if lead is None:
            return
        keys = {}
        for key, name, description, criteria, topics, questions in COMPETENCIES:
            keys[key] = save_competency(
                connection,
                lead,
                key=key,
                name=name,
                description=description,
                criteria=criteria,
                topics=topics,
                questions=questions,
            ).id
        for title, kind, criterion, competency, body, url in MODULES:
            create_module(
                connection,
                lead,
                title=title,
                kind=kind,
                body=body,
                url=url,
                criterion=criterion,
                competency_id=keys[competency],
            )
        modules = {m.title: m.id for m in list_modules(connection, workspace_id)}
        for criterion, threshold, window, title in RULES:
            create_rule(
                connection,
                lead,
                criterion=criterion,
                threshold=threshold,
                window=window,
                module_id=modules[title],
            )
        _past_assignment(
            connection,
            lead,
            modules["Обращение к клиенту по имени"],
            "customer_name",
            improved=True,
        )
        _past_assignment(
            connection, lead, modules["Завершение разговора"], "closing_thanks", improved=False
        )
        due = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")
        assign_module(
            connection, lead, module_id=modules["Допродажа без давления"], agent="a01", due=due
        )
        assign_module(
            connection,
            lead,
            module_id=modules["Эмпатия в переписке"],
            agent="a01",
            due=(utcnow() - timedelta(days=2)).strftime("%Y-%m-%d"),
        )


QUESTIONS: tuple[tuple[str, str, str, list[str], list[int]], ...] = (
    (
        "стандарты",
        "single",
        "Как оператор начинает чат по стандарту?",
        ["«Здравствуйте! Меня зовут Анна, чем могу помочь?»", "«Слушаю»", "«Что у вас?»"],
        [0],
    ),
    (
        "стандарты",
        "multiple",
        "Что обязательно в конце разговора?",
        [
            "Спросить, остались ли вопросы",
            "Поблагодарить клиента",
            "Рассказать об акциях",
            "Попросить оценить разговор",
        ],
        [0, 1, 3],
    ),
    (
        "тарифы",
        "single",
        "Сколько дней у клиента на возврат товара надлежащего качества?",
        ["7 дней", "14 дней", "30 дней"],
        [1],
    ),
    (
        "эмпатия",
        "single",
        "Клиент пишет: «Третий раз обращаюсь!» Лучший первый ответ:",
        [
            "«Понимаю, как это неприятно. Сейчас разберусь и доведу до конца.»",
            "«Ожидайте ответа специалиста.»",
            "«Это не моя зона ответственности.»",
        ],
        [0],
    ),
    (
        "грамотность",
        "multiple",
        "Какие фразы написаны без ошибок?",
        [
            "«Вам перезвонят в течение часа»",
            "«Заказ будет доставлен в течении дня»",
            "«Извините за ожидание»",
        ],
        [0, 2],
    ),
    (
        "продукт",
        "text",
        "Клиент спрашивает, чем тариф «Плюс» отличается от «Базового». Ответьте "
        "так, как ответили бы в чате.",
        [],
        [],
    ),
)

# (demo login, days ago, right answers per question index or text, graded points)
ATTEMPTS: tuple[tuple[str, int, dict[int, list[int] | str]], ...] = (
    (
        "agent",
        160,
        {
            0: [0],
            1: [0, 1, 3],
            2: [1],
            3: [0],
            4: [0, 2],
            5: "В «Плюс» входит "
            "бесплатная доставка и приоритетная поддержка; «Базовый» дешевле на 200 ₽ в месяц.",
        },
    ),
    ("a02", 12, {0: [0], 1: [0, 1], 2: [0], 3: [0], 4: [0, 1], 5: "Плюс дороже."}),
    (
        "a02",
        5,
        {0: [0], 1: [0, 1, 3], 2: [1], 3: [0], 4: [0], 5: "В «Плюс» есть бесплатная доставка."},
    ),
    (
        "a05",
        3,
        {0: [0], 1: [0, 1, 3], 2: [2], 3: [0], 4: [0, 2], 5: "Отличается ценой и доставкой."},
    ),
    ("a08", 9, {0: [0], 1: [1, 2], 2: [1], 3: [1], 4: [1], 5: "Не знаю."}),
)


def seed_tests_demo(engine: Engine, workspace_id: int) -> None:
    """A question bank, a test with results, a certification about to expire for a01."""
    with engine.begin() as connection:
        if list_tests(connection, workspace_id):
            return
        lead = demo_viewer(connection, workspace_id, "qa")
        if lead is None:
            return
        ids = [
            create_question(
                connection,
                lead,
                topic=topic,
                kind=kind,
                text=text,
                options=options,
                correct=correct,
                points=2 if kind == "text" else 1,
            ).id
            for topic, kind, text, options, correct in QUESTIONS
        ]
        test = create_test(
            connection,
            lead,
            title="Стандарты обслуживания: допуск к линии",
            question_ids=ids,
            pass_mark=80,
            time_limit_minutes=15,
            max_attempts=3,
            shuffle=True,
        )
        create_certification(
            connection,
            lead,
            name="Допуск к работе на линии",
            test_ids=[test.id],
            valid_days=180,
            remind_days=30,
        )
        now = utcnow()
        for login, days, answers in ATTEMPTS:
            agent = demo_viewer(connection, workspace_id, login)
            if agent is None:
                continue
            started = now - timedelta(days=days)
            attempt = start_attempt(connection, agent, test.id, now=started)
            raw: dict[str, list[str] | str] = {}
            for index, answer in answers.items():
                key = str(ids[index])
                raw[key] = answer if isinstance(answer, str) else [str(a) for a in answer]
            handed = hand_in(connection, agent, attempt.id, raw, now=started + timedelta(minutes=9))
            if login != "a05":
                points = 2 if login == "agent" or days == 5 else 0
                grade(connection, lead, handed.id, {str(ids[5]): points})


GUIDE: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "empathy",
        "Клиент кричит, что ждёт возврата месяц. Что вы ответите первым?",
        "Сразу переходит к регламенту, эмоцию не замечает.",
        "Извиняется формально, затем решает вопрос.",
        "Признаёт эмоцию своими словами, называет срок и берёт вопрос на себя.",
    ),
    (
        "product",
        "Объясните, как оформить возврат товара, купленного онлайн.",
        "Путается в шагах и сроках.",
        "Называет шаги, но без сроков и исключений.",
        "Точно: шаги, 14 дней, исключения, что делать без чека.",
    ),
    (
        "standards",
        "Расскажите о случае, когда вы не знали ответа. Что вы сделали?",
        "Придумал ответ на ходу.",
        "Сказал, что уточнит, но не вернулся к клиенту.",
        "Честно сказал, уточнил у коллег, перезвонил в обещанный срок.",
    ),
    (
        "literacy",
        "Перепишите фразу «ваша заявка будет рассмотрена в течении 3х дней».",
        "Ошибки остались.",
        "Ошибки исправлены, фраза канцелярская.",
        "«Мы ответим на вашу заявку в течение трёх дней» — без ошибок и по-человечески.",
    ),
)

# (name, contact, ratings by the QA lead, ratings by the team lead or None, decision)
# The hired candidate became this agent (the same person in demo/people.py): her
# interview ratings join the agent's competency profile.
HIRED_AGENT = "a04"

CANDIDATES: tuple[tuple[str, str, list[int], list[int] | None, str | None], ...] = (
    ("Мария Лебедева", "+7 900 111-22-33", [5, 4, 4, 5], [5, 4, 5, 4], "hire"),
    ("Олег Фёдоров", "oleg.f@example.com", [2, 3, 2, 3], [3, 2, 2, 2], "reject"),
    ("Jessica Moore", "jessica.moore@example.com", [4, 3, 4, 4], None, None),
)


def _has_agent(connection: Connection, workspace_id: int) -> bool:
    found = connection.execute(
        select(agents.c.id).where(
            agents.c.workspace_id == workspace_id, agents.c.external_id == HIRED_AGENT
        )
    ).first()
    return found is not None


def seed_hiring_demo(engine: Engine, workspace_id: int) -> None:
    """A hiring round: one profile, its guide, three candidates and two interviewers."""
    with engine.begin() as connection:
        qa = demo_viewer(connection, workspace_id, "qa")
        lead = demo_viewer(connection, workspace_id, "lead")
        if qa is None or lead is None or list_profiles(connection, qa):
            return
        profile = create_profile(
            connection,
            qa,
            title="Оператор чата, «Линия 1»",
            requirements="Грамотная письменная речь, спокойствие в конфликте, готовность к "
            "сменному графику. Опыт в рознице или поддержке — плюс.",
        )
        competencies = {c.key: c.id for c in list_competencies(connection, workspace_id)}
        for key, text, one, three, five in GUIDE:
            profile = add_guide_question(
                connection,
                qa,
                profile.id,
                text=text,
                anchors=(one, three, five),
                competency_id=competencies.get(key),
            )
        questions = [q.id for q in profile.questions]
        for name, contact, by_qa, by_lead, decision in CANDIDATES:
            candidate = add_candidate(
                connection,
                qa,
                profile_id=profile.id,
                name=name,
                contact=contact,
                interviewer_ids=[qa.account.id, lead.account.id],
            )
            for viewer, ratings in ((qa, by_qa), (lead, by_lead)):
                if ratings is not None:
                    given: dict[str, int | str] = {
                        str(q): r for q, r in zip(questions, ratings, strict=True)
                    }
                    hand_in_ratings(connection, viewer, candidate.id, given)
            if decision == "hire":
                decide(
                    connection,
                    qa,
                    candidate.id,
                    decision="hire",
                    reason="Сильная эмпатия и знание возвратов; оба интервьюера поставили 4–5.",
                    agent=HIRED_AGENT if _has_agent(connection, workspace_id) else "",
                )
            elif decision == "reject":
                decide(
                    connection,
                    qa,
                    candidate.id,
                    decision="reject",
                    reason="Слабое знание продукта и ошибки в письменной речи.",
                )


SCENARIO_RU = """Здравствуйте! Мне уже неделю не приходит заказ, я в бешенстве.
извин, понима, сожале => 3

Вы вообще меня слышите? Мне нужен заказ, а не отписки!
извин, понима, сожале => 3

Ладно. Так когда его привезут?
завтра, сегодня, до => 5

Мне нужен точный срок, а не «скоро».

Хорошо, спасибо. Жду.
"""

SCENARIO_EN = """Hi. My refund still hasn't arrived and it's been three weeks.
sorry, understand, apologi => 3

Are you reading what I write? I want my money back.
sorry, understand, apologi => 3

OK. When exactly will I get it?
tomorrow, today, by => 5

I need a date, not "soon".

Thanks, I'll wait.
"""


def seed_roleplays_demo(engine: Engine, workspace_id: int) -> None:
    """Two scenarios (ru, en) and a candidate's finished work test, scored by the checks."""
    with engine.begin() as connection:
        qa = demo_viewer(connection, workspace_id, "qa")
        if qa is None or list_scenarios(connection, workspace_id):
            return
        ru = create_scenario(
            connection, qa, title="Задержка заказа: злой клиент", language="ru", script=SCENARIO_RU
        )
        create_scenario(
            connection, qa, title="Late refund: upset customer", language="en", script=SCENARIO_EN
        )
        maria = next(
            (c for c in list_candidates(connection, qa) if c.name == "Мария Лебедева"), None
        )
        if maria is None:
            return
        token = send_to_candidate(connection, qa, maria.id, ru.id).removeprefix("/r/")
        for text in (
            "Здравствуйте! Меня зовут Мария. Понимаю, как это неприятно, извините за ожидание.",
            "Проверила: заказ передан курьеру, привезут завтра до 18:00. Чем ещё могу помочь?",
            "Спасибо, что дождались! Хорошего дня.",
        ):
            answer_public(connection, token, text)


ONBOARDING_SESSIONS = (
    (
        7,
        "Первая неделя: приветствие и имя — уверенно, по стандарту. Теряется, когда клиент "
        "раздражён: отвечает шаблоном, не признаёт неудобство.",
        "Пройти модуль по эмпатии; разобрать с наставником два «злых» чата; "
        "ролевая игра «Задержка заказа» до конца месяца.",
    ),
    (
        30,
        "Месяц: эмпатия заметно лучше, оценка качества догоняет команду. Иногда закрывает "
        "чат без проверки, остались ли вопросы.",
        "Завершать каждый чат вопросом «Чем ещё могу помочь?»; тест по стандартам; "
        "следующая встреча через три недели.",
    ),
)


def seed_onboarding_demo(engine: Engine, workspace_id: int) -> None:
    """A new agent of Line 1 in onboarding, mentored by a02, with two feedback sessions.

    Also a certification that requires the Russian role play with a pass mark.
    """
    with engine.begin() as connection:
        lead = demo_viewer(connection, workspace_id, "lead")
        qa = demo_viewer(connection, workspace_id, "qa")
        if lead is None or qa is None or list_onboardings(connection, lead):
            return
        taken = {lead.membership.agent_external_id, "a01", "a02"}
        first_seen: dict[str, datetime] = {}
        for row in connection.execute(
            select(interactions.c.agent_external_id, func.min(interactions.c.started_at))
            .where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.team == lead.membership.team,
                interactions.c.agent_external_id.is_not(None),
            )
            .group_by(interactions.c.agent_external_id)
        ):
            if row[0] not in taken:
                first_seen[str(row[0])] = row[1]
        if not first_seen:
            return
        newest = max(first_seen, key=lambda agent: (first_seen[agent], agent))
        today = utcnow().date()
        start = first_seen[newest].date()
        if (today - start).days > 80:
            # The demo data is older than an onboarding: keep the agent mid-way through it.
            start = today - timedelta(days=45)
        start_onboarding(connection, lead, agent=newest, started_on=start, mentor="a02")
        # The first session's agreed module, assigned by the lead.
        module = next(
            (m for m in list_modules(connection, workspace_id) if m.criterion == "customer_name"),
            None,
        )
        if module is not None:
            assign_module(
                connection,
                lead,
                module_id=module.id,
                agent=newest,
                due=(today + timedelta(days=14)).isoformat(),
                criterion=module.criterion,
            )
        for days, notes, next_steps in ONBOARDING_SESSIONS:
            held = min(start + timedelta(days=days), today)
            record_session(
                connection,
                lead,
                newest,
                held_on=held,
                led_by="a02" if days == 7 else "lead",
                notes=notes,
                next_steps=next_steps,
            )
        scenario = next(
            (s for s in list_scenarios(connection, workspace_id) if s.language == "ru"), None
        )
        if scenario is not None and not any(
            c.roleplays for c in list_certifications(connection, workspace_id)
        ):
            create_certification(
                connection,
                qa,
                name="Допуск к чатам: ролевая игра",
                test_ids=[],
                valid_days=180,
                remind_days=14,
                roleplays={scenario.id: 70.0},
            )
