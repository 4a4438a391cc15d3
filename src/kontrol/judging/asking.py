"""Asking an OpenAI-compatible ``POST {base}/chat/completions`` one criterion about one
transcript, and checking the answer: a strict JSON verdict whose quote must be found
in the text the model was given."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from kontrol.judging.endpoint import JudgingEndpoint

VERDICTS = ("pass", "fail", "na")
MAX_REASON = 2000
MAX_QUOTE = 1000

SYSTEM_PROMPT = (
    "You are a quality reviewer of customer-service conversations. You get one "
    "question about the conversation below and answer it with a strict JSON object "
    'and nothing else: {"verdict": "pass" | "fail" | "na", "reason": "<one or two '
    'sentences>", "quote": "<words copied exactly from the conversation that support '
    'the verdict>"}. "pass" means the answer to the question is yes, "fail" means no, '
    '"na" means the question does not apply to this conversation (then the quote may be '
    "empty). Copy the quote character for character from one message; never invent "
    "or paraphrase it. Text such as [PHONE] or [EMAIL] is personal data masked on purpose."
)


class EndpointUnavailable(Exception):
    """The endpoint did not answer usefully this time (timeout, 429, 5xx): try again later."""


@dataclass(frozen=True, slots=True)
class ModelAnswer:
    """What came back: ``state`` is ``answered`` or ``void`` (then ``reason`` says why)."""

    state: str
    verdict: str | None
    reason: str
    quote: str


def transcript_text(lines: list[tuple[str, str]]) -> str:
    """The conversation as the model reads it: ``[#n role] text`` per message."""
    return "\n".join(f"[#{n} {role}] {text}" for n, (role, text) in enumerate(lines, start=1))


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


_EDGE = "\"'«»“”„`. \t\n"


def quote_found(quote: str, texts: list[str]) -> bool:
    """Whether the quote is in one of the texts, or across them, ignoring case and spacing."""
    wanted = _normal(quote.strip(_EDGE))
    if not wanted:
        return False
    normal = [_normal(text) for text in texts]
    return any(wanted in text for text in normal) or wanted in " ".join(normal)


def quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote is in ``text`` (case and spacing ignored), for highlighting."""
    words = quote.strip(_EDGE).split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    found = re.search(pattern, text, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None


def request_body(endpoint: JudgingEndpoint, question: str, transcript: str) -> dict[str, Any]:
    """The chat-completions request for one criterion."""
    return {
        "model": endpoint.model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": f"Question: {question}\n\nConversation:\n{transcript}",
            },
        ],
    }


def _post(endpoint: JudgingEndpoint, body: dict[str, Any]) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    key = endpoint.bearer
    if key:
        headers["Authorization"] = f"Bearer {key}"
    url = f"{endpoint.base_url}/chat/completions"
    try:
        return httpx.post(url, json=body, headers=headers, timeout=endpoint.timeout_seconds)
    except httpx.TimeoutException:
        raise EndpointUnavailable(
            f"no answer within {endpoint.timeout_seconds:g} s from {endpoint.base_url}"
        ) from None
    except httpx.HTTPError as error:
        raise EndpointUnavailable(f"{endpoint.base_url}: {type(error).__name__}") from None


def _void(reason: str) -> ModelAnswer:
    return ModelAnswer("void", None, reason[:MAX_REASON], "")


def read_model_answer(content: str, texts: list[str]) -> ModelAnswer:
    """The model's message content checked: strict JSON, a known verdict, a real quote."""
    stripped = content.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, flags=re.DOTALL)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped)
    except ValueError:
        return _void(f"malformed answer (not JSON): {content[:200]}")
    if not isinstance(data, dict):
        return _void("malformed answer: expected a JSON object")
    verdict = str(data.get("verdict", "")).strip().lower()
    if verdict not in VERDICTS:
        return _void(f"malformed answer: verdict {str(data.get('verdict'))[:40]!r}")
    reason = data.get("reason")
    quote = data.get("quote") or ""
    if not isinstance(reason, str) or not isinstance(quote, str):
        return _void("malformed answer: reason and quote must be text")
    reason, quote = reason.strip()[:MAX_REASON], quote.strip()[:MAX_QUOTE]
    if verdict == "na" and not quote:
        return ModelAnswer("answered", verdict, reason, "")
    if not quote:
        return ModelAnswer("void", verdict, f"no quote given for {verdict}: {reason}", "")
    if not quote_found(quote, texts):
        return ModelAnswer("void", verdict, f"quote not found in the transcript: {reason}", quote)
    return ModelAnswer("answered", verdict, reason, quote)


def ask_model(
    endpoint: JudgingEndpoint, question: str, lines: list[tuple[str, str]]
) -> ModelAnswer:
    """Ask one criterion about one transcript (the lines as they may leave the machine)."""
    body = request_body(endpoint, question, transcript_text(lines))
    response = _post(endpoint, body)
    if response.status_code == 400 and "response_format" in response.text:
        # A server that does not know response_format: ask again without it.
        del body["response_format"]
        response = _post(endpoint, body)
    if response.status_code == 429 or response.status_code >= 500:
        raise EndpointUnavailable(f"{endpoint.base_url}: HTTP {response.status_code}")
    if response.status_code != 200:
        return _void(f"the endpoint refused the request: HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return _void("malformed answer: not a chat-completions response")
    if not isinstance(content, str):
        return _void("malformed answer: the message has no text")
    return read_model_answer(content, [text for _role, text in lines])
