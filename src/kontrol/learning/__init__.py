"""Checks that learn from reviewers (docs/learning.md).

Every submitted manual evaluation is a label. For each scorecard criterion bound
to a check, a small text model per workspace learns the reviewers' pass/fail from
the workspace's own reviewed conversations, is measured against the rule on
reviews it never saw, and counts only where it beats the rule and a QA lead turns
it on. The "machine vs human" report puts rules, learned models and language-model
criteria side by side. Nothing here runs inside the rule engine: training and
prediction are jobs.
"""
