"""Typed rule parameters: the numbers a rule of some kind is tuned with.

Both rule systems check parameters the same way, so a bad value is refused
with the same words (``params.max: from 1 to 4, not 9``) wherever it is typed:
a form, a YAML file or the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kontrol.domain.errors import InvalidInput


@dataclass(frozen=True)
class Param:
    """A number a rule of some kind is tuned with (label: ``<feature>.param.<name>``)."""

    name: str
    default: float
    minimum: float
    maximum: float
    integer: bool = True

    def read(self, raw: object, *, where: str = "params") -> float:
        """``raw`` checked against the bounds (``None`` gives the default)."""
        if raw is None or raw == "":
            return self.default
        if isinstance(raw, bool):
            raise InvalidInput(
                f"{where}.{self.name}: a number",
                key="rules.error.number",
                params={"where": where, "name": self.name},
            )
        try:
            value = float(raw) if isinstance(raw, int | float | str) else float("nan")
        except ValueError:
            raise InvalidInput(
                f"{where}.{self.name}: a number, not {str(raw)[:20]!r}",
                key="rules.error.number_not",
                params={"where": where, "name": self.name, "raw": str(raw)[:20]},
            ) from None
        if value != value or not self.minimum <= value <= self.maximum:
            raise InvalidInput(
                f"{where}.{self.name}: from {self.minimum:g} to {self.maximum:g}, not {raw}",
                key="rules.error.range",
                params={
                    "where": where,
                    "name": self.name,
                    "minimum": self.minimum,
                    "maximum": self.maximum,
                    "raw": raw,
                },
            )
        if self.integer and value != int(value):
            raise InvalidInput(
                f"{where}.{self.name}: a whole number",
                key="rules.error.whole",
                params={"where": where, "name": self.name},
            )
        return int(value) if self.integer else value


def read_params(
    params: Sequence[Param], raw: Mapping[str, Any] | None, *, where: str = "params"
) -> dict[str, float]:
    """``raw`` checked against ``params``, defaults filled in; unknown names are refused."""
    raw = dict(raw or {})
    known = {param.name for param in params}
    unknown = sorted(set(raw) - known)
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"{where}.{unknown[0]}: unknown parameter (known: {names})",
            key="rules.error.unknown_param",
            params={"where": where, "unknown": unknown[0], "names": names},
        )
    return {param.name: param.read(raw.get(param.name), where=where) for param in params}


def stored_params(params: Sequence[Param], raw: Mapping[str, Any]) -> dict[str, float]:
    """The values of a stored rule; parameters added to a kind later get their default."""
    return {param.name: raw.get(param.name, param.default) for param in params}


def default_params(params: Sequence[Param]) -> dict[str, float]:
    """Every parameter at its default (what the form of a new rule starts from)."""
    return {param.name: param.default for param in params}


def form_params(params: Sequence[Param], form: Mapping[str, Any]) -> dict[str, str]:
    """The parameters as a rule form posts them (``param_<name>``), unchecked."""
    return {param.name: str(form.get(f"param_{param.name}") or "") for param in params}
