"""The Redis broker's middleware: a message goes through it without an error logged.

Once the broker had dramatiq's TimeLimit middleware and the actor no time limit:
every message logged "Unexpected failure in before_process_message" with a
TypeError (None / 1000) at CRITICAL level, noise that hid real trouble.
"""

from __future__ import annotations

import logging
import uuid

import dramatiq
import pytest
from dramatiq.broker import MessageProxy

from kontrol.jobs.backends import ACTOR_NAME, QUEUE_NAME, broker_for
from kontrol.settings import Settings


def test_a_message_passes_the_middleware_without_an_error_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(
        redis_url="redis://127.0.0.1:6379/0", redis_namespace=f"kontrol-mw-{uuid.uuid4().hex[:8]}"
    )
    broker = broker_for(settings)
    message = MessageProxy(
        dramatiq.Message(
            queue_name=QUEUE_NAME, actor_name=ACTOR_NAME, args=(1,), kwargs={}, options={}
        )
    )
    with caplog.at_level(logging.WARNING):
        broker.emit_before("process_message", message)
        broker.emit_after("process_message", message, result=None)
    assert [record.getMessage() for record in caplog.records] == []
