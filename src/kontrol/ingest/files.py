"""Opening input files: plain or gzip, read as bytes line by line."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from kontrol.domain.errors import Unreadable


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading, decompressing ``.gz`` transparently."""
    try:
        if path.is_dir():
            raise Unreadable(
                f"{path}: is a folder, not a file",
                key="ingest.error.is_folder",
                where_key="error.where.source",
                where_params={"source": path},
            )
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
        raise Unreadable(
            f"{path}: no such file",
            key="ingest.error.no_file",
            where_key="error.where.source",
            where_params={"source": path},
        ) from None
    except PermissionError:
        raise Unreadable(
            f"{path}: permission denied",
            key="ingest.error.permission",
            where_key="error.where.source",
            where_params={"source": path},
        ) from None
    except (gzip.BadGzipFile, EOFError, OSError, zlib.error) as error:
        if isinstance(error, Unreadable):
            raise
        raise Unreadable(
            f"{path}: cannot be read ({error})",
            key="ingest.error.unreadable",
            params={"error": error},
            where_key="error.where.source",
            where_params={"source": path},
        ) from None


def numbered_lines(handle: BinaryIO, path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, bytes)`` without line endings, in constant memory."""
    number = 0
    try:
        for number, line in enumerate(handle, start=1):  # noqa: B007 - number used after
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line.rstrip(b"\r\n")
    except (gzip.BadGzipFile, EOFError, OSError, zlib.error) as error:
        raise Unreadable(
            f"{path}: stopped reading after line {number} ({error})",
            key="ingest.error.stopped_after",
            params={"number": number, "error": error},
            where_key="error.where.source",
            where_params={"source": path},
        ) from None
