"""Work-tool quality: hygiene of CRM deals, tickets and tasks (docs/work-tools.md).

Work items arrive through ingest (the ``work_item`` record kind); hygiene rules
(:mod:`.rules`, kinds in :mod:`.kinds`) are data; :mod:`.evaluation` finds and
keeps the violations after each import and on a recurring job; :mod:`.scores`
turns them into scores per owner and team, weekly trends and the drill-down;
:mod:`.metric` offers the score as the metric ``work_hygiene``.
"""
