"""Where a system's exception came from: the innermost frame in the system's own code.

When ``extract`` raises, the recorded error names the exception, its message
and the innermost frame of the traceback that lies in the system's own code,
e.g. ``extract raised ZeroDivisionError: division by zero (at mine.py:12, in
extract)``; the whole traceback is kept beside it as text, for ``troopbench run
--traceback`` and the pytest plugin's ``-v``. Both are plain strings, so they
cross the worker's pipe as they are.

A frame is the system's own when its file lies in the top-level package of the
system's class (or is the class's module file, for a module outside a
package), or else lies outside the standard library, the installed
site-packages and troopbench's own ``benchmark`` package (a helper module
beside the user's extractor). File names are shown relative to the current
folder when inside it, else relative to the folder holding the system's
package, so the recorded error is the same on every machine.
"""

from __future__ import annotations

import sys
import sysconfig
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

_BENCHMARK = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Failure:
    """An exception of a system, described: the one-line record and the full traceback."""

    message: str
    traceback: str


def _library_roots() -> tuple[Path, ...]:
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    paths = {Path(p).resolve() for p in (sysconfig.get_path(n) for n in names) if p}
    return (*sorted(paths), _BENCHMARK)


def own_root(system: Any) -> Path | None:
    """The system's top-level package folder, or its module file; None if unknown."""
    module_name = type(system).__module__
    top = sys.modules.get(module_name.split(".")[0])
    top_file = getattr(top, "__file__", None)
    if top_file and Path(top_file).name == "__init__.py":
        return Path(top_file).resolve().parent
    own = getattr(sys.modules.get(module_name), "__file__", None)
    return Path(own).resolve() if own else None


def _under(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(tb))


def shown_path(path: Path, root: Path | None) -> str:
    """``path`` relative to the current folder, else to the folder holding ``root``."""
    cwd = Path.cwd().resolve()
    if path.is_relative_to(cwd):
        return path.relative_to(cwd).as_posix()
    if root is not None and _under(path, root):
        return path.relative_to(root.parent).as_posix()
    return path.as_posix()


def innermost_own_frame(
    exc: BaseException, system: Any
) -> tuple[traceback.FrameSummary, Path | None] | None:
    """The innermost frame of ``exc``'s traceback in the system's own code (module
    doc), with the system's root; None when no frame qualifies."""
    root = own_root(system)
    libraries = _library_roots()
    fallback = None
    for frame in reversed(_frames(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        if root is not None and _under(path, root):
            return frame, root
        if fallback is None and not any(_under(path, lib) for lib in libraries):
            if frame.filename.startswith("<"):  # <string>, <frozen ...>: no file to open
                continue
            fallback = frame
    return (fallback, root) if fallback is not None else None


def describe(exc: BaseException, system: Any, what: str, short: str) -> Failure:
    """``{what} raised {Type}: {short} (at file:line, in function)`` and the traceback.

    ``short`` is the exception's message as the caller shortened it.
    """
    message = f"{what} raised {type(exc).__name__}: {short}"
    try:
        found = innermost_own_frame(exc, system)
        if found is not None:
            frame, root = found
            where = shown_path(Path(frame.filename).resolve(), root)
            message += f" (at {where}:{frame.lineno}, in {frame.name})"
        text = "".join(traceback.format_exception(exc))
    except Exception:  # describing must never fail where the system already has
        text = ""
    return Failure(message, text)
