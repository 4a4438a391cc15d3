"""A loopback server in the shape of OpenAI's ``POST /v1/audio/transcriptions``.

It answers ``verbose_json`` with segments and word timings. The script it "hears"
is chosen by the length of the uploaded audio, so the left and right channels of
a test call get their own words; every request is recorded.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Heard:
    fields: dict[str, list[str]]
    filename: str
    audio: bytes
    authorization: str | None


@dataclass
class AsrServer:
    answer: Callable[[Heard], dict[str, Any]]
    status: int = 200
    requests: list[Heard] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> AsrServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:  # noqa: N802
                if self.path != "/v1/audio/transcriptions":
                    self.send_error(404)
                    return
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                message = BytesParser(policy=default).parse(
                    io.BytesIO(
                        b"Content-Type: "
                        + self.headers["Content-Type"].encode()
                        + b"\r\n\r\n"
                        + body
                    )
                )
                fields: dict[str, list[str]] = {}
                filename, audio = "", b""
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if part.get_filename():
                        filename = part.get_filename() or ""
                        audio = part.get_payload(decode=True) or b""
                    else:
                        fields.setdefault(str(name), []).append(part.get_content().strip())
                heard = Heard(fields, filename, audio, self.headers.get("Authorization"))
                owner.requests.append(heard)
                if owner.status != 200:
                    self.send_response(owner.status)
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "overloaded"}}')
                    return
                payload = json.dumps(owner.answer(heard)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def verbose_json(segments: list[tuple[float, float, str]], language: str = "ru") -> dict[str, Any]:
    """OpenAI's verbose_json: segments, and words spread evenly over each segment."""
    words = []
    for start, end, text in segments:
        parts = text.split()
        step = (end - start) / len(parts)
        for index, word in enumerate(parts):
            words.append(
                {"word": word, "start": round(start + index * step, 2),
                 "end": round(start + (index + 1) * step, 2)}
            )  # fmt: skip
    return {
        "task": "transcribe",
        "language": language,
        "duration": max(end for _, end, _ in segments),
        "text": " ".join(text for _, _, text in segments),
        "segments": [
            {
                "id": i,
                "seek": 0,
                "start": s,
                "end": e,
                "text": " " + t,
                "tokens": [],
                "temperature": 0.0,
                "avg_logprob": -0.2,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
            for i, (s, e, t) in enumerate(segments)
        ],  # fmt: skip
        "words": words,
    }
