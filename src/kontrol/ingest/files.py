"""Opening input files: plain or gzip, read as bytes line by line."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from kontrol.domain.errors import Unreadable
from kontrol.i18n.messages import error_text


def unreadable(path: object, key: str, **params: object) -> Unreadable:
    """The file at ``path`` cannot be read, for the reason ``key`` names.

    Its English (``str``) is the catalogue's after the path, as the CLI and the
    API have always said it ("x.csv: no such file"); pages tell it translated.
    """
    error = Unreadable(
        key=key, params=params, where_key="error.where.source", where_params={"source": path}
    )
    error.args = (error_text(error, "en"),)
    return error


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading, decompressing ``.gz`` transparently."""
    try:
        if path.is_dir():
            raise unreadable(path, "ingest.error.is_folder")
        if path.name.lower().endswith(".gz"):
            handle = gzip.GzipFile(path, "rb")
            try:
                # Reads the header now: a file that is not gzip fails here, as unreadable.
                handle.peek(1)
            except BaseException:
                handle.close()
                raise
            return cast(BinaryIO, handle)
        return path.open("rb")
    except FileNotFoundError:
        raise unreadable(path, "ingest.error.no_file") from None
    except PermissionError:
        raise unreadable(path, "ingest.error.permission") from None
    except (gzip.BadGzipFile, EOFError, OSError, zlib.error) as error:
        if isinstance(error, Unreadable):
            raise
        raise unreadable(path, "ingest.error.unreadable", error=error) from None


def numbered_lines(handle: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, bytes)`` without line endings, in constant memory."""
    number = 0
    try:
        for number, line in enumerate(handle, start=1):  # noqa: B007 - number used after
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line.rstrip(b"\r\n")
    except (gzip.BadGzipFile, EOFError, OSError, zlib.error) as error:
        raise unreadable(path, "ingest.error.stopped_after", number=number, error=error) from None
