"""Criteria that ask a language model (docs/judging.md).

A workspace admin sets an OpenAI-compatible endpoint; a QA lead writes criteria
(a question answered pass, fail or na) and attaches them to a scorecard's
manual criterion. After the rule checks have scored an interaction, a job asks
the model each criterion, verifies the quote it gives exists in the
transcript, caches the answer by content and keeps to a daily budget. Nothing
here runs inside the rule engine.
"""
