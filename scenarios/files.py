"""Getting bytes in and out: a path or an upload in, whole files out (never half-written)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from models import InputError, InputIssue

Source = str | Path | bytes


def load_source(source: Source, filename: str | None, error: type[InputError]) -> tuple[bytes, str]:
    """The content and the name to report it by. A str or Path is a file to read; bytes are
    the content itself (an upload), named by `filename`."""
    if isinstance(source, bytes):
        return source, filename or "upload"
    path = Path(source)
    name = filename or str(path)
    try:
        return path.read_bytes(), name
    except FileNotFoundError:
        raise error([InputIssue(file=name, message="no such file")]) from None
    except IsADirectoryError:
        raise error([InputIssue(file=name, message="this is a folder, not a file")]) from None
    except OSError as exc:
        raise error([InputIssue(file=name, message=f"cannot be read ({exc.strerror})")]) from None


@contextmanager
def open_source(
    source: Source, filename: str | None, error: type[InputError]
) -> Iterator[tuple[IO[bytes], str]]:
    """The content as a stream to read as far as needed, and the name to report it by: a
    reader that stops at a limit has not read the rest of a large file."""
    if isinstance(source, bytes):
        yield io.BytesIO(source), filename or "upload"
        return
    path = Path(source)
    name = filename or str(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise error([InputIssue(file=name, message="no such file")]) from None
    except IsADirectoryError:
        raise error([InputIssue(file=name, message="this is a folder, not a file")]) from None
    except OSError as exc:
        raise error([InputIssue(file=name, message=f"cannot be read ({exc.strerror})")]) from None
    with handle:
        yield handle, name


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, so a reader sees
    either the old file or the whole new one."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
