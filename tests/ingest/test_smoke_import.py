from pathlib import Path

from sqlalchemy import Engine, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.ingest.importing import import_file
from kontrol.store.tables import interactions, messages


def test_import_then_reimport_changes_nothing(
    engine: Engine, workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": "x1", "channel": "chat", "started_at": "2026-11-02T10:00:00+03:00",'
        ' "messages": [{"role": "customer", "text": "Привет"}]}\n',
        encoding="utf-8",
    )
    first = import_file(engine=engine, workspace=workspace, path=path)
    second = import_file(engine=engine, workspace=workspace, path=path)
    assert (first.imported, second.imported, second.unchanged) == (1, 0, 1)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(interactions)).scalar() == 1
        assert connection.execute(select(func.count()).select_from(messages)).scalar() == 1
