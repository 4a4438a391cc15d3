"""Report kinds: what a built-in report counts and shows, registered by id.

Built-in kinds (``reports/builtin.py``) are named in the ``kontrol.report_kinds``
entry-point group exactly as another package's would be (audits, mystery
shopping and staff add theirs the same way): subclass :class:`ReportKind`,
decorate it with ``@REPORT_KINDS.register("id")`` (or ``@report_kind``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.domain.periods import Period
from kontrol.metrics.date_ranges import DateRange
from kontrol.plugins import Registry
from kontrol.reports.content import ReportContent


@dataclass(frozen=True)
class BuildRequest:
    """What a kind builds a report from.

    ``viewer``: the report's owner; the numbers are the ones the owner's
    dashboard shows (a team lead's report counts their team only).
    """

    connection: Connection
    viewer: Viewer
    dates: DateRange
    period: Period
    params: Mapping[str, str]
    locale: str
    now: datetime


class ReportKind(ABC):
    """Base of every built-in report."""

    id: ClassVar[str]
    # The period a scheduled run covers by default: the last complete one.
    period: ClassVar[Period] = Period.WEEK
    # The parameters the kind reads (filters): team, channel, agent.
    params: ClassVar[tuple[str, ...]] = ("team", "channel")
    # Parameters that must be given.
    required: ClassVar[tuple[str, ...]] = ()

    @property
    def label_key(self) -> str:
        """The catalogue key of the kind's name."""
        return f"reports.kind.{self.id}"

    @abstractmethod
    def build(self, request: BuildRequest) -> ReportContent:
        """The report's content for ``request``."""


REPORT_KINDS: Registry[type[ReportKind]] = Registry("report kind", group="kontrol.report_kinds")


def report_kind(cls: type[ReportKind]) -> type[ReportKind]:
    """Class decorator: make a report kind available under its ``id``."""
    return REPORT_KINDS.add(cls.id, cls)


def get_kind(kind_id: str) -> ReportKind:
    """The kind ``kind_id`` (``UnknownPlugin`` names the known ones)."""
    return REPORT_KINDS.get(kind_id)()
