"""The extractor protocol and the registry of systems.

A system is any object with ``name``, ``version``, ``layers`` (the layers it
attempts) and ``extract(document) -> Prediction``. Systems are found by name
through the entry-point group ``troopbench.systems`` (the entry point may
name the system object itself, a class, or a zero-argument factory), or by a
``module:attr`` path.

Systems may take options (``troopbench run llm --option model=NAME``): a
class or factory with an ``options`` keyword parameter is called with the
``name=value`` pairs as a ``dict[str, str]`` and checks them itself (raising
:class:`SystemOptionError` for a bad one). Options that change outputs must
be part of the built system's ``version``, so the predictions cache and the
results tell runs with different options apart.

A system whose optional dependencies are missing raises
:class:`SystemUnavailable` when it is built; it is then listed as
unavailable, with the install command, and skipped by ``run --all``.

Listing without building: a registered class or factory may have a
``probe()`` static method that returns the ``version`` the system would
have if built here, or raises :class:`SystemUnavailable` for the same
reasons building would, without building anything (no model loaded, no JVM
started): it checks that its imports can be found, that Java is there, that
its model packages are installed, and reads versions from package metadata.
:func:`describe_systems` uses it and builds only systems without one.

Every system declares its exposure to the test articles (:class:`Exposure`):
an ``exposure`` attribute from :data:`EXPOSURES` and a one-line
``exposure_note`` saying what it saw. A system that declares nothing is
:data:`UNDECLARED`, never taken for clean.

Exposure is per corpus: ``exposure``/``exposure_note`` are the declaration
for troopbench's own articles; ``corpus_exposure`` gives (corpus, level,
note) triples for other corpora, e.g. ``(("te3-platinum", "none", "..."),)``
(:func:`corpus_exposures`). A corpus a system declares nothing for is
:data:`UNDECLARED` for it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from benchmark.corpus import Document
from benchmark.layers import LAYERS
from benchmark.predictions import Prediction

ENTRY_POINT_GROUP = "troopbench.systems"

#: The closed vocabulary of test exposure, from clean to fitted (docs/systems.md, "Test exposure").
EXPOSURES: tuple[str, ...] = ("none", "configured", "leave-one-out", "developed")
#: Shown for a system that declares no exposure; never counted as clean.
UNDECLARED = "undeclared"
#: Exposures whose scores are not fitted to the test articles (the leaderboard's untuned tiers).
UNTUNED: tuple[str, ...] = ("none", "configured")
NOTE_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Exposure:
    """What a system saw of the five test articles: a level and one line of detail."""

    level: str  # one of EXPOSURES, or UNDECLARED
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"exposure": self.level, "exposure_note": self.note}


def exposure_problem(level: object, note: object) -> str | None:
    """Why a declared (``level``, ``note``) is not valid, or None."""
    if level not in EXPOSURES:
        return f"exposure {level!r} is not one of {', '.join(EXPOSURES)}"
    if not isinstance(note, str) or not note.strip() or "\n" in note or len(note) > NOTE_LIMIT:
        return f"exposure_note must be one non-empty line of at most {NOTE_LIMIT} characters"
    return None


def declared_exposure(system: object) -> Exposure:
    """A system's declared exposure; :data:`UNDECLARED` when it declares none.

    Raises ValueError for a declaration outside the vocabulary (see
    :func:`exposure_problem`); :func:`load_system` refuses such systems.
    """
    level = getattr(system, "exposure", None)
    if level is None:
        return Exposure(UNDECLARED)
    note = getattr(system, "exposure_note", "")
    problem = exposure_problem(level, note)
    if problem is not None:
        raise ValueError(problem)
    return Exposure(str(level), str(note))


def corpus_exposures(system: object) -> dict[str, Exposure]:
    """A system's declared exposure to each corpus other than troopbench's own
    (its ``corpus_exposure`` attribute); ValueError for a malformed declaration."""
    declared = getattr(system, "corpus_exposure", None)
    if declared is None:
        return {}
    shape = "corpus_exposure must be (corpus, level, note) triples, one per corpus"
    if not isinstance(declared, tuple | list):
        raise ValueError(shape)
    out: dict[str, Exposure] = {}
    for triple in declared:
        if not isinstance(triple, tuple | list) or len(triple) != 3:
            raise ValueError(shape)
        corpus, level, note = triple
        if not isinstance(corpus, str) or not corpus or corpus in out:
            raise ValueError(shape)
        problem = exposure_problem(level, note)
        if problem is not None:
            raise ValueError(f"corpus_exposure {corpus!r}: {problem}")
        out[corpus] = Exposure(str(level), str(note))
    return dict(sorted(out.items()))


@runtime_checkable
class Extractor(Protocol):
    """What a troopbench system is.

    ``layers`` is a subset of ``("entities", "timexes", "troop_counts",
    "stances")``; ``extract`` must return a :class:`Prediction` whose
    attempted layers are those. ``parallel`` (optional, default
    ``"process"``) tells the runner how documents may run concurrently:
    ``"thread"`` for I/O-bound systems (remote APIs), ``"process"`` for
    CPU-bound ones, ``"none"`` for systems that must run serially.
    ``exposure`` and ``exposure_note`` (optional; :func:`declared_exposure`)
    say what the system saw of the test articles.
    """

    name: str
    version: str
    layers: tuple[str, ...]

    def extract(self, document: Document) -> Prediction: ...


class SystemUnavailable(Exception):
    """A system cannot be built here (an optional dependency is missing)."""

    def __init__(self, name: str, reason: str, install: str) -> None:
        from benchmark.install import as_installed

        self.name = name
        self.reason = reason
        self.install = as_installed(install)  # a command that works here, as printed
        super().__init__(f"system {name!r} is unavailable: {reason}; {self.advice}")

    @property
    def advice(self) -> str:
        """``install it with: <command>`` for a pip command; other advice as it is."""
        if re.match(r"(?:\S+ -m )?pip install ", self.install):
            return f"install it with: {self.install}"
        return self.install


def find_modules(name: str, modules: Mapping[str, str], install: str) -> None:
    """Raise :class:`SystemUnavailable` (``modules[m]`` as the reason) for the first
    top-level module ``m`` that cannot be found; finds, never imports (for ``probe()``)."""
    for module, reason in modules.items():
        if importlib.util.find_spec(module) is None:
            raise SystemUnavailable(name, reason, install)


def dist_version(distribution: str) -> str:
    """An installed distribution's version from its metadata ("?" when it has none)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


