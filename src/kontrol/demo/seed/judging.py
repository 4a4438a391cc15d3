"""The demo's language-model criteria: written and in shadow mode, with no endpoint.

The demo reaches no model: an admin who has one (a local Ollama, say) sets it on
/judging, and the criteria are asked about the conversations scored from then on
(or at once with ``kontrol judging ask``).
"""

from __future__ import annotations

from sqlalchemy import Engine

from kontrol.judging.criteria import import_criteria_yaml, list_criteria

DEMO_CRITERIA = """criteria:
  - name: solved-ru
    title: Решил вопрос клиента (модель)
    question: >-
      Did the agent solve the customer's problem in this conversation, or give a clear,
      specific next step with a time? Answer na if the customer asked nothing.
    scorecard: default-ru
    criterion: solution_correct
    shadow: true
  - name: solved-en
    title: Solved the customer's problem (model)
    question: >-
      Did the agent solve the customer's problem in this conversation, or give a clear,
      specific next step with a time? Answer na if the customer asked nothing.
    scorecard: default-en
    criterion: solution_correct
    shadow: true
  - name: no-false-promises
    title: Не обещал того, что не может выполнить
    question: >-
      Did the agent avoid promising anything the conversation shows they cannot
      guarantee (a refund, a discount, an exact delivery time they do not control)?
    shadow: true
"""


def seed_judging_demo(engine: Engine, workspace_id: int) -> int:
    """Write the demo criteria once; how many the workspace has."""
    with engine.begin() as connection:
        if not list_criteria(connection, workspace_id):
            import_criteria_yaml(connection, workspace_id, DEMO_CRITERIA, user_id=None)
        return len(list_criteria(connection, workspace_id))
