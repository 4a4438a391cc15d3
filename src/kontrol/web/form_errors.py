"""A form's errors told all at once, each next to its field (``_form_errors.html``).

A page checks every field of a posted form, keeps each refusal under its field's
name, and hands :func:`field_texts` and :func:`field_labels` to the template: a
summary at the top (a link to each field) and a line next to each field.
"""

from __future__ import annotations

from collections.abc import Mapping

from kontrol.domain.errors import InvalidInput, KontrolError
from kontrol.web.render import Page


def field_texts(page: Page, problems: Mapping[str, KontrolError]) -> dict[str, str]:
    """What is wrong with each field, in the viewer's language, without the field's name."""
    texts: dict[str, str] = {}
    for field, error in problems.items():
        if error.key and error.where_key:
            error = InvalidInput(str(error), key=error.key, params=dict(error.params))
        texts[field] = page.says(error)
    return texts


def field_labels(page: Page, labels: Mapping[str, str]) -> dict[str, str]:
    """The fields named as the form labels them (``labels``: field -> catalogue key)."""
    return {field: page.t(key) for field, key in labels.items()}
