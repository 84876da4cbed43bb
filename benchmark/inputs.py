"""Untrusted JSON input: one set of size bounds and one reader for every file troopbench reads.

Predictions files, gold files, results files and the outputs of systems are
all checked against the same :class:`Bounds` before any expensive work (a
schema validation, a regex, a scorer): a string longer than
``max_string`` characters, a list longer than ``max_items``, nesting deeper
than ``max_depth``, an integer with more than ``max_int_digits`` digits, a
non-finite float or a lone surrogate is rejected with a JSON pointer and a
reason. A JSONL line longer than ``max_line_bytes`` is rejected without being
read into memory whole. A UTF-8 byte order mark at the start of a file is
accepted; bytes that are not UTF-8 are reported with their byte offset.

Files are opened by :func:`open_regular`: only a regular file is read (a
FIFO, a device, a socket or a folder is refused before anything is read, so
none can hang or flood troopbench), its size is checked before reading, and
where asked (the cache) a symbolic link is not followed at all.
"""

from __future__ import annotations

import json
import math
import os
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Bounds:
    """The size limits of untrusted input (see docs/formats.md, "Input bounds")."""

    max_string: int = 100_000
    max_items: int = 100_000
    max_depth: int = 16
    max_int_digits: int = 15
    max_line_bytes: int = 64 * 1024 * 1024
    max_file_bytes: int = 256 * 1024 * 1024  # a whole JSON file (results, gold, cache entry)


BOUNDS = Bounds()


class InputError(ValueError):
    """A value outside the bounds, or unreadable input; ``pointer`` says where."""

    def __init__(self, pointer: str, message: str) -> None:
        self.pointer = pointer
        self.message = message
        super().__init__(f"{pointer or '/'}: {message}")


def _escape(key: object) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _check_string(value: str, pointer: str, bounds: Bounds) -> None:
    if len(value) > bounds.max_string:
        raise InputError(
            pointer, f"string of {len(value):,} characters; at most {bounds.max_string:,} allowed"
        )
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(value[exc.start])
            raise InputError(
                pointer, f"lone surrogate U+{code:04X} at character {exc.start}; not valid Unicode"
            ) from None


