"""Roles of the people who use Kontrol."""

from enum import StrEnum


class WorkspaceRole(StrEnum):
    """What a person is in one workspace."""

    ADMIN = "admin"
    QA_LEAD = "qa_lead"
    REVIEWER = "reviewer"
    TEAM_LEAD = "team_lead"
    AGENT = "agent"
