"""What every page shares: the content-security policy holds in every template, the tab icon."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "kontrol" / "web" / "templates"
# The policy (web/headers.py) allows styles and scripts from files only: an inline
# style attribute or event handler is silently dropped by the browser.
FORBIDDEN = re.compile(r"""\s(style|on[a-z]+)\s*=\s*["']""")


def test_no_template_holds_an_inline_style_or_event_handler() -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for match in FORBIDDEN.finditer(line)
    ]
    assert not found, "\n".join(found)


def test_the_tab_icon_is_served_at_the_root_and_linked_from_the_pages(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").text
