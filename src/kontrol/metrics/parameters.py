"""The v1 default parameters of the metric definitions (spec/METRICS.md)."""

from __future__ import annotations

from datetime import timedelta

# Service-level answer targets in seconds, per channel.
SLA_TARGET_SECONDS: dict[str, float] = {
    "call": 20.0,
    "chat": 60.0,
    "messenger": 300.0,
    "email": 4 * 3600.0,
    "social": 3600.0,
}

# Channels whose first response is a written message (FRT); calls have ASA instead.
TEXT_CHANNELS = frozenset({"chat", "email", "messenger", "social", "app"})

# Channels with a handle time.
HANDLE_TIME_CHANNELS = frozenset({"call", "chat", "messenger"})

# Abandonment is counted on these.
QUEUE_CHANNELS = frozenset({"call", "chat"})

# A later inbound contact of the same customer within this window breaks FCR.
REPEAT_WINDOW = timedelta(days=7)

# Evaluations below this score fail (when the evaluation does not say itself).
QA_PASS_MARK = 80.0
