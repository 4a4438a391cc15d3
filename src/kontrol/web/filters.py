"""The interaction filters as query parameters, shared by the list page and the API.

The parameters are declared once (:class:`~kontrol.interactions.filters.FilterParameters`);
a route takes them all with one ``InteractionQuery`` argument.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from kontrol.interactions.filters import FilterParameters, read_date

__all__ = ["InteractionQuery", "read_date"]

InteractionQuery = Annotated[FilterParameters, Query()]
