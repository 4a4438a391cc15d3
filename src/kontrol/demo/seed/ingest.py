"""The demo workspace's ingest API traffic: a helpdesk key that pushed today's chats."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from kontrol.accounts.apikeys import (
    authenticate_key,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from kontrol.accounts.workspaces import Workspace
from kontrol.domain.clock import utcnow
from kontrol.ingest.pushes import ingest


def create_demo_api_traffic(engine: Engine, workspace: Workspace) -> None:
    """Demo: a helpdesk key that pushed today's chats (one of them bad), a revoked key.

    The keys' secrets are thrown away: a demo has no usable API key (make one
    on the API keys page).
    """
    with engine.begin() as connection:
        if list_api_keys(connection, workspace):
            return
        made = create_api_key(connection, workspace=workspace, name="helpdesk", created_by="admin")
        old = create_api_key(
            connection, workspace=workspace, name="old-telephony", created_by="admin"
        ).key
        revoke_api_key(connection, old)
    now = utcnow().replace(microsecond=0)

    def chat(number: int, minutes_ago: int, customer: str, agent_text: str) -> dict[str, Any]:
        started = (now - timedelta(minutes=minutes_ago)).isoformat() + "Z"
        return {
            "source": "helpdesk",
            "id": f"HD-{number}",
            "channel": "chat",
            "started_at": started,
            "agent_id": "a01",
            "customer_id": f"hd-c{number}",
            "topic": "delivery",
            "messages": [
                {"role": "customer", "text": customer, "at": started},
                {"role": "agent", "text": agent_text, "at": started},
            ],
        }

    batch = [
        chat(
            70412,
            35,
            "Добрый день! Курьер не приехал в назначенное время.",
            "Здравствуйте! Приношу извинения, уже уточняю у службы доставки.",
        ),
        chat(
            70413,
            20,
            "Можно перенести доставку на завтра?",
            "Да, конечно. Перенесла на завтра с 10 до 14, подтверждение придёт в SMS.",
        ),
        # A record the helpdesk sent with a channel Kontrol does not know: kept as a reject.
        {**chat(70414, 5, "Алло?", "Слушаю вас."), "channel": "pager"},
    ]
    with engine.begin() as connection:
        helpdesk = authenticate_key(connection, made.secret)
    assert helpdesk is not None
    ingest(
        engine=engine,
        key=helpdesk,
        endpoint="interactions",
        body=json.dumps(batch, ensure_ascii=False).encode(),
        idempotency_key="demo-batch-1",
        wait=True,
    )
