"""Install commands that work as printed, whatever way this copy of troopbench was installed.

troopbench is installed from a clone (``pip install .`` or ``pip install -e .``)
or from a wheel built with ``python -m build``; it is not on the public package
index (yet), so a hint such as ``pip install "troopbench[dateparser]"`` would
fail. Every install hint the program prints goes through :func:`as_installed`,
which rewrites each ``pip install "troopbench[EXTRA]"`` (or ``pip install -e
".[EXTRA]"``) into a command that works here:

* installed from a folder that still holds troopbench's ``pyproject.toml``
  (a clone, editable or not): ``pip install [-e] "FOLDER[EXTRA]"``, with
  ``.`` for the current folder;
* otherwise (a wheel, or a folder since removed): the extra's own
  requirements, read from the installed metadata, e.g. ``pip install
  "dateparser>=1.2"``.

``pip`` is the ``pip`` on the ``PATH`` when it belongs to this interpreter's
environment, else ``<this python> -m pip``.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

DISTRIBUTION = "troopbench"
_EXTRA_INSTALL = re.compile(r'pip install (-e )?"(?:troopbench|\.)\[([A-Za-z0-9_,-]+)\]"')
_EXTRA_MARKER = re.compile(r"""^(.*?);\s*extra\s*==\s*['"]([^'"]+)['"]\s*$""")


@dataclass(frozen=True, slots=True)
class Installed:
    """How troopbench was installed: from ``folder`` (editable or not), else not."""

    folder: Path | None
    editable: bool
    requirements: tuple[tuple[str, str], ...]  # (extra, requirement)


def _checkout() -> Path | None:
    """The clone this package is imported from, when it runs uninstalled."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


@cache
def installed() -> Installed:
    """Read the installed distribution's metadata (PEP 610 ``direct_url.json``)."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return Installed(_checkout(), False, ())
    requirements = []
    for line in dist.requires or ():
        match = _EXTRA_MARKER.match(line)
        if match:
            requirements.append((match.group(2), match.group(1).strip()))
    folder, editable = None, False
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    url = str(direct.get("url", ""))
    if "dir_info" in direct and url.startswith("file:"):
        path = Path(unquote(urlparse(url).path))
        if (path / "pyproject.toml").is_file():
            folder = path
            editable = bool(direct["dir_info"].get("editable"))
    return Installed(folder, editable, tuple(requirements))


def pip() -> str:
    """``pip`` when the one on the PATH is this environment's, else ``python -m pip``."""
    found = shutil.which("pip")
    if found is not None:
        here = {Path(sys.prefix) / "bin", Path(sys.prefix) / "Scripts"}
        here.add(Path(sys.executable).parent)
        if Path(found).parent in here:
            return "pip"
    return f"{shlex.quote(sys.executable)} -m pip"


def extra_command(extras: str, editable: bool = False) -> str:
    """A command installing troopbench's extras ``extras`` (comma-separated) here."""
    how = installed()
    if how.folder is not None:
        cwd = Path.cwd().resolve()
        where = "." if how.folder.resolve() == cwd else how.folder.as_posix()
        flag = "-e " if (how.editable or editable) else ""
        return f'{pip()} install {flag}"{where}[{extras}]"'
    wanted = set(extras.split(","))
    requirements = sorted({r for extra, r in how.requirements if extra in wanted})
    if not requirements:  # an unknown extra: say what to do, not a command that fails
        return f"install troopbench's extra {extras!r} (README, 'Install')"
    return f"{pip()} install " + " ".join(f'"{r}"' for r in requirements)


_OTHER_INSTALL = re.compile(r"(?<![\w./-])pip install (?!-e \")(?![\"][.\w/-]*\[)")


def as_installed(text: str) -> str:
    """``text`` with each ``pip install "troopbench[X]"`` / ``pip install -e ".[X]"``
    replaced by :func:`extra_command`; other ``pip install`` commands (packages of
    the public index) keep their arguments and get the same ``pip`` (:func:`pip`)."""
    marked = _EXTRA_INSTALL.sub(lambda m: "\0" + m.group(0), text)
    parts = marked.split("\0")
    out = [_OTHER_INSTALL.sub(f"{pip()} install ", parts[0])]
    for part in parts[1:]:
        match = _EXTRA_INSTALL.match(part)
        assert match is not None
        rest = part[match.end() :]
        out.append(extra_command(match.group(2), bool(match.group(1))))
        out.append(_OTHER_INSTALL.sub(f"{pip()} install ", rest))
    return "".join(out)
