"""The automatic checks on real conversations: verdict counts and a sample to read.

Reads two public datasets from ``../shared/data`` (never copied into the repo)
and turns each conversation into an interchange-format record:

- ``ibm_twitter_customer_care`` (dev.json + test.json): brand support threads on
  Twitter, channel ``social``, one message per tweet with its time; the brand's
  resolving reply (``agentURL.url_utterance``) is put back at its ``turn``, its
  time read from its tweet id (Twitter ids carry their millisecond timestamp);
- ``harper_valley``: simulated bank calls, channel ``call``, one message per
  transcribed segment with start/end seconds (noise-only segments dropped), the
  caller's role-play name as ``customer_name``.

Then runs ``check_record`` on each and prints, per dataset, how often every
check answered pass / fail / na and the signals found, and (``--sample N``) N
conversations picked with a fixed seed, with their text and verdicts, for a
person to read. docs/checks.md ("Reading real conversations") says what
reading them showed.

    python -m bench.checks_real                         # counts for both datasets
    python -m bench.checks_real --sample 15 --dataset harper_valley
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kontrol.checks.engine import check_record

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOISE = re.compile(r"^(\[[a-z ]+\]|<unk>|~|\s)*$")


def tweet_time(tweet_id: int) -> str:
    """The time a tweet was posted, from its id (Twitter "snowflake" ids)."""
    millis = (tweet_id >> 22) + 1288834974657
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat()


def ibm_twitter_records(folder: Path) -> Iterator[dict[str, Any]]:
    """IBM Twitter customer-care threads as ``social`` interactions."""
    for name in ("dev.json", "test.json"):
        path = folder / name
        if not path.exists():
            continue
        for number, thread in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            header = thread["dialogHeader"]
            messages = []
            for item in thread["dialogContent"]:
                role = "agent" if "agent" in item else "customer"
                messages.append({"role": role, "text": item["message"], "at": item["datetime"]})
            reply = thread.get("agentURL") or {}
            if reply.get("url_utterance") and reply.get("tweet_ID"):
                at = tweet_time(int(reply["tweet_ID"]))
                turn = max(0, min(int(reply.get("turn") or 0) - 1, len(messages)))
                messages.insert(turn, {"role": "agent", "text": reply["url_utterance"], "at": at})
            yield {
                "id": f"{path.stem}-{number}-{header['sessionID']}",
                "source": "ibm_twitter",
                "channel": "social",
                "language": "en",
                "started_at": header["conversationDateTime"],
                "agent_name": header["company"],
                "messages": messages,
            }


def harper_valley_records(folder: Path) -> Iterator[dict[str, Any]]:
    """Harper Valley bank calls as ``call`` interactions with timed segments."""
    for meta_path in sorted(folder.glob("metadata_*.json")):
        sid = meta_path.stem.removeprefix("metadata_")
        transcript_path = folder / f"transcript_{sid}.json"
        if not transcript_path.exists():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        segments = json.loads(transcript_path.read_text(encoding="utf-8"))
        messages = []
        for segment in sorted(segments, key=lambda s: s["start_ms"]):
            text = (segment.get("human_transcript") or "").strip()
            if NOISE.match(text):
                continue
            start = segment["start_ms"] / 1000
            messages.append(
                {
                    "role": "agent" if segment["speaker_role"] == "agent" else "customer",
                    "text": text,
                    "start": round(start, 3),
                    "end": round(start + segment["duration_ms"] / 1000, 3),
                }
            )
        started = datetime.fromtimestamp(meta["start_time_ms"] / 1000, tz=UTC)
        caller = (meta.get("caller") or {}).get("metadata") or {}
        agent = (meta.get("agent") or {}).get("metadata") or {}
        yield {
            "id": sid,
            "source": "harper_valley",
            "channel": "call",
            "language": "en",
            "started_at": started.isoformat(),
            "customer_name": caller.get("first and last name"),
            "agent_name": agent.get("agent_name"),
            "messages": messages,
        }


DATASETS = {
    "ibm_twitter_customer_care": ibm_twitter_records,
    "harper_valley": harper_valley_records,
}


def run(dataset: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(record, result) for every conversation of ``dataset``."""
    folder = DATA / dataset
    return [(record, check_record(record)) for record in DATASETS[dataset](folder)]


def counts_table(dataset: str, results: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """Markdown: how often each check answered pass / fail / na on ``dataset``."""
    verdicts: dict[str, Counter[str]] = {}
    pii: Counter[str] = Counter()
    complaints = 0
    for _, result in results:
        for check, verdict in result["checks"].items():
            verdicts.setdefault(check, Counter())[verdict["result"]] += 1
        signals = result.get("signals") or {}
        pii.update(signals.get("pii") or [])
        complaints += bool(signals.get("complaint"))
    lines = [
        f"{dataset}: {len(results)} conversations",
        "",
        "| check | pass | fail | na |",
        "|---|---|---|---|",
    ]
    for check in sorted(verdicts):
        c = verdicts[check]
        lines.append(f"| `{check}` | {c['pass']} | {c['fail']} | {c['na']} |")
    found = ", ".join(f"{kind} {n}" for kind, n in sorted(pii.items())) or "none"
    lines += ["", f"signals: complaint in {complaints}; pii found: {found}"]
    return "\n".join(lines)


def show(record: dict[str, Any], result: dict[str, Any]) -> str:
    """One conversation with its verdicts, for reading."""
    out = [f"=== {record['id']} ({record['channel']}, customer {record.get('customer_name')})"]
    for index, message in enumerate(record["messages"]):
        when = (
            f"{message['start']:.1f}-{message['end']:.1f}" if "start" in message else message["at"]
        )
        out.append(f"  [{index}] {message['role']:<8} {when}  {message['text'][:300]}")
    for check, verdict in sorted(result["checks"].items()):
        if verdict["result"] == "na":
            continue
        evidence = "; ".join(
            f"#{e.get('message')} {e.get('text', e.get('value', ''))}"
            for e in verdict.get("evidence") or []
        )
        out.append(f"    {check:<16} {verdict['result']:<4} {evidence[:120]}")
    out.append(f"    signals: {json.dumps(result.get('signals'), ensure_ascii=False)}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Print the counts (and the sample); datasets that are absent are skipped."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=sorted(DATASETS), action="append")
    parser.add_argument("--sample", type=int, default=0, help="conversations to print")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    for dataset in args.dataset or sorted(DATASETS):
        if not (DATA / dataset).exists():
            print(f"{DATA / dataset} is absent: skipped")
            continue
        results = run(dataset)
        print(counts_table(dataset, results), "\n")
        if args.sample:
            for record, result in random.Random(args.seed).sample(results, args.sample):
                print(show(record, result), "\n")


if __name__ == "__main__":
    main()
