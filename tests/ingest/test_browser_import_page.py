"""A QA lead uploads a spreadsheet export in the browser, maps its columns and sees the summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.web.test_browser import _shot, browser, follow_menu, server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "server"]

SHEET = (
    "Номер обращения;Дата;Оператор;Вид связи;Оценка;Комментарий клиента;Филиал\n"
    "t-101;2026-11-24T09:30:00+03:00;a1;call;5;Быстро решили;Москва\n"
    "t-102;2026-11-24T10:05:00+03:00;a2;call;4;;Казань\n"
    "t-103;24.11.2026 11:00;a1;call;2;Долго ждал <b>ответа</b>;Москва\n"
    "t-104;2026-11-24T12:40:00+03:00;a3;call;5;Спасибо!;Самара\n"
).replace(";", ",")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_qa_lead_maps_a_spreadsheet_and_sees_the_summary(
    browser: Browser, server: str, backend: str, tmp_path: Path
) -> None:
    sheet = tmp_path / "Выгрузка звонков.csv"
    sheet.write_text(SHEET, encoding="utf-8-sig")
    page = sign_in(browser, server, "qa", width=1440, height=900)
    context = page.context
    follow_menu(page, "Загрузка файлов")
    expect(page.get_by_role("heading", name="Загрузка файлов")).to_be_visible()
    _shot(page, "import-page")

    page.get_by_label("Файл", exact=True).set_input_files(str(sheet))
    page.get_by_role("button", name="Загрузить и импортировать").click()
    expect(page.get_by_role("heading", name="Сопоставление столбцов")).to_be_visible()
    # Obvious columns are chosen already; the channel is not, so the rows are not valid yet.
    expect(page.get_by_label("Номер обращения")).to_have_value("Номер обращения")
    expect(page.get_by_label("Оператор (id)")).to_have_value("Оператор")
    preview = page.locator("#mapping-preview")
    # What is missing is named by its label, never by its code.
    expect(preview).to_contain_text("Канал: обязательное поле не заполнено")
    expect(preview).not_to_contain_text("channel")
    page.get_by_label("Канал", exact=True).select_option("Вид связи")
    expect(preview.locator("tbody tr").nth(0)).to_contain_text("в порядке")
    expect(preview).to_contain_text("Долго ждал <b>ответа</b>")  # shown as text, escaped
    # The row whose date cannot be read shows the file's cells, the date's marked with why.
    bad = preview.locator("td.preview-rejected")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("24.11.2026 11:00")
    expect(bad).to_contain_text("не в формате ISO-8601")
    expect(bad.locator("xpath=..")).to_contain_text("t-103")
    _shot(page, "import-columns")

    page.get_by_role("button", name="Импортировать").click()
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Импорт завершён")
    tiles = progress.locator(".tile-value")
    expect(tiles.nth(0)).to_have_text("3")
    expect(tiles.nth(3)).to_have_text("1")
    expect(progress.locator("table.rejects tbody tr")).to_have_count(1)
    # The reject names the file's column and the field's label, not `started_at`.
    expect(progress.locator("table.rejects")).to_contain_text("«Дата» (Дата и время начала)")
    expect(progress.locator("table.rejects")).not_to_contain_text("started_at")
    _shot(page, "import-summary")

    progress.get_by_role("link", name="Все ошибки этого импорта (1)").click()
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    # The list of every import names the field the same way, never `started_at`.
    page.goto(f"{server}/rejects")
    expect(page.locator("table.rejects")).to_contain_text("«Дата» (Дата и время начала)")
    expect(page.locator("table.rejects")).not_to_contain_text("started_at")
    page.goto(f"{server}/interactions?q=t-101")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    # A call row without a transcript is not failed by text checks: the list says why.
    expect(page.locator("table.list tbody tr .no-text")).to_have_text("нет текста разговора")
    page.locator("table.list tbody tr a").first.click()
    expect(page.locator("#no-text")).to_contain_text("нет текста разговора")
    expect(page.locator("#qa-score")).to_have_count(0)
    _shot(page, "import-call-without-text")
    context.close()


EXCEL_1251 = (
    "Номер обращения;Оператор;Дата;Канал;Текст\r\n"
    "e-1;Иванова Анна;24.11.2026 10:00;чат;Здравствуйте, заказ не пришёл\r\n"
    "e-2;Петров Пётр;32.13.2026 10:00;Звонок;Дата с опечаткой\r\n"
    "e-3;Иванова Анна;25.11.2026 12:00;факс;Канал, которого нет\r\n"
)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_russian_excel_csv_is_read_with_its_separator_and_encoding(
    browser: Browser, server: str, backend: str, tmp_path: Path
) -> None:
    sheet = tmp_path / "Выгрузка чатов.csv"
    sheet.write_bytes(EXCEL_1251.encode("cp1251"))
    page = sign_in(browser, server, "qa", width=390, height=844)
    context = page.context
    page.goto(f"{server}/import")
    page.get_by_label("Файл", exact=True).set_input_files(str(sheet))
    page.get_by_role("button", name="Загрузить и импортировать").click()
    expect(page.get_by_role("heading", name="Сопоставление столбцов")).to_be_visible()
    expect(page.get_by_label("Разделитель столбцов")).to_have_value("semicolon")
    expect(page.locator(".import-encoding")).to_contain_text("Windows-1251")
    expect(page.get_by_label("Имя оператора")).to_have_value("Оператор")
    expect(page.get_by_label("Как в файле записаны даты")).to_have_value("dmy_dots")
    preview = page.locator("#mapping-preview")
    expect(preview.locator(".channel-values")).to_contain_text("«чат» → Чат")
    expect(preview.locator(".channel-values")).to_contain_text("«факс» → не распознан")
    # A date that does not exist is said so; rows read the reader's way, not as codes.
    expect(preview).to_contain_text(
        "«Дата» (Дата и время начала): 32.13.2026 10:00 — такой даты нет"
    )
    first = preview.locator("tbody tr").nth(0)
    expect(first.locator("td").nth(2)).to_have_text("Чат")
    expect(first).to_contain_text("24.11.2026 10:00")
    expect(preview).not_to_contain_text("2026-11-24T10:00")
    expect(preview).not_to_contain_text("dmy_dots")
    # The page fits a phone: nothing wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    _shot(page, "import-columns-excel-phone")

    page.get_by_role("button", name="Импортировать").click()
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Импорт завершён")
    expect(progress.locator(".tile-value").nth(0)).to_have_text("1")
    # Issue 15: on a phone the tiles' labels read whole («Добавлено», not «Добавле»).
    labels = progress.locator(".import-tiles .tile > .muted")
    expect(labels).to_have_count(4)
    for index in range(4):
        label = labels.nth(index)
        assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), label.inner_text()
        tile = label.evaluate("e => e.parentElement.getBoundingClientRect().right")
        assert label.evaluate("e => e.getBoundingClientRect().right") <= tile
    _shot(page, "import-result-phone")
    rejects = progress.locator("table.rejects")
    expect(rejects.locator("tbody tr")).to_have_count(2)
    expect(rejects).to_contain_text("32.13.2026 10:00 — такой даты нет")
    expect(rejects).to_contain_text("неизвестный канал")
    context.close()


HELPDESK = (
    "№ обращения;Дата создания;Время;Канал;Имя клиента;Текст обращения\r\n"
    "h-1;24.11.2026;10:03;Чат;Мария;"
    '"[10:03] Клиент: Здравствуйте! Заказ не пришёл\n'
    "[10:04] Оператор Иван: Добрый день, Мария! Сейчас проверю.\n"
    '[10:06] Оператор Иван: Заказ придёт завтра до 18:00."\r\n'
    'h-2;24.11.2026;11:00;Чат;Олег;"Здравствуйте, Олег! Чем помочь?\nЗаказ не пришёл"\r\n'
    "h-3;24.11.2026;25:70;Чат;Анна;Клиент: Добрый день\r\n"
)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_help_desk_export_with_transcripts_in_cells_is_split_and_joined(
    browser: Browser, server: str, backend: str, tmp_path: Path
) -> None:
    """Issue 15 (third walk-through, item 3): «№ обращения», «Текст обращения», a date and a
    time in two columns and whole transcripts in cells, read as the preview says."""
    sheet = tmp_path / "Обращения.csv"
    sheet.write_bytes(HELPDESK.encode("cp1251"))
    page = sign_in(browser, server, "qa", width=1440, height=900)
    context = page.context
    page.goto(f"{server}/import")
    page.get_by_label("Файл", exact=True).set_input_files(str(sheet))
    page.get_by_role("button", name="Загрузить и импортировать").click()
    expect(page.get_by_role("heading", name="Сопоставление столбцов")).to_be_visible()
    expect(page.get_by_label("Номер обращения")).to_have_value("№ обращения")
    expect(page.get_by_label("Дата и время начала")).to_have_value("Дата создания")
    expect(page.get_by_label("Время начала", exact=True)).to_have_value("Время")
    expect(page.get_by_label("Текст реплики")).to_have_value("Текст обращения")
    preview = page.locator("#mapping-preview")
    first = preview.locator("tbody tr").nth(0)
    expect(first).to_contain_text("24.11.2026 10:03")
    expect(first.locator(".preview-turns")).to_have_text(
        "3 реплики: клиент — 1, оператор — 2; у каждой — время"
    )
    note = preview.locator(".import-unsplit")
    expect(note).to_contain_text("В строке файла 5 текст из нескольких строк не удалось")
    expect(note).to_contain_text("одной репликой клиента")
    expect(preview).to_contain_text("«Время» (Время начала): 25:70 — такого времени нет")
    # The rejected row shows the file's cells (a «;» file too), its date and time marked.
    bad = preview.locator("td.preview-rejected")
    expect(bad).to_have_count(1)
    expect(bad).to_contain_text("24.11.2026 25:70")
    expect(bad.locator("xpath=..").locator("td").nth(1)).to_have_text("h-3")
    # Saying the text is the agent's changes what the note says will become of it.
    page.locator('select[name="fixed.message.role"]').select_option("agent")
    expect(note).to_contain_text("одной репликой оператора")
    page.locator('select[name="fixed.message.role"]').select_option("alternate")
    expect(note).to_contain_text("одной репликой клиента")
    _shot(page, "import-columns-transcripts")

    page.get_by_role("button", name="Импортировать").click()
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Импорт завершён")
    expect(progress.locator(".tile-value").nth(0)).to_have_text("2")
    rejects = progress.locator("table.rejects")
    expect(rejects.locator("tbody tr")).to_have_count(1)
    expect(rejects).to_contain_text("«Время» (Время начала)")
    expect(rejects).to_contain_text("25:70 — такого времени нет")
    context.close()
