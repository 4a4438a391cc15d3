"""People: competencies, training from what QA finds, the agent's competency profile."""
