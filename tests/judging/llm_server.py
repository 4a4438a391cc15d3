"""A loopback server in the shape of OpenAI's ``POST /v1/chat/completions``.

Each request's JSON body is recorded. What it answers comes from ``script``
(one reply per request, in order) and then from ``answer``: a reply is the
message content to send back, an HTTP status to fail with, or a pause longer
than the client waits.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Fail:
    status: int
    message: str = "overloaded"


@dataclass(frozen=True)
class Pause:
    seconds: float


Reply = str | Fail | Pause


def verdict(verdict: str, reason: str, quote: str) -> str:
    """A model's message content as the prompt asks for it."""
    return json.dumps({"verdict": verdict, "reason": reason, "quote": quote}, ensure_ascii=False)


@dataclass
class ChatServer:
    answer: Callable[[dict[str, Any]], Reply]
    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    authorization: list[str | None] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def _reply(self, body: dict[str, Any]) -> Reply:
        return self.script.pop(0) if self.script else self.answer(body)

    def start(self) -> ChatServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                body = json.loads(raw)
                owner.raw.append(raw)
                owner.requests.append(body)
                owner.authorization.append(self.headers.get("Authorization"))
                reply = owner._reply(body)
                if isinstance(reply, Pause):
                    time.sleep(reply.seconds)
                    reply = owner.answer(body)
                if isinstance(reply, Fail):
                    self._send(reply.status, {"error": {"message": reply.message}})
                    return
                assert isinstance(reply, str)
                self._send(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": reply},
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
