"""The web import page with a help-desk export (issue 15, third walk-through, item 3): its
Russian headers are matched, the date and the time are joined, each transcript cell is
split into turns (the preview says so in words) and one that cannot be split is said so
and not failed by the checks of the agent's work."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kontrol.accounts.workspaces import Workspace
from kontrol.checks.scoring import score_interactions
from kontrol.jobs import run_due_jobs
from kontrol.store.tables import check_outcomes, evaluations, interactions, messages
from tests.factories import form_token, interaction_ids, log_in
from tests.ingest.test_import_page import _finished, _id_of, _upload
from tests.webapp import client, populated  # noqa: F401 - fixtures

EXPORT = (
    "№ обращения;Дата создания;Время;Канал;Имя клиента;Текст обращения\r\n"
    "h-1;24.11.2026;10:03;Чат;Мария;"
    '"[10:03] Клиент: Здравствуйте! Заказ не пришёл, это ужасно!!\n'
    "[10:04] Оператор Иван: Добрый день, Мария! Очень сочувствую, сейчас проверю.\n"
    "Номер заказа вижу.\n"
    "[10:06] Оператор Иван: Заказ придёт завтра до 18:00.\n"
    '[10:07] Клиент: Спасибо"\r\n'
    'h-2;24.11.2026;11:00;Чат;Олег;"Здравствуйте, Олег! Чем помочь?\nЗаказ не пришёл!!"\r\n'
    "h-3;24.11.2026;25:70;Чат;Анна;Клиент: Добрый день\r\n"
).encode("cp1251")


def _selected(step: str, field: str) -> str | None:
    """The column chosen for ``field`` on the mapping step, as the page has it."""
    select_html = step.split(f'name="map.{field}"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option value="([^"]*)" selected>', select_html)
    return found.group(1) if found else None


def test_a_help_desk_export_is_mapped_split_and_joined_on_the_import_page(
    client: TestClient,  # noqa: F811
    engine: Engine,
    populated: Workspace,  # noqa: F811
) -> None:
    log_in(client, "qa")
    answer = _upload(client, "Обращения.csv", EXPORT, content_type="text/csv")
    assert answer.status_code == 303 and answer.headers["location"].endswith("/columns")
    upload_id = _id_of(answer.headers["location"])
    step = client.get(f"/import/{upload_id}/columns").text
    chosen = {
        field: _selected(step, field)
        for field in ("id", "started_at", "started_time", "channel", "customer_name")
    }
    assert chosen == {
        "id": "№ обращения",
        "started_at": "Дата создания",
        "started_time": "Время",
        "channel": "Канал",
        "customer_name": "Имя клиента",
    }
    assert _selected(step, "message.text") == "Текст обращения"
    assert 'value="dmy_dots" selected' in step
    preview = step.split('id="mapping-preview"')[1]
    # The date and the time as one moment; the transcript in words; the bad time named.
    assert "<td>24.11.2026 10:03</td>" in preview
    assert "4 реплики: клиент — 2, оператор — 2; у каждой — время" in preview
    assert "«Время» (Время начала): 25:70 — такого времени нет" in preview
    # The rejected row shows the file's own cells («;» between them), its date and time marked.
    assert re.search(
        r'<td class="preview-rejected" data-field="started_at">24\.11\.2026 25:70<', preview
    )
    assert "<td>h-3</td>" in preview
    # The text with no speaker named: said above the rows, and under its cell.
    note = re.search(r'<p class="import-problem import-unsplit"[^>]*>(.*?)</p>', preview, re.S)
    assert note is not None
    assert "В строке файла 7 текст из нескольких строк не удалось разделить" in note.group(1)
    assert "«н/п», а не «нет»" in note.group(1)
    assert "не разделён на реплики" in preview
    assert "started_time" not in re.sub(r'(data-field|name)="[^"]*"', "", preview)

    form = {
        "csrf_token": form_token(client, f"/import/{upload_id}/columns"),
        "separator": "semicolon",
        "dates": "dmy_dots",
        **{f"map.{field}": column for field, column in chosen.items() if column},
        "map.message.text": "Текст обращения",
    }
    saved = client.post(f"/import/{upload_id}/columns", data=form, follow_redirects=False)
    assert saved.status_code == 303
    part = _finished(client, engine, upload_id)
    assert re.search(r'tile-value">2<', part)
    # The reject names the line, the file's column with the field, and why, in Russian.
    assert "«Время» (Время начала)" in part and "25:70 — такого времени нет" in part
    assert re.search(r">\s*9\s*<", part)

    with engine.connect() as connection:
        ids = interaction_ids(connection, populated)
        started = connection.execute(
            select(interactions.c.started_at).where(interactions.c.id == ids["h-1"])
        ).scalar_one()
        said = connection.execute(
            select(messages.c.role, messages.c.at)
            .where(messages.c.interaction_id == ids["h-1"])
            .order_by(messages.c.seq)
        ).all()
        whole = connection.execute(
            select(messages.c.role).where(messages.c.interaction_id == ids["h-2"])
        ).all()
    assert [role for role, _ in said] == ["customer", "agent", "agent", "customer"]
    assert [int((at - started).total_seconds()) for _, at in said] == [0, 60, 180, 240]
    assert [role for (role,) in whole] == ["customer"]

    run_due_jobs(engine)
    score_interactions(engine, populated.id, [ids["h-1"], ids["h-2"]])
    with engine.connect() as connection:
        verdicts = {
            row.interaction_id: row.verdicts
            for row in connection.execute(
                select(check_outcomes.c.interaction_id, check_outcomes.c.verdicts).where(
                    check_outcomes.c.interaction_id.in_([ids["h-1"], ids["h-2"]])
                )
            )
        }
        scores = (
            connection.execute(
                select(evaluations.c.score).where(evaluations.c.interaction_id == ids["h-2"])
            )
            .scalars()
            .all()
        )
    split, unsplit = verdicts[ids["h-1"]], verdicts[ids["h-2"]]
    assert split["customer_name"]["result"] == "pass" and split["empathy"]["result"] == "pass"
    # One customer message: no check of the agent's work fails, and no score of 0.
    assert {name: v["result"] for name, v in unsplit.items() if v["result"] == "fail"} == {}
    assert unsplit["customer_name"]["result"] == "na"
    assert 0 not in scores and 0.0 not in scores