class SystemNotFound(Exception):
    """A system name or path that cannot be resolved, or an object that is not a system."""


class SystemOptionError(ValueError):
    """A system option that is malformed, unknown to the system, or has a bad value."""


def parse_options(pairs: Sequence[str]) -> dict[str, str]:
    """``["model=x", "base-url=http://h/v1"]`` → ``{"model": "x", "base-url": ...}``.

    Each pair is ``name=value`` (the value may contain ``=``); a name given
    twice, an empty name or a missing ``=`` is a :class:`SystemOptionError`.
    """
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SystemOptionError(f"option {pair!r} is not NAME=VALUE")
        if name in options:
            raise SystemOptionError(f"option {name!r} is given twice")
        options[name] = value
    return options


def _takes_options(obj: object) -> bool:
    try:
        parameters = inspect.signature(obj).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return "options" in parameters


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """A registered system: its name, where it lives, and whether it loads here."""

    name: str
    target: str
    available: bool
    version: str
    layers: tuple[str, ...]
    note: str
    exposure: str = UNDECLARED


def _registered() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _instantiate(obj: object, label: str, options: Mapping[str, str] | None = None) -> Extractor:
    candidate = obj
    if options:
        if _looks_like_system(candidate) or not _takes_options(candidate):
            raise SystemOptionError(
                f"system {label!r} takes no options (given: {', '.join(sorted(options))})"
            )
        candidate = candidate(options=dict(options))  # type: ignore[operator]
    elif not _looks_like_system(candidate) and callable(candidate):
        candidate = candidate()
    if not _looks_like_system(candidate):
        raise SystemNotFound(
            f"{label} is not a troopbench system: "
            "it needs name, version, layers and extract(document)"
        )
    layers = tuple(candidate.layers)  # type: ignore[attr-defined]
    unknown = [layer for layer in layers if layer not in LAYERS]
    if unknown or not layers:
        raise SystemNotFound(
            f"{label} declares layers {layers!r}; each must be one of {', '.join(LAYERS)}"
        )
    try:
        declared_exposure(candidate)
        corpus_exposures(candidate)
    except ValueError as exc:
        raise SystemNotFound(f"{label}: {exc}") from exc
    return candidate  # type: ignore[return-value]


