"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process's umask (read by setting it and back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_text_atomic(path: Path, text: str, *, durable: bool = True) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a temporary
    file in the same folder and a rename; parent folders are created.

    ``durable`` also flushes the data to disk before the rename (``fsync``),
    so that a power cut cannot leave an empty file under the final name; the
    predictions cache, which can always be rebuilt, skips that cost.
    On any failure the temporary file is removed and the error re-raised.

    The file gets the mode a plain ``open(path, "w")`` would give it: that of
    the file it replaces, else ``0o666`` less the user's umask (``mkstemp``
    alone would make every file ``0o600``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _target_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
