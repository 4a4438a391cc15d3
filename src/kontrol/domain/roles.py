"""Roles of the people who use Kontrol."""

from enum import StrEnum


class WorkspaceRole(StrEnum):
    """What a person is in one workspace."""

    ADMIN = "admin"
    QA_LEAD = "qa_lead"
    REVIEWER = "reviewer"
    TEAM_LEAD = "team_lead"
    AGENT = "agent"
    # People outside the service team's daily work, who see only their own part:
    SHOPPER = "shopper"  # a mystery shopper: their own assignments and submissions
    RECRUITER = "recruiter"  # hiring only: job profiles, candidates, interviews