def check_system(system: object, label: str) -> None:
    """Raise :class:`SystemNotFound` unless ``system`` is usable: a system object
    whose name is a non-empty string (at most 100 characters, valid Unicode),
    whose version is a string or number and whose layers are known ones."""
    if not _looks_like_system(system):
        if isinstance(system, type):
            what = f"is a class whose instances take arguments ({system.__name__})"
        else:
            missing = [a for a in ("name", "version", "layers") if not hasattr(system, a)]
            if not callable(getattr(system, "extract", None)):
                missing.append("extract(document)")
            what = f"has no {', '.join(missing)}" if missing else "is not usable"
        raise SystemNotFound(
            f"{label} is not a troopbench system: it {what} "
            "(a system needs name, version, layers and extract(document))"
        )
    name = system.name  # type: ignore[attr-defined]
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise SystemNotFound(
            f"{label}: name must be a non-empty string of at most 100 characters, "
            f"not {type(name).__name__} {str(name)[:40]!r}"
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise SystemNotFound(f"{label}: name {name!r} is not valid Unicode") from None
    version = system.version  # type: ignore[attr-defined]
    if not isinstance(version, str | int | float) or isinstance(version, bool):
        raise SystemNotFound(f"{label}: version must be a string, not {type(version).__name__}")
    try:
        layers = tuple(system.layers)  # type: ignore[attr-defined]
    except TypeError:
        layers = ()
    if not layers or any(not isinstance(x, str) or x not in LAYERS for x in layers):
        raise SystemNotFound(
            f"{label} declares layers {layers!r}; each must be one of {', '.join(LAYERS)}"
        )
    try:
        declared_exposure(system)
        corpus_exposures(system)
    except ValueError as exc:
        raise SystemNotFound(f"{label}: {exc}") from None


def entry_point_target(name: str) -> str:
    """The ``module:attr`` a registered system name points at ("" if none)."""
    ep = _registered().get(name)
    return str(ep.value) if ep is not None else ""  # type: ignore[attr-defined]


def _looks_like_system(obj: object) -> bool:
    return (
        not isinstance(obj, type)
        and all(hasattr(obj, a) for a in ("name", "version", "layers"))
        and callable(getattr(obj, "extract", None))
    )


def load_path(path: str, options: Mapping[str, str] | None = None) -> Extractor:
    """Build a system from ``module:attr`` (attr may be dotted), with ``options`` if given."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise SystemNotFound(f"{path!r} is not a module:attr path")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SystemNotFound(f"cannot import {module_name!r} for {path!r}: {exc}") from exc
    obj: object = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise SystemNotFound(f"{module_name!r} has no attribute {attr!r}") from exc
    return _instantiate(obj, path, options)


def resolve_ref(name: str) -> str:
    """Check that ``name`` is a registered name or a ``module:attr`` path, without
    importing or building anything; raise :class:`SystemNotFound` otherwise."""
    if ":" in name:
        module_name, _, attr = name.partition(":")
        if not module_name or not attr:
            raise SystemNotFound(f"{name!r} is not a module:attr path")
        return name
    registered = _registered()
    if name not in registered:
        known = ", ".join(sorted(registered)) or "(none)"
        raise SystemNotFound(f"unknown system {name!r}; available systems: {known}")
    return name


def available_names() -> list[str]:
    return sorted(_registered())


def load_system(name: str, options: Mapping[str, str] | None = None) -> Extractor:
    """Build a system by registered name or ``module:attr`` path, with ``options``.

    Raises :class:`SystemNotFound` (listing the registered names) for an
    unknown name, :class:`SystemUnavailable` when its extras are missing and
    :class:`SystemOptionError` for options it does not take.
    """
    if ":" in name:
        return load_path(name, options)
    registered = _registered()
    if name not in registered:
        known = ", ".join(sorted(registered)) or "(none)"
        raise SystemNotFound(f"unknown system {name!r}; available systems: {known}")
    ep = registered[name]
    try:
        target = ep.load()  # type: ignore[attr-defined]
    except ImportError as exc:
        raise SystemNotFound(f"system {name!r} ({ep.value}) cannot be imported: {exc}") from exc  # type: ignore[attr-defined]
    return _instantiate(target, name, options)


def _probed(name: str, target: str) -> SystemInfo | None:
    """A registered system described through its ``probe()`` (module doc), or None
    when it has none (or cannot be imported: building reports that)."""
    try:
        obj = _registered()[name].load()  # type: ignore[attr-defined]
    except ImportError:
        return None
    probe = getattr(obj, "probe", None)
    if not callable(probe) or not isinstance(getattr(obj, "layers", None), tuple):
        return None
    try:
        version = probe()
    except SystemUnavailable as exc:
        return SystemInfo(name, target, False, "", (), f"{exc.reason}; install: {exc.install}")
    doc = (obj.__doc__ or "").strip().splitlines()
    try:
        exposure = declared_exposure(obj).level
    except ValueError:
        return None
    return SystemInfo(
        name, target, True, str(version), tuple(obj.layers), doc[0] if doc else "", exposure
    )


def describe_systems(
    loader: Callable[[str], Extractor] = load_system, probe: bool = True
) -> list[SystemInfo]:
    """Every registered system and whether it is available here: from its ``probe()``
    when it has one and ``probe`` is true (nothing built), else by building it."""
    infos = []
    for name, ep in sorted(_registered().items()):
        target = ep.value  # type: ignore[attr-defined]
        probed = _probed(name, target) if probe else None
        if probed is not None:
            infos.append(probed)
            continue
        try:
            system = loader(name)
        except SystemUnavailable as exc:
            infos.append(SystemInfo(name, target, False, "", (), f"{exc.reason}; {exc.advice}"))
            continue
        except SystemNotFound as exc:
            infos.append(SystemInfo(name, target, False, "", (), str(exc)))
            continue
        doc = (type(system).__doc__ or "").strip().splitlines()
        infos.append(
            SystemInfo(
                name,
                target,
                True,
                str(system.version),
                tuple(system.layers),
                doc[0] if doc else "",
                declared_exposure(system).level,
            )
        )
    return infos
