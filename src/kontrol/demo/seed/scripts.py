"""The demo's scripts: the shipped examples, and conversations that follow them more or less.

Agents differ in how many steps they cover. On delivery questions, version 1 of
the script had no "confirm how the courier reaches you" step; version 2 adds it,
and the conversations that cover it bring fewer repeat contacts (the courier
reaches the customer) and better ratings: the step that measurably helps. The
conversations are written in other words than the script's wordings, so what
the adherence check finds is found, not copied.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.ingest.importing import import_file
from kontrol.scripts.library import example_text, install_examples, save_script

# (id, name, team, language, share of steps they cover)
AGENTS = (
    ("a01", "Анна Смирнова", "Линия 1", "ru", 0.95),
    ("a02", "Дмитрий Козлов", "Линия 1", "ru", 0.75),
    ("a03", "Игорь Волков", "Линия 1", "ru", 0.45),
    ("a05", "Елена Попова", "Линия 2", "ru", 0.85),
    ("a06", "Сергей Новиков", "Линия 2", "ru", 0.55),
    ("a08", "Emily Carter", "English desk", "en", 0.9),
    ("a09", "James Miller", "English desk", "en", 0.5),
)
CUSTOMERS = {
    "ru": ("Ирина Белова", "Олег Фёдоров", "Татьяна Зуева", "Максим Орлов", "Светлана Гусева"),
    "en": ("Sarah Brown", "Kevin Walsh", "Laura Kim", "Tom Evans", "Emma Scott"),
}

# What people say, per script and step: in other words than the script's wordings.
LINES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "delivery-question": {
        "open": {
            "ru": (
                "Добрый день. Где мой заказ? Обещали доставить ещё вчера.",
                "Здравствуйте, курьер так и не приехал, где посылка?",
            ),
            "en": (
                "Hi, where is my order? It was supposed to arrive yesterday.",
                "Hello, the courier never came. Where is my parcel?",
            ),
        },
        "greeting": {"ru": ("Здравствуйте!", "Добрый день!"), "en": ("Hello!", "Hi there!")},
        "ask_order": {
            "ru": ("Назовите номер заказа, пожалуйста.", "Подскажите номер вашего заказа?"),
            "en": ("Could you share the order number?", "What is your order number, please?"),
        },
        "check_status": {
            "ru": ("Секунду, проверю статус.", "Сейчас посмотрю статус заказа."),
            "en": (
                "Give me a second to check the status.",
                "Let me check the status of your order.",
            ),
        },
        "give_date": {
            "ru": (
                "Заказ в пути, курьер привезёт его завтра с 12 до 16.",
                "Посылка передана курьеру, доставят завтра утром.",
            ),
            "en": (
                "Your order is on its way and will arrive tomorrow afternoon.",
                "The parcel has been shipped, it will be delivered tomorrow morning.",
            ),
        },
        "resolve_delay": {
            "ru": (
                "Извините за задержку, я перевела заказ в приоритетную доставку.",
                "Приношу извинения за задержку, начислила компенсацию 300 баллов.",
            ),
            "en": (
                "Sorry for the delay, I've moved it to priority delivery.",
                "I'm sorry about the delay, I've added compensation to your account.",
            ),
        },
        "confirm_contact": {
            "ru": (
                "Курьер позвонит за час до приезда, телефон в заказе актуальный?",
                "Номер телефона в заказе актуальный? Курьер позвонит перед приездом.",
            ),
            "en": (
                "The courier will call an hour before arriving, is the phone number still right?",
                "Is the phone number on the order still right? The courier will call first.",
            ),
        },
        "offer_more_help": {
            "ru": ("Могу ещё чем-то помочь?", "Чем-нибудь ещё помочь?"),
            "en": ("Anything else I can help you with?", "Is there anything else I can help with?"),
        },
    },
    "refund": {
        "open": {
            "ru": (
                "Хочу оформить возврат, кроссовки не подошли.",
                "Верните деньги, пожалуйста, товар пришёл с браком.",
            ),
            "en": (
                "I'd like a refund, the shoes don't fit.",
                "I want my money back, the kettle arrived broken.",
            ),
        },
        "greeting": {"ru": ("Здравствуйте!",), "en": ("Hello!",)},
        "empathy": {
            "ru": ("Понимаю, неприятно.", "Сожалею, что так вышло."),
            "en": ("I understand, that's annoying.", "I'm sorry to hear that."),
        },
        "ask_reason": {
            "ru": ("Подскажите, что именно не подошло?", "А почему решили вернуть?"),
            "en": ("What exactly didn't suit you?", "May I ask the reason for returning it?"),
        },
        "ask_payment": {
            "ru": ("Как вы оплачивали — картой на сайте?", "Подскажите способ оплаты заказа."),
            "en": ("How did you pay, by card online?", "What payment method did you use?"),
        },
        "refund_return": {
            "ru": ("Оформила заявку на возврат, принесите товар в пункт выдачи.",),
            "en": ("I've opened a return request, please bring the item to a pickup point.",),
        },
        "refund_defect": {
            "ru": ("Оформила возврат за брак, курьер заберёт товар бесплатно.",),
            "en": (
                "I've started a refund for the faulty item, a courier will collect it for free.",
            ),
        },
        "give_term": {
            "ru": ("Деньги вернутся за 10 рабочих дней.", "Срок зачисления до 10 рабочих дней."),
            "en": (
                "The money will be back within 10 working days.",
                "It takes up to 10 business days.",
            ),
        },
        "offer_more_help": {
            "ru": ("Могу ещё чем-то помочь?",),
            "en": ("Anything else I can help you with?",),
        },
    },
    "card-blocked": {
        "open": {
            "ru": ("Не проходит оплата, пишет что карта заблокирована.",),
            "en": ("My card was declined, it says the card is blocked.",),
        },
        "greeting": {"ru": ("Здравствуйте!",), "en": ("Hello!",)},
        "verify": {
            "ru": ("Для безопасности назовите последние 4 цифры карты.",),
            "en": ("For security, what are the last 4 digits of the card?",),
        },
        "ask_when": {
            "ru": ("Какая ошибка появляется при оплате?",),
            "en": ("What error do you see when you pay?",),
        },
        "bank_block": {
            "ru": ("Блокировку ставит банк, позвоните в банк по номеру на обороте карты.",),
            "en": ("Please call your bank, the block is set by your bank.",),
        },
        "retry_payment": {
            "ru": ("Отправила вам новую ссылку на оплату, можно оплатить и через СБП.",),
            "en": ("I've sent you a new payment link, you can also pay on delivery.",),
        },
        "keep_order": {
            "ru": ("Заказ я сохранила за вами на 24 часа.",),
            "en": ("I've held your order for 24 hours.",),
        },
        "offer_more_help": {
            "ru": ("Могу ещё чем-то помочь?",),
            "en": ("Anything else I can help you with?",),
        },
    },
}
ANSWERS = {
    "ask_order": {"ru": "Номер 58{n}", "en": "It's 58{n}"},
    "ask_reason": {"ru": "Размер не подошёл", "en": "Wrong size"},
    "ask_payment": {"ru": "Картой на сайте", "en": "By card online"},
    "verify": {"ru": "4417", "en": "4417"},
    "ask_when": {"ru": "Пишет: операция отклонена банком", "en": "It says declined by the bank"},
    "confirm_contact": {"ru": "Да, актуальный", "en": "Yes, it is"},
}
TOPICS = {"delivery-question": "delivery", "refund": "refund", "card-blocked": "card_blocked"}
PATHS = {
    "delivery-question": (
        "greeting",
        "ask_order",
        "check_status",
        "give_date|resolve_delay",
        "confirm_contact",
        "offer_more_help",
    ),
    "refund": (
        "greeting",
        "empathy",
        "ask_reason",
        "ask_payment",
        "refund_defect|refund_return",
        "give_term",
        "offer_more_help",
    ),
    "card-blocked": (
        "greeting",
        "verify",
        "ask_when",
        "bank_block|retry_payment",
        "keep_order",
        "offer_more_help",
    ),
}
CORE = frozenset(
    {"give_date|resolve_delay", "refund_defect|refund_return", "bank_block|retry_payment"}
)


def _delivery_v1() -> str:
    """The delivery script as it was before the courier-contact step."""
    data = yaml.safe_load(example_text("delivery-question"))
    data["steps"] = [s for s in data["steps"] if s["id"] != "confirm_contact"]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _messages(
    rng: random.Random,
    name: str,
    language: str,
    cover: float,
    start: datetime,
    n: int,
    skip: frozenset[str],
) -> tuple[list[dict[str, Any]], set[str]]:
    lines = LINES[name]
    said: list[tuple[str, str, datetime]] = [
        ("customer", rng.choice(lines["open"][language]), start)
    ]
    covered: set[str] = set()
    at = start
    for step in PATHS[name]:
        if step in skip or (step not in CORE and rng.random() > cover):
            continue
        chosen = rng.choice(step.split("|")) if "|" in step else step
        at += timedelta(seconds=rng.randint(20, 90))
        said.append(("agent", rng.choice(lines[chosen][language]), at))
        covered.add(chosen)
        answer = ANSWERS.get(chosen)
        if answer:
            at += timedelta(seconds=rng.randint(15, 60))
            said.append(("customer", answer[language].format(n=n), at))
    at += timedelta(seconds=30)
    said.append(("customer", "Спасибо!" if language == "ru" else "Thanks!", at))
    out = [{"role": r, "text": t, "at": moment.isoformat() + "Z"} for r, t, moment in said]
    return out, covered


def script_demo_records(
    seed: int, start: datetime, days: int, count: int, *, skip: frozenset[str] = frozenset()
) -> Iterator[dict[str, Any]]:
    """Conversations on the scripts' topics over ``days`` from ``start``, with follow-ups.

    ``skip``: steps nobody covers (not in the script yet).
    """
    rng = random.Random(seed)
    for n in range(count):
        agent_id, agent_name, team, language, cover = rng.choice(AGENTS)
        name = rng.choices(("delivery-question", "refund", "card-blocked"), (5, 3, 2))[0]
        begin = start + timedelta(days=rng.uniform(0, days), hours=rng.uniform(0, 8))
        messages, covered = _messages(rng, name, language, cover, begin, 1000 + n, skip)
        customer = f"sc-{seed}-{n}"
        helped = "confirm_contact" in covered
        rating = 4 + (1 if helped else 0) + rng.choice((-2, -1, 0, 0, 1))
        record: dict[str, Any] = {
            "id": f"script-{seed}-{n}",
            "source": "demo-scripts",
            "channel": "chat",
            "direction": "inbound",
            "started_at": begin.isoformat() + "Z",
            "ended_at": messages[-1]["at"],
            "status": "resolved",
            "language": language,
            "topic": TOPICS[name],
            "agent_id": agent_id,
            "agent_name": agent_name,
            "team": team,
            "customer_id": customer,
            "customer_name": rng.choice(CUSTOMERS[language]),
            "messages": messages,
        }
        if rng.random() < 0.7:
            record["survey"] = {"csat": max(1, min(5, rating))}
        yield record
        again = 0.55 if name == "delivery-question" and not helped else 0.12
        if rng.random() < again:
            # The customer comes back (the courier could not reach them...): another
            # agent, another conversation, a poorer rating.
            later = begin + timedelta(days=rng.uniform(0.5, 3))
            other_id, other_name, other_team, _, other_cover = rng.choice(
                [a for a in AGENTS if a[3] == language]
            )
            again_messages, _ = _messages(rng, name, language, other_cover, later, 5000 + n, skip)
            yield {
                **record,
                "id": f"script-{seed}-{n}-again",
                "started_at": later.isoformat() + "Z",
                "ended_at": again_messages[-1]["at"],
                "agent_id": other_id,
                "agent_name": other_name,
                "team": other_team,
                "messages": again_messages,
                "survey": {"csat": rng.choice((2, 3, 3, 4))},
            }


def _import(
    engine: Engine, workspace: Workspace, records: list[dict[str, Any]], label: str
) -> None:
    with tempfile.TemporaryDirectory(prefix="kontrol-scripts-") as folder:
        path = Path(folder) / label
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        import_file(engine=engine, workspace=workspace, path=path, label=label)


def seed_scripts_demo(
    engine: Engine, workspace: Workspace, *, seed: int = 7, count: int = 260
) -> None:
    """The example scripts (delivery in two versions) and conversations that follow them."""
    now = utcnow().replace(microsecond=0)
    with engine.begin() as connection:
        save_script(
            connection,
            workspace.id,
            _delivery_v1(),
            source="delivery-question.yaml",
            note="Первая версия",
            author="qa",
        )
        install_examples(connection, workspace.id, author="qa")
        # Delivery exists already, so the examples leave it: its version 2 (the example
        # itself) comes after the first half of the conversations.
    half = count // 2
    first = list(
        script_demo_records(
            seed, now - timedelta(days=56), 27, half, skip=frozenset({"confirm_contact"})
        )
    )
    _import(engine, workspace, first, "scripts-v1.jsonl")
    with engine.begin() as connection:
        save_script(
            connection,
            workspace.id,
            example_text("delivery-question"),
            source="delivery-question.yaml",
            note="Добавлен шаг «Подтвердить способ связи»: курьер звонит за час",
            author="qa",
        )
    second = list(script_demo_records(seed + 1, now - timedelta(days=28), 27, count - half))
    _import(engine, workspace, second, "scripts-v2.jsonl")
