"""Service audits for the demo, made through the ordinary audit calls.

The QA lead ran two audits of the whole company on the shipped Russian template:
one two months ago and one at the end of the demo data, with two competitors
side by side, a photo of the intake procedure as evidence and comments on what
went wrong; Kontrol measured the figures it can. An English audit of the EN Desk
is in progress.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import Connection, Engine, func, select

from kontrol.accounts.access import Viewer
from kontrol.audits.conduct import (
    Audit,
    add_evidence,
    answers_of,
    complete_audit,
    create_audit,
    save_answer,
)
from kontrol.audits.templates import ensure_shipped_templates
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.settings import current_settings
from kontrol.store.tables import audits, interactions

COMPETITORS = ("СервисПлюс", "Быстрый ответ")

# The earlier audit: weaker everywhere it is judged by hand.
EARLIER: dict[str, str] = {
    "request_intake": "partly",
    "request_routing": "2",
    "offer_preparation": "2",
    "listening": "3",
    "product_knowledge": "2",
    "training": "no",
    "document_autofill": "no",
    "auto_reports": "partly",
    "crm_usage": "3",
    "telephony": "yes",
    "knowledge_base": "2",
}
# The latest audit, with what the auditor wrote down.
LATEST: dict[str, tuple[str, str]] = {
    "request_intake": (
        "partly",
        "В мессенджерах обращение не заводится в CRM до ответа оператора.",
    ),
    "request_routing": (
        "3",
        "При переводе на второй уровень клиент повторяет вопрос в 4 из 10 случаев.",
    ),
    "offer_preparation": (
        "3",
        "Расчёт готовят до двух дней; в двух КП из трёх нет срока действия.",
    ),
    "listening": ("4", ""),
    "product_knowledge": ("3", "На вопросы о рассрочке верно ответил один сотрудник из трёх."),
    "training": ("yes", "Аттестация по стандартам прошла в октябре, ведомость приложена."),
    "document_autofill": (
        "partly",
        "Паспортные данные распознаются, реквизиты карты вводятся вручную.",
    ),
    "auto_reports": ("yes", ""),
    "crm_usage": ("4", "1 из 10 обращений не найдено в CRM."),
    "telephony": ("yes", ""),
    "knowledge_base": ("3", "Две статьи из пяти устарели: прайс-лист прошлого квартала."),
}
# The competitor area: us, then each competitor.
SIDE_BY_SIDE: dict[str, tuple[str, str, str]] = {
    "comp_answer_speed": ("95", "40", "300"),
    "comp_politeness": ("4", "5", "3"),
    "comp_needs": ("4", "4", "2"),
    "comp_offer": ("3", "4", "2"),
    "comp_bot": ("partly", "yes", "no"),
    "comp_online": ("3", "5", "2"),
}


def _photo() -> bytes:
    """A small photo-like picture of the intake procedure on the wall (PNG)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (480, 320), (236, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 440, 290), fill=(255, 255, 255), outline=(120, 130, 150), width=3)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(current_settings().pdf_font, 18)
    except OSError:
        font = ImageFont.load_default()
    lines = [
        "Регламент приёма обращений",
        "1. Завести обращение в CRM",
        "2. Уточнить потребность",
        "3. Назвать срок ответа",
        "4. Перезвонить в обещанное время",
    ]
    for number, line in enumerate(lines):
        draw.text((60, 50 + number * 44), line, fill=(30, 35, 48), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _data_period(connection: Connection, workspace_id: int) -> tuple[date, date]:
    first, last = connection.execute(
        select(func.min(interactions.c.started_at), func.max(interactions.c.started_at)).where(
            interactions.c.workspace_id == workspace_id
        )
    ).one()
    if first is None or last is None:
        today = date.today()
        return today - timedelta(days=30), today
    return first.date(), last.date()


def _fallback(target: float | None, direction: str, share: float) -> str:
    """A hand-measured figure ``share`` of the way to the target (1: on target)."""
    if target is None:
        return "3"
    value = target * share if direction == "higher" else target / share
    return f"{round(value, 1):g}"


def _answer_all(
    connection: Connection,
    viewer: Viewer,
    audit: Audit,
    answers: dict[str, tuple[str, str]],
    *,
    share: float,
) -> None:
    given = answers_of(connection, audit.id)
    for item in audit.template.template.items:
        if item.area == "competitors":
            continue
        if item.key in answers:
            text, comment = answers[item.key]
            save_answer(
                connection, viewer, audit.id, item_key=item.key, answer=text, comment=comment
            )
        elif (item.key, "") in given and given[(item.key, "")].answer is None:
            # Kontrol had no figure: the auditor measured by hand.
            fallback = _fallback(item.target, item.direction, share)
            save_answer(connection, viewer, audit.id, item_key=item.key, answer=fallback)
    for key, (ours, *theirs) in SIDE_BY_SIDE.items():
        if audit.template.template.item(key) is None:
            continue
        save_answer(connection, viewer, audit.id, item_key=key, answer=ours)
        for subject, answer in zip(audit.competitors, theirs, strict=False):
            save_answer(connection, viewer, audit.id, item_key=key, subject=subject, answer=answer)


def seed_audits_demo(engine: Engine, workspace_id: int) -> int | None:
    """Two completed audits and one in progress; the latest completed audit's id."""
    with engine.begin() as connection:
        viewer = demo_viewer(connection, workspace_id, "qa")
        if viewer is None:
            return None
        exists = connection.execute(
            select(audits.c.id).where(audits.c.workspace_id == workspace_id).limit(1)
        ).first()
        if exists is not None:
            return None
        ensure_shipped_templates(connection, workspace_id)
        first, last = _data_period(connection, workspace_id)
        earlier = create_audit(
            connection,
            viewer,
            {
                "template": "service-audit-ru",
                "title": "Аудит сервиса, прошлый квартал",
                "scope_kind": "company",
                "period_from": (first - timedelta(days=90)).isoformat(),
                "period_to": (first - timedelta(days=60)).isoformat(),
                "held_on": (first - timedelta(days=58)).isoformat(),
                "competitors": "\n".join(COMPETITORS),
            },
        )
        earlier_answers = {key: (value, "") for key, value in EARLIER.items()}
        _answer_all(connection, viewer, earlier, earlier_answers, share=0.75)
        evidence_items = [i for i in earlier.template.template.items if i.evidence]
        photo = _photo()
        for item in evidence_items:
            add_evidence(
                connection, viewer, earlier.id, item_key=item.key, filename="photo.png", data=photo
            )
        complete_audit(connection, viewer, earlier.id, version=earlier.version)
        latest = create_audit(
            connection,
            viewer,
            {
                "template": "service-audit-ru",
                "title": "Аудит сервиса",
                "scope_kind": "company",
                "period_from": first.isoformat(),
                "period_to": last.isoformat(),
                "held_on": last.isoformat(),
                "competitors": "\n".join(COMPETITORS),
            },
        )
        _answer_all(connection, viewer, latest, LATEST, share=0.9)
        for item in latest.template.template.items:
            if item.evidence:
                name = "reglament-priema.png" if item.key == "request_intake" else f"{item.key}.png"
                add_evidence(
                    connection, viewer, latest.id, item_key=item.key, filename=name, data=photo
                )
        complete_audit(connection, viewer, latest.id, version=latest.version)
        english = demo_viewer(connection, workspace_id, "qa")
        assert english is not None
        draft = create_audit(
            connection,
            english,
            {
                "template": "service-audit-en",
                "title": "EN Desk service audit",
                "scope_kind": "team",
                "scope_value": "EN Desk",
                "period_from": first.isoformat(),
                "period_to": last.isoformat(),
                "held_on": last.isoformat(),
            },
        )
        save_answer(
            connection,
            english,
            draft.id,
            item_key="request_intake",
            answer="yes",
            comment="Every chat and e-mail opens a ticket at once.",
        )
        return latest.id
