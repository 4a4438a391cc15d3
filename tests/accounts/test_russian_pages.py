"""No English in the Russian interface (issue 15, item 2).

Every GET page of the app (the route table of tests/accounts/routes.py, as an
admin, in Russian, on the policy world plus a demo sample) and a set of error
answers are read the way a person reads them: tags, scripts and styles stripped,
the texts of ``placeholder``, ``title`` and ``aria-label`` kept. A Latin-script
word fails the test unless it is

- data: a value stored in the test's database (a person's or team's name, a
  username, an external id, a queue's or scorecard's name...), or marked as
  data in the page (``translate="no"``, ``<code>``, ``<kbd>``, ``<pre>``);
- an id-like token (with a digit, ``_``, ``.``, ``/``, ``@``, ``:`` or ``=``
  inside: file names, ids, addresses, times; or Latin words joined by hyphens:
  slugs and headers);
- one of the few words of ``ALLOWED`` (brands, file formats and acronyms a
  Russian head of QA writes in Latin letters too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, Engine, String, select

from kontrol.demo.sizes import SMALL
from kontrol.store import tables
from tests.accounts.routes import ROUTES, Route
from tests.accounts.world import World
from tests.factories import form_token, import_records, log_in

# Written in Latin letters in Russian too; each is a name, a format or an acronym.
ALLOWED = frozenset(
    {
        # file formats and protocols a person picks or reads on the import/export pages
        "CSV",
        "JSON",
        "JSONL",
        "YAML",
        "PDF",
        "XLSX",
        "HTML",
        "HTTP",
        "HTTPS",
        "URL",
        "API",
        "SMTP",
        "IMAP",
        "UTF",
        "ZIP",
        "GZIP",
        "MP3",
        "WAV",
        "OGG",
        "TLS",
        # image formats a logo may come in (the brand page)
        "PNG",
        "JPEG",
        "WebP",
        # quality-control acronyms used in Russian as they are
        "KPI",
        "SLA",
        "CSAT",
        "NPS",
        "CES",
        "FCR",
        "AHT",
        "QA",
        "CRM",
        "LLM",
        "ID",
        "IP",
        # products people connect Kontrol to, named as they name themselves
        "Kontrol",
        "Telegram",
        "Bot",
        "Excel",
        "Bitrix24",
        "amoCRM",
        "Whisper",
        "OpenAI",
        "Ollama",
        "vLLM",
        "Vosk",
        "Asterisk",
        "Zendesk",
        "Freshdesk",
        "Intercom",
        "Chatwoot",
        "Amazon",
        "Connect",
        "Contact",
        "Lens",
        "Records",
        "Power",
        "BI",
        "WhatsApp",
        # standards and codes: signatures, dates, QR codes, language codes, HTTP methods
        "HMAC",
        "ISO",
        "UTC",
        "QR",
        "RU",
        "EN",
        "POST",
        "mbox",
        "cron",
        "Cron",
        # the name of a file format, as in "JSON Lines"
        "Lines",
    }
)
# Tables whose texts are not shown as data: transcripts, and logged errors (English).
NOT_DATA_TABLES = frozenset(
    {"messages", "message_originals", "import_rejects", "job_runs", "effects_backlog"}
)
# Columns of codes the interface translates (a channel, a check, a review reason...):
# their values are vocabulary, not data, so they do not pass as data. A work item's
# status and source come from the CRM as they are: the page marks them translate="no".
CODE_COLUMNS = frozenset(
    {
        "channel",
        "check",
        "check_id",
        "review_items.reason",
        "status",
        "direction",
        "kind",
        "role",
        "source",
        "action",
        "state",
        "outcome",
        "result",
        "decision",
        "priority",
        "severity",
        "language",
    }
)
# Elements whose text is data or code, not interface (a textarea holds what was typed).
DATA_TAGS = frozenset({"script", "style", "code", "kbd", "pre", "samp", "template", "textarea"})
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
ID_LIKE = re.compile(r"[0-9_./@:=#\\]")
# Latin words joined by hyphens: a slug, a header or a file kind (delivery-question,
# X-Kontrol-Signature, e-mail).
SLUG = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")


# A number written with a decimal point (Russian writes a comma: 42,9). Not a date
# (07.12.2026, 30.11), a version (v1.2), an address (127.0.0.1) or a file name.
DECIMAL_POINT = re.compile(r"(?<![\w.:/-])\d+\.\d+(?![\w.])")
DAY_AND_MONTH = re.compile(r"(0[1-9]|[12]\d|3[01])\.(0[1-9]|1[0-2])")
# A dotted lowercase name (alerts.kind.x.help): a catalogue key when its parent
# (alerts.kind.x) opens some key of the catalogue.
DOTTED = re.compile(r"(?<![\w./-])[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){2,}(?![\w/-])")


class _Reader(HTMLParser):
    """The words of a page a person reads."""

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "source", "wbr", "area", "col"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[bool] = []  # for each open element: is it data?

    def _inside_data(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # Data and code, and words marked as another language (the language switch).
        data = (
            tag in DATA_TAGS
            or values.get("translate") == "no"
            or not (values.get("lang") or "ru").startswith("ru")
        )
        if not (data or self._inside_data()):
            for name in SHOWN_ATTRIBUTES:
                if values.get(name):
                    self.texts.append(str(values[name]))
            if (
                tag == "input"
                and values.get("type") in ("submit", "button")
                and values.get("value")
            ):
                self.texts.append(str(values["value"]))
        if tag not in self.VOID:
            self._stack.append(data)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._inside_data():
            self.texts.append(data)


def english_words(html: str, data: frozenset[str]) -> list[str]:
    """The Latin-script words of ``html`` a Russian reader should not meet."""
    return [word for word, _ in english_in_context(html, data)]


def english_in_context(html: str, data: frozenset[str]) -> list[tuple[str, str]]:
    """Each such word with the text it was read in (for the failure message)."""
    reader = _Reader()
    reader.feed(html)
    found: list[tuple[str, str]] = []
    for text in reader.texts:
        for token in text.split():
            token = token.strip("«»“”\"'()[]{},;!?…—–-·•|*")
            bare = token.rstrip(".:")
            if not token or ID_LIKE.search(bare) or SLUG.fullmatch(bare) or bare in data:
                continue
            for word in LATIN_WORD.findall(token):
                if len(word) > 1 and word not in ALLOWED and word not in data:
                    found.append((word, " ".join(text.split())[:100]))
    return found


def _visible_texts(html: str) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    return reader.texts


def decimal_points(html: str) -> list[str]:
    """Numbers a Russian reader meets written with a point (``42.9``, ``×10.0``)."""
    found = []
    for text in _visible_texts(html):
        for match in DECIMAL_POINT.finditer(text):
            if not DAY_AND_MONTH.fullmatch(match.group()):
                found.append(" ".join(text.split())[:100])
    return found


def _key_parents() -> frozenset[str]:
    from kontrol.i18n import translations

    parents = set()
    for key in translations("ru"):
        parts = key.split(".")
        parents.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return frozenset(parents)


def shown_keys(html: str, parents: frozenset[str]) -> list[str]:
    """Catalogue keys shown as text: a dotted name inside the catalogue's key space."""
    found = []
    for text in _visible_texts(html):
        for match in DOTTED.finditer(text):
            name = match.group()
            if name.rsplit(".", 1)[0] in parents:
                found.append(name)
    return found


