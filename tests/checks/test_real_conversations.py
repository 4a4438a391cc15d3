"""The checks on real public conversations (../shared/data): what a reviewer reading them noticed.

Each test is one finding of docs/checks.md, "Reading real conversations":
links, e-mail addresses and @handles in brand replies are neither spelling errors, nor phone
numbers, nor questions; the agent's own name is not the customer's name.
The tests skip when the shared data is absent.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from bench.checks_real import harper_valley_records, ibm_twitter_records, run

from kontrol.checks.builtin.spelling import misspelled_words
from kontrol.checks.engine import prepare, record_messages
from tests.conftest import shared_data

LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|org|net|ru)/\S*|[\w.+-]+@[\w-]+\.[\w.]+|@\w+"
)


@pytest.fixture(scope="module")
def twitter() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    shared_data("ibm_twitter_customer_care")
    return run("ibm_twitter_customer_care")


@pytest.fixture(scope="module")
def calls() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    shared_data("harper_valley")
    return run("harper_valley")


def test_every_twitter_thread_gets_the_brand_reply_back_in_time_order() -> None:
    records = list(ibm_twitter_records(shared_data("ibm_twitter_customer_care")))
    assert len(records) > 1000
    for record in records:
        roles = [m["role"] for m in record["messages"]]
        assert "agent" in roles and "customer" in roles, record["id"]
        agent = record["messages"][roles.index("agent")]
        before = [m for m in record["messages"][: roles.index("agent")] if m["role"] == "customer"]
        assert all(m["at"] <= agent["at"] for m in before), record["id"]


def test_links_and_handles_are_not_spelling_errors(
    twitter: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    # Every word the spelling check counts as misspelt, of passed checks too (a passed
    # check shows no evidence since round 5, so the words are asked for directly).
    for record, _ in twitter:
        conversation = prepare(
            channel=str(record.get("channel", "chat")),
            messages=record_messages(record),
            language=record.get("language"),
        )
        for message, position in misspelled_words(conversation)[1]:
            start, end = message.spans[position]
            outside_links = LINK.sub(" ", record["messages"][message.index]["text"])
            words = {w.lower() for w in re.findall(r"[\w'’-]+", outside_links)}
            assert message.text[start:end].lower() in words, (record["id"], message.index)


def test_digits_of_links_are_not_personal_data(
    twitter: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    for record, result in twitter:
        text = " ".join(LINK.sub(" ", m["text"]) for m in record["messages"])
        if not re.search(r"\d", text):
            assert not set(result["signals"]["pii"] or []) & {"phone", "card", "passport"}, record[
                "id"
            ]


def test_a_question_mark_inside_a_link_is_not_a_question(
    twitter: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    for record, result in twitter:
        for item in result["checks"]["needs_question"]["evidence"]:
            assert not LINK.search(item.get("text", "")), (record["id"], item)


def test_the_agents_own_name_is_not_the_customers_name(
    calls: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    records = list(harper_valley_records(shared_data("harper_valley")))
    assert len(records) == len(calls) > 0
    for record, result in calls:
        for item in result["checks"]["customer_name"]["evidence"]:
            said = record["messages"][item["message"]]["text"].lower()
            name = item["text"].lower()
            assert f"my name is {name}" not in said and f"this is {name}" not in said, record["id"]
