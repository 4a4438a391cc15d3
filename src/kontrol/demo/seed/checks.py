"""The demo workspace's checks: its upsell and jargon phrase lists and the default scorecards."""

from __future__ import annotations

from sqlalchemy import Engine

from kontrol.checks.check_settings import save_phrase_override
from kontrol.checks.scorecards import ensure_default_scorecards

DEMO_LISTS = {
    ("ru", "upsell"): "# Демо: что магазин «Кварта» предлагает дополнительно\n"
    "расширенную гарантию\nКварта Плюс\nскидка на аксессуары\n",
    ("en", "upsell"): "# Demo: what the Kvarta shop offers on top\n"
    "extended warranty\nKvarta Plus\ndiscount on accessories\n",
    ("ru", "jargon"): "# Демо: внутренние слова\nтикет\nэскалация\nбэкофис\nSLA\n",
    ("en", "jargon"): "# Demo: internal words\nticket escalation\nback office\nSLA\n",
}


def set_up_demo_checks(engine: Engine, workspace_id: int) -> None:
    """The demo workspace's upsell and jargon lists, before the demo data is scored."""
    with engine.begin() as connection:
        ensure_default_scorecards(connection, workspace_id)
        for (language, list_name), phrases in DEMO_LISTS.items():
            save_phrase_override(
                connection,
                workspace_id,
                language=language,
                list_name=list_name,
                mode="extend",
                phrases=phrases,
            )
