"""Uploads: type sniffed from the bytes, HTML and SVG refused, size limit, safe names."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.mystery.uploads import (
    Upload,
    check_upload,
    read_stored,
    remove_file,
    write_file,
)
from kontrol.uploads import safe_name, sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTROL_MYSTERY_UPLOAD_MAX_MB", "1")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        (WAV, "audio/wav"),
        (b"ID3\x04" + b"\x00" * 20, "audio/mpeg"),
        ("— Здравствуйте!\n— Добрый день.".encode(), "text/plain"),
        (b"<!DOCTYPE html><script>alert(1)</script>", None),
        (b'<?xml version="1.0"?><svg onload="alert(1)"/>', None),
        (b"  <html><body>hi</body></html>", None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
    ],
)
def test_the_type_comes_from_the_bytes(content: bytes, expected: str | None) -> None:
    assert sniff(content, text=True) == expected


def test_a_name_cannot_claim_a_type() -> None:
    checked = check_upload(Upload("screen.png", "просто текст".encode()))
    assert (checked.content_type, checked.kind, checked.name) == (
        "text/plain",
        "transcript",
        "screen.txt",
    )


def test_names_lose_paths_and_odd_characters() -> None:
    assert safe_name("../../etc/passwd", "text/plain") == "passwd.txt"
    assert safe_name("C:\\Users\\x\\<img src=x onerror=alert(1)>.png", "image/png") == (
        "img src_x onerror_alert_1.png"
    )
    assert safe_name("Скриншот чата 1.PNG", "image/png") == "Скриншот чата 1.png"
    assert safe_name("", "audio/wav") == "file.wav"


def test_too_large_and_refused_files_name_the_file() -> None:
    with pytest.raises(InvalidInput, match=r"files\[2\] \(big\): larger than 1 MB"):
        check_upload(Upload("big.wav", WAV + b"\x00" * (1024 * 1024)), 2)
    with pytest.raises(InvalidInput, match=r"files\[0\] \(page\): not an accepted file"):
        check_upload(Upload("page.png", b"<html><script></script></html>"))
    with pytest.raises(InvalidInput, match="empty"):
        check_upload(Upload("x.png", b""))


def test_files_are_kept_under_the_data_folder_with_random_names(data_dir: Path) -> None:
    checked = check_upload(Upload("chat.png", PNG))
    relative = write_file(checked, 7)
    assert relative.startswith("mystery/7/") and relative.endswith(".png")
    assert "chat" not in relative
    assert read_stored(relative) == PNG
    path = data_dir.resolve() / relative
    assert path.read_bytes() == PNG
    remove_file(relative)
    assert not path.exists()


def test_a_stored_path_never_leaves_the_data_folder(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("x")
    with pytest.raises(NotFound):
        read_stored("../secret.txt")
