"""Agents and teams chosen by name in forms that store their ids (issue 15, item 8).

A form field that takes an agent's external id or a team shows a name picker
(``templates/_picker.html``): the person types part of a name, the browser
offers the matching names of a ``<datalist>``, and ``static/picker.js`` puts
the chosen one's id in the hidden field the form sends. The lists hold only
the agents and teams the viewer may see (``agent_scope``), read once per page
and only when the page has a picker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import agent_scope
from kontrol.store.tables import agents


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a picker: the id the form sends, the name a person reads, a hint."""

    id: str
    label: str
    hint: str


@dataclass
class Pickers:
    """The choices of the name pickers of one page, in ``viewer``'s reach."""

    connection: Connection
    viewer: Viewer
    _names: dict[str, str] = field(default_factory=dict)

    @cached_property
    def agents(self) -> list[Choice]:
        """The agents the viewer may see, by name; a name two agents share names their id."""
        rows = self.connection.execute(
            select(agents.c.external_id, agents.c.name, agents.c.team)
            .where(agents.c.workspace_id == self.viewer.workspace.id, agent_scope(self.viewer))
            .order_by(agents.c.name, agents.c.external_id)
            .limit(5000)
        ).all()
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.name or row.external_id] = counts.get(row.name or row.external_id, 0) + 1
        found = []
        for row in rows:
            name = row.name or row.external_id
            label = f"{name} ({row.external_id})" if counts[name] > 1 else name
            found.append(Choice(row.external_id, label, row.team or ""))
        return found

    @cached_property
    def teams(self) -> list[Choice]:
        """The teams of the agents the viewer may see."""
        names = sorted({choice.hint for choice in self.agents if choice.hint})
        return [Choice(name, name, "") for name in names]

    def agent_label(self, external_id: str | None) -> str:
        """The name shown for an agent id already in a form (the id itself when unknown)."""
        if not external_id:
            return ""
        if not self._names:
            self._names.update((choice.id, choice.label) for choice in self.agents)
        return self._names.get(external_id, external_id)