def _said(found: list[tuple[str, str]]) -> str:
    """The words found, each text once: ``word, word in «text»; ...``."""
    by_text: dict[str, list[str]] = {}
    for word, text in found:
        by_text.setdefault(text, []).append(word)
    return "; ".join(f"{' '.join(words)} in «{text}»" for text, words in by_text.items())


def _stored_words(engine: Engine) -> frozenset[str]:
    """Every text stored in the test's database: names, ids, titles, scorecards (data).

    Transcripts and logged error texts are left out: an English word of a
    conversation must not let the same word pass in the interface.
    """
    words: set[str] = set()
    with engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            if table.name in NOT_DATA_TABLES:
                continue
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, String | JSON)
                and c.name not in CODE_COLUMNS
                and f"{table.name}.{c.name}" not in CODE_COLUMNS
            ]
            if not columns:
                continue
            for row in connection.execute(select(*columns).limit(5000)):
                for value in row:
                    if isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    if isinstance(value, str):
                        if len(value) <= 200:
                            words.add(value)
                        words.update(value.split())
                        words.update(LATIN_WORD.findall(value))
    return frozenset(words)


def _get_pages(world: World) -> Iterable[tuple[Route, str]]:
    for route in ROUTES:
        if route.method != "GET" or route.path.startswith("/api/"):
            continue
        if route.outcome("admin") != "y":
            continue
        ids = route.ids(world) if route.ids else {}
        path = route.path.format(**{name: str(value) for name, value in ids.items()})
        if route.query:
            path += "?" + route.query
        yield route, path


