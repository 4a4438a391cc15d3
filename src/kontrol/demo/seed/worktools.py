"""CRM deals, tickets and tasks for the demo workspace, some agents sloppier than others.

Each item has a timeline (created, fields filled in, status changes, closed with
or without a resolution note, due time). The demo imports the state of every
item as it was each week of the last eight through the ordinary import path and
checks the rules at that moment, so the weekly trend and the "fixed" history
are real: Line 1's newcomer and its rude agent improve after coaching, the slow
agents keep letting tasks go overdue, the vague one closes without a note.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.demo.dice import Dice
from kontrol.demo.people import AGENTS, EN_FIRST, EN_LAST, RU_FIRST, RU_LAST, Agent
from kontrol.domain.clock import utcnow
from kontrol.ingest.importing import import_file
from kontrol.store.tables import work_items
from kontrol.worktools.evaluation import check_work_items

ITEMS_PER_AGENT = 30
WEEKS = 8
# How sloppy each agent is (the chance of each kind of lapse), and how much of it
# is left after the coaching three weeks ago.
SLOPPINESS: dict[str, tuple[float, float]] = {
    "a01": (0.03, 1.0),
    "a02": (0.08, 1.0),
    "a03": (0.30, 0.4),
    "a04": (0.40, 0.35),
    "a05": (0.07, 1.0),
    "a06": (0.30, 1.0),
    "a07": (0.25, 1.0),
    "a08": (0.03, 1.0),
    "a09": (0.28, 1.0),
    "a10": (0.18, 1.0),
}
COACHED_DAYS_AGO = 21

RU_TITLES = {
    "deal": ("Подключение тарифа «Бизнес»", "Годовой контракт на доставку", "Расширение договора",
             "Поставка оборудования", "Продление подписки"),
    "ticket": ("Не пришёл заказ", "Возврат средств", "Ошибка в счёте", "Смена адреса доставки",
               "Жалоба на курьера"),
    "task": ("Перезвонить клиенту", "Рассчитать стоимость", "Отправить коммерческое предложение",
             "Уточнить наличие на складе", "Согласовать дату доставки"),
}  # fmt: skip
EN_TITLES = {
    "deal": ("Business plan upgrade", "Annual delivery contract", "Contract extension",
             "Equipment supply", "Subscription renewal"),
    "ticket": ("Order not delivered", "Refund request", "Invoice error", "Change of address",
               "Complaint about the courier"),
    "task": ("Call the customer back", "Calculate the price", "Send the quote",
             "Check the stock", "Agree the delivery date"),
}  # fmt: skip
RU_NOTES = (
    "Клиент подтвердил, вопрос решён",
    "Возврат оформлен, клиент уведомлён",
    "Договор подписан, счёт выставлен",
    "Перезвонили, расчёт отправлен на почту",
)
EN_NOTES = ("Customer confirmed, issue solved", "Refund issued, customer notified",
            "Contract signed, invoice sent", "Called back, quote e-mailed")  # fmt: skip
CATEGORIES = ("delivery", "billing", "refund", "product")
STEPS_RU = ("Встреча с закупками", "Отправить договор", "Демонстрация", "Ждём бюджет")
STEPS_EN = ("Meeting with purchasing", "Send the contract", "Demo", "Waiting for budget")


@dataclass
class Timeline:
    """How one item lives: what it looks like at any moment is derived from this."""

    id: str
    type: str
    agent: Agent
    title: str
    customer: dict[str, str]
    created: datetime
    due: datetime | None
    filled: datetime | None  # required fields filled in (None: never)
    closed: datetime | None
    note: str
    progress: list[tuple[datetime, str]] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def at(self, moment: datetime) -> dict[str, Any] | None:
        """The ``work_item`` record as the CRM showed it at ``moment`` (None before it
        existed)."""
        if self.created > moment:
            return None
        history = [(at, status) for at, status in self.progress if at <= moment]
        closed = self.closed is not None and self.closed <= moment
        if closed:
            assert self.closed is not None
            history.append((self.closed, "closed"))
        status = history[-1][1]
        updated = max(at for at, _ in history)
        filled = self.filled is not None and self.filled <= moment
        if filled:
            assert self.filled is not None
            updated = max(updated, self.filled)
        record: dict[str, Any] = {
            "kind": "work_item",
            "id": self.id,
            "source": "crm",
            "type": self.type,
            "title": self.title,
            "owner_id": self.agent.id,
            "owner_name": self.agent.name,
            "team": self.agent.team,
            "status": status,
            "created_at": _iso(self.created),
            "updated_at": _iso(updated),
            "status_history": [{"status": s, "at": _iso(at)} for at, s in history],
            "customer_id": self.customer["id"],
            "customer_name": self.customer["name"],
            "customer_email": self.customer["email"],
        }
        if filled or self.type != "deal":
            record["customer_phone"] = self.customer["phone"]
        if filled:
            record["fields"] = dict(self.fields)
        if self.due is not None:
            record["due_at"] = _iso(self.due)
        if closed:
            assert self.closed is not None
            record["closed_at"] = _iso(self.closed)
            if self.note:
                record["resolution"] = self.note
        return record


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "+00:00"


def _customer(dice: Dice, agent: Agent, number: int) -> dict[str, str]:
    if agent.lang == "ru":
        first, female, latin = dice.pick(RU_FIRST)
        last = dice.pick(RU_LAST)
        name = f"{first} {last[1] if female else last[0]}"
        handle = f"{latin}.{last[2]}"
        domain = dice.pick(("mail.ru", "yandex.ru", "gmail.com"))
    else:
        first, _, latin = dice.pick(EN_FIRST)
        last_name = dice.pick(EN_LAST)
        name = f"{first} {last_name}"
        handle = f"{latin}.{last_name.lower()}"
        domain = dice.pick(("gmail.com", "outlook.com"))
    phone = f"+7 9{dice.between(10, 99)} {dice.between(100, 999)}-{dice.between(10, 99)}-" + str(
        dice.between(10, 99)
    )
    return {
        "id": f"cust-{number:05d}",
        "name": name,
        "phone": phone,
        "email": f"{handle}{number % 97}@{domain}",
    }


def demo_timelines(now: datetime, *, seed: int = 7) -> list[Timeline]:
    """Every demo item's timeline, created over the last ``WEEKS`` weeks."""
    dice = Dice(seed)
    timelines: list[Timeline] = []
    customers: list[dict[str, str]] = []
    serial = 0
    for agent in AGENTS:
        base, after = SLOPPINESS.get(agent.id, (0.1, 1.0))
        titles = RU_TITLES if agent.lang == "ru" else EN_TITLES
        notes = RU_NOTES if agent.lang == "ru" else EN_NOTES
        for _ in range(ITEMS_PER_AGENT):
            serial += 1
            created = now - timedelta(days=WEEKS * 7 * dice.random(), hours=dice.random() * 8)
            coached = now - created < timedelta(days=COACHED_DAYS_AGO)
            sloppy = base * (after if coached else 1.0)
            kind = dice.pick(("deal", "ticket", "task", "task"))
            if customers and dice.random() < 0.25:
                customer = dict(dice.pick(customers))
                if dice.random() < sloppy:
                    # Not found in the CRM: entered again under a new id.
                    customer = {**customer, "id": f"cust-{10_000 + serial:05d}"}
            else:
                customer = _customer(dice, agent, serial)
                customers.append(customer)
            span = {"deal": 14, "ticket": 3, "task": 2}[kind]
            due = created + timedelta(days=span * (0.5 + dice.random())) if kind != "deal" else None
            late = dice.random() < sloppy
            duration = timedelta(
                days=span * (1.5 + dice.random() * 2 if late else 0.3 + dice.random() * 0.6)
            )
            closed: datetime | None = created + duration
            assert closed is not None
            if closed > now:
                closed = None
            progress = [(created, "new")]
            worked = created + timedelta(hours=2 + dice.random() * 20)
            if dice.random() < sloppy * 1.5:
                worked = created + duration * 0.9  # left in "new" for most of its life
            if worked < now:
                progress.append((worked, "in_progress" if kind != "deal" else "negotiation"))
            filled: datetime | None = created + timedelta(hours=dice.random() * 4)
            if dice.random() < sloppy * 1.2:
                filled = None if dice.random() < 0.5 else created + duration * 0.8
            note = "" if dice.random() < sloppy else dice.pick(notes)
            fields: dict[str, Any] = {}
            if kind == "deal":
                steps = STEPS_RU if agent.lang == "ru" else STEPS_EN
                fields = {"amount": 1000 * dice.between(20, 900), "next_step": dice.pick(steps)}
            elif kind == "ticket":
                fields = {"category": dice.pick(CATEGORIES)}
            timelines.append(
                Timeline(
                    id=f"{kind}-{serial:04d}",
                    type=kind,
                    agent=agent,
                    title=dice.pick(titles[kind]),
                    customer=customer,
                    created=created,
                    due=due,
                    filled=filled,
                    closed=closed,
                    note=note,
                    progress=progress,
                    fields=fields,
                )
            )
    return timelines


def seed_worktools_demo(engine: Engine, workspace: Workspace) -> int:
    """Import the demo CRM week by week, checking the rules each week; how many items."""
    with engine.connect() as connection:
        if connection.execute(
            select(work_items.c.id).where(work_items.c.workspace_id == workspace.id).limit(1)
        ).first():
            return 0
    now = utcnow()
    timelines = demo_timelines(now)
    moments = [now - timedelta(days=7 * back) for back in range(WEEKS - 1, 0, -1)] + [now]
    with tempfile.TemporaryDirectory(prefix="kontrol-crm-") as folder:
        for step, moment in enumerate(moments):
            records = [record for t in timelines if (record := t.at(moment)) is not None]
            path = Path(folder) / f"crm-{step}.jsonl"
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
            )
            # Checked here, at the moment the state belongs to, not by the import.
            import_file(
                engine=engine,
                workspace=workspace,
                path=path,
                label="crm-demo.jsonl",
                publish_events=lambda events: None,
            )
            with engine.begin() as connection:
                check_work_items(connection, workspace.id, now=moment)
    return len(timelines)