def check_value(value: Any, pointer: str = "", bounds: Bounds = BOUNDS) -> None:
    """Raise :class:`InputError` at the first value out of ``bounds`` (iteratively:
    no recursion, whatever the nesting)."""
    stack: list[tuple[Any, str, int]] = [(value, pointer, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, str):
            _check_string(item, where, bounds)
        elif isinstance(item, int):
            # compare magnitudes: str() of a huge int is itself the expensive step
            if abs(item) >= 10**bounds.max_int_digits:
                raise InputError(
                    where,
                    f"integer with more than {bounds.max_int_digits} digits; "
                    f"at most {bounds.max_int_digits} allowed",
                )
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InputError(where, f"{item} is not a finite number")
        elif isinstance(item, dict | list | tuple):
            if depth >= bounds.max_depth:
                raise InputError(where, f"nested deeper than {bounds.max_depth} levels")
            if len(item) > bounds.max_items:
                raise InputError(
                    where, f"{len(item):,} entries; at most {bounds.max_items:,} allowed"
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise InputError(where, f"key {key!r} is not a string")
                    _check_string(key, where, bounds)
                    stack.append((child, f"{where}/{_escape(key)}", depth + 1))
            else:
                for i, child in enumerate(item):
                    stack.append((child, f"{where}/{i}", depth + 1))


def _no_constant(name: str) -> Any:
    raise InputError("", f"{name} is not valid JSON (not a finite number)")


def loads(text: str, bounds: Bounds = BOUNDS, *, check: bool = True) -> Any:
    """Parse JSON text and (unless ``check`` is false: the caller checks the parts
    it uses) check it against ``bounds``; raise :class:`InputError`."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise InputError("", f"nested deeper than {bounds.max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            "", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except InputError:
        raise
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise InputError("", f"not readable JSON: {exc}") from None
    if check:
        check_value(value, "", bounds)
    return value


def decode(data: bytes, offset: int = 0) -> str:
    """UTF-8 text of ``data`` (a leading BOM dropped); :class:`InputError` names the
    byte offset (``offset`` is where ``data`` starts in its file)."""
    start = len(BOM) if offset == 0 and data.startswith(BOM) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = offset + start + exc.start
        raise InputError(
            "", f"not UTF-8: byte 0x{data[start + exc.start]:02x} at byte offset {at}"
        ) from None


def open_regular(path: Path, limit: int | None = None, *, follow: bool = True) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file of at most
    ``limit`` bytes (no limit: None); :class:`InputError` otherwise, before any byte
    is read. The open never blocks (a FIFO is opened non-blocking, then refused);
    with ``follow`` false a symbolic link is refused rather than followed."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and path.is_symlink():
            raise InputError("", "is a symbolic link; not followed") from None
        raise InputError("", f"cannot be opened: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a FIFO"
                if stat.S_ISFIFO(info.st_mode)
                else "a folder"
                if stat.S_ISDIR(info.st_mode)
                else "a device"
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "a socket or other special file"
            )
            raise InputError("", f"is {kind}, not a regular file; not read")
        if limit is not None and info.st_size > limit:
            raise InputError(
                "", f"file of {info.st_size:,} bytes; at most {limit:,} allowed; not read"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`open_regular`;
    a file that grows past the limit while it is read is refused too)."""
    with open_regular(path, limit, follow=follow) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError("", f"file of more than {limit:,} bytes; not read")
    return data


def read_json_file(path: Path, bounds: Bounds = BOUNDS) -> Any:
    """A whole JSON file (a regular file of at most ``max_file_bytes``), checked;
    raises :class:`InputError`."""
    return loads(decode(read_regular(path, bounds.max_file_bytes)), bounds)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a JSONL file: its number, byte offset, and value or problem."""

    number: int
    offset: int
    value: Any
    error: InputError | None
    size: int


def _read_line(handle: BinaryIO, limit: int) -> tuple[bytes, int, bool]:
    """The next line (at most ``limit`` bytes kept), its full size, and whether it was cut."""
    data = handle.readline(limit + 1)
    size = len(data)
    if size <= limit or data.endswith(b"\n"):
        return data, size, False
    while True:  # skip the rest of an over-long line in bounded chunks
        chunk = handle.readline(1 << 20)
        size += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return b"", size, True


def iter_jsonl(handle: BinaryIO, bounds: Bounds = BOUNDS) -> Iterator[Line]:
    """Every non-blank line of a JSONL stream, parsed, one at a time (memory bounded
    by ``max_line_bytes``); a bad line is yielded with its error. The values are
    not checked against the other bounds: the reader checks each item it uses,
    so that one bad item does not cost the line's good ones."""
    offset = 0
    number = 0
    while True:
        data, size, cut = _read_line(handle, bounds.max_line_bytes)
        if size == 0:
            return
        number += 1
        try:
            if cut:
                raise InputError(
                    "", f"line of {size:,} bytes; at most {bounds.max_line_bytes:,} allowed"
                )
            text = decode(data, offset)
            if text.strip():
                yield Line(number, offset, loads(text, bounds, check=False), None, size)
        except InputError as exc:
            yield Line(number, offset, None, exc, size)
        offset += size


#: Unicode categories :func:`shown` escapes: controls, format characters (the
#: bidirectional overrides and zero-width characters among them), surrogates,
#: line and paragraph separators, private use and unassigned code points.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"})


def shown(text: str) -> str:
    """``text`` safe to print or render: every character of :data:`_HIDDEN` (an escape
    sequence, a right-to-left override, ...) written as ``\\x1b`` or ``\\u202e``."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for c in text:
        if c != " " and unicodedata.category(c) in _HIDDEN:
            code = ord(c)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(c)
    return "".join(out)