def _demo_sample(world: World) -> None:
    from kontrol.demo.generator import generate

    records = [
        r
        for r in generate(seed=7, interactions=60, size=SMALL)
        if r.get("kind") not in ("order", "survey")
    ]
    import_records(world.engine, world.workspace, world.folder, records, name="demo.jsonl")


# The words are the same on both databases: SQLite alone is enough.
@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_page_reads_in_russian(app_client: TestClient, world: World, backend: str) -> None:
    _demo_sample(world)
    log_in(app_client, "admin")
    data = _stored_words(world.engine)
    leaks: dict[str, str] = {}
    points: dict[str, list[str]] = {}
    keys: dict[str, list[str]] = {}
    parents = _key_parents()
    read = 0
    for route, path in _get_pages(world):
        response = app_client.get(path, follow_redirects=False)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        read += 1
        where = f"{route.path} ({response.status_code})"
        words = english_in_context(response.text, data | _stored_words(world.engine))
        if words:
            leaks[where] = _said(words)
        if found := decimal_points(response.text):
            points[where] = found[:3]
        if found := shown_keys(response.text, parents):
            keys[where] = found
    assert read > 80, f"only {read} pages read"
    assert not leaks, "English in the Russian interface:\n" + "\n".join(
        f"{path}: {words}" for path, words in sorted(leaks.items())
    )
    assert not keys, f"catalogue keys shown as text: {keys}"
    assert not points, "numbers with a decimal point in Russian:\n" + "\n".join(
        f"{path}: {texts}" for path, texts in sorted(points.items())
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_errors_read_in_russian(app_client: TestClient, world: World, backend: str) -> None:
    data = _stored_words(world.engine)
    log_in(app_client, "admin")
    token = form_token(app_client, "/scorecards")
    answers = {
        "a page that does not exist": app_client.get("/interactions/987654321"),
        "an agent that does not exist": app_client.get("/coaching/nobody-7"),
        "a scorecard that is not YAML": app_client.post(
            "/scorecards",
            data={"csrf_token": token, "yaml": "name: x\n  criteria: [\n\tbad: : :"},
        ),
    }
    app_client.cookies.clear()
    log_in(app_client, "agent1")
    answers["a refusal"] = app_client.get("/targets")
    wrong = {
        what: _said(english_in_context(response.text, data))
        for what, response in answers.items()
        if english_words(response.text, data)
    }
    assert all(r.status_code >= 400 for r in answers.values()), {
        what: r.status_code for what, r in answers.items()
    }
    assert not wrong, wrong


def test_the_reader_keeps_data_and_ids_and_finds_english() -> None:
    page = (
        "<html><body><h1>Оценка качества</h1><p>Answer every criterion</p>"
        "<p>файл calls.csv, строка 7, поле items.greeting</p>"
        '<span translate="no">Sergey Petrov</span><code>kontrol demo</code>'
        '<input placeholder="Search"><script>var x = "hello";</script></body></html>'
    )
    assert english_words(page, frozenset()) == ["Answer", "every", "criterion", "Search"]


def test_the_reader_finds_decimal_points_and_keys_but_not_dates() -> None:
    page = (
        "<p>Балл 42.9, вес ×10.0, дата 07.12.2026, неделя 30.11–06.12, v1.2, 127.0.0.1</p>"
        "<p>alerts.kind.complaint.help, calls.csv, <code>1.5</code></p>"
    )
    assert len(decimal_points(page)) == 2
    assert shown_keys(page, _key_parents()) == ["alerts.kind.complaint.help"]
    assert decimal_points("<p>Балл 42,9 и −0,024</p>") == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_new_rule_form_explains_every_kind(
    app_client: TestClient, world: World, backend: str
) -> None:
    log_in(app_client, "admin")
    page = app_client.get("/alerts/rules").text
    assert shown_keys(page, _key_parents()) == []
