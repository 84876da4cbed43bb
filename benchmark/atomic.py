"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Also the checks of an output folder (:func:`claim_folder`, :func:`safe_target`):
troopbench writes only into folders that are its own output, never through a
symbolic link, never over a folder of someone else's files."""

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


def _stage(path: Path, text: str, durable: bool) -> str:
    """Write ``text`` to a new temporary file beside ``path``; its name."""
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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_texts_atomic(files: dict[Path, str]) -> None:
    """Write several files as one: every text goes to a temporary file first, and
    only when all are written (a full disk fails here, with nothing replaced) are
    they renamed into place, so that a run never leaves a new predictions file
    beside an old results file. On any failure every temporary file is removed."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            staged.append((_stage(path, text, durable=True), path))
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise


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
    tmp = _stage(path, text, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ output folders


class UnsafeOutput(Exception):
    """A folder troopbench was asked to write into is not one it may write into."""


def claim_folder(folder: Path, marker: str, allowed: frozenset[str] = frozenset()) -> None:
    """Make sure ``folder`` is troopbench's own output folder before anything is written:
    a new or empty folder, or one holding the ``marker`` file troopbench leaves in
    the folders it writes (or, if given, only entries named in ``allowed``); never a
    symbolic link, never a file. The marker is written. Raises :class:`UnsafeOutput`
    with a one-line reason: a folder of someone else's files (a checkout, a home
    folder) is never written over. A folder that cannot be created raises the
    :class:`OSError` that says why."""
    if folder.is_symlink():
        raise UnsafeOutput(f"{folder} is a symbolic link; give a real folder")
    if folder.exists() and not folder.is_dir():
        raise UnsafeOutput(f"{folder} is not a folder")
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir())
        if names and marker not in names:
            foreign = [n for n in names if n not in allowed]
            if foreign:
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise UnsafeOutput(
                    f"{folder} holds files troopbench did not write there ({shown}); "
                    "give a new or empty folder"
                )
    folder.mkdir(parents=True, exist_ok=True)  # an OSError says why it cannot be
    write_text_atomic(
        folder / marker,
        "This folder was written by troopbench; its files may be replaced by the next run.\n",
        durable=False,
    )


def safe_target(folder: Path, path: Path) -> Path:
    """``path`` (inside ``folder``), once every folder between them is checked to be a
    real folder (a planted symbolic link would send the write elsewhere); the file
    itself is replaced by a rename, never written through. :class:`UnsafeOutput`
    otherwise."""
    current = folder
    for part in path.relative_to(folder).parts[:-1]:
        current = current / part
        if current.is_symlink() or (current.exists() and not current.is_dir()):
            raise UnsafeOutput(f"{current} is a symbolic link or a file, not a folder; not written")
    if path.is_dir() and not path.is_symlink():
        raise UnsafeOutput(f"{path} is a folder; not written")
    return path
