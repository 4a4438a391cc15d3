"""Writing one row of the people feature and getting its id back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Insert


def insert_row(connection: Connection, statement: Insert) -> int:
    """Run ``statement`` (an insert of one row) and return the new row's id."""
    key: Any = connection.execute(statement).inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an id column
        raise RuntimeError("the insert returned no id")
    return int(key[0])
