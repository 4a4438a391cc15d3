"""The closed vocabularies of the interchange format (spec/FORMAT.md)."""

from enum import StrEnum


class Channel(StrEnum):
    """Where a contact happened."""

    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"
    MESSENGER = "messenger"
    SOCIAL = "social"
    APP = "app"
    SELF_SERVICE = "self_service"
    VISIT = "visit"


class Direction(StrEnum):
    """Who started the contact."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Status(StrEnum):
    """How the contact ended."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    ABANDONED = "abandoned"
    TRANSFERRED = "transferred"


class Role(StrEnum):
    """Who wrote or said a message."""

    AGENT = "agent"
    CUSTOMER = "customer"
    BOT = "bot"
    SYSTEM = "system"


class RecordKind(StrEnum):
    """The four kinds of record a file may carry."""

    INTERACTION = "interaction"
    SURVEY = "survey"
    AGENT = "agent"
    ORDER = "order"


COMPLAINT_TAG = "complaint"
