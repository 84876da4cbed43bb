"""The ``troopbench variants`` command: list the transformations, show or write one variant,
summarise and check the whole contrast suite."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from benchmark.gold import Gold
from benchmark.variants.names import INSTALL, FakerMissing
from benchmark.variants.suite import (
    DEFAULT_SEEDS,
    TRANSFORMATIONS,
    NoDistinctVariant,
    Suite,
    Variant,
    build_suite,
    make_variant,
    validate_variant,
)


def load_suite(gold: Gold, seeds: int = DEFAULT_SEEDS) -> Suite | None:
    """The default contrast suite, or None after saying on stderr what is missing."""
    try:
        return build_suite(gold, seeds)
    except FakerMissing as exc:
        print(f"troopbench: the contrast suite cannot be built here: {exc}", file=sys.stderr)
        return None


def _available() -> str:
    try:
        from benchmark.variants.names import faker_version, gender_guesser_version

        versions = f"faker {faker_version()} and gender-guesser {gender_guesser_version()}"
        return f"names and all use {versions}"
    except FakerMissing:
        return (
            "names and all need faker and gender-guesser, which are not installed here; "
            f"install them with: {INSTALL}"
        )


def list_transformations() -> str:
    from tabulate import tabulate

    rows = []
    for name, t in TRANSFORMATIONS.items():
        doc = (type(t).__doc__ or "").strip().splitlines()[0]
        rows.append([name, t.version, doc])
    return tabulate(rows, ["transformation", "version", "what it does"]) + "\n" + _available()


def _lines(text: str) -> list[str]:
    """Lines with their endings; a last line without one gets one (for the diff only)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _diff(before: str, after: str, a: str, b: str) -> str:
    return "".join(difflib.unified_diff(_lines(before), _lines(after), a, b, n=0))


def show(gold: Gold, variant: Variant) -> str:
    """The changes a variant makes: its text and its gold, as unified diffs against the original."""
    from benchmark.variants.serialize import document_bytes

    original = gold.documents[variant.origin]
    return _diff(
        original.document.text, variant.gold.document.text, variant.origin, variant.doc_id
    ) + _diff(
        document_bytes(original).decode(),
        variant.document_bytes().decode(),
        f"{variant.origin}.json",
        f"{variant.doc_id}.json",
    )


#: The file ``variants --write`` leaves in its folders: only such a folder (or a new or
#: empty one) is written into, so a checkout's own gold is never overwritten.
WRITE_MARKER = ".troopbench-variants"


def write(variant: Variant, directory: Path) -> list[Path]:
    """Write the variant as a gold folder: ``seeds/<id>.txt``, ``gold/<id>.json``,
    ``gold/entities.json`` (its own registry); all or nothing. ``directory`` must be
    new, empty or written by this command before; raises
    :class:`~benchmark.atomic.UnsafeOutput` otherwise (see
    :func:`~benchmark.atomic.claim_folder`)."""
    from benchmark.atomic import claim_folder, safe_target, write_texts_atomic

    claim_folder(directory, WRITE_MARKER)
    files = {
        directory / "seeds" / f"{variant.doc_id}.txt": variant.gold.document.text,
        directory / "gold" / f"{variant.doc_id}.json": variant.document_bytes().decode(),
        directory / "gold" / "entities.json": variant.registry_bytes().decode(),
    }
    for path in files:
        safe_target(directory, path)
    write_texts_atomic(files)
    return list(files)


def summary(suite: Suite, check: bool) -> tuple[str, int]:
    """A table of the suite (variants per transformation, problems found with ``check``)."""
    from tabulate import tabulate

    counts: dict[str, list[int]] = {name: [0, 0] for name in TRANSFORMATIONS}
    for v in suite:
        row = counts.setdefault(v.transformation, [0, 0])
        row[0] += 1
        if check:
            problems = validate_variant(v)
            row[1] += len(problems)
            for p in problems:
                print(f"{v.doc_id}: {p}", file=sys.stderr)
    headers = ["transformation", "variants"] + (["problems"] if check else [])
    rows = [[name, c[0], *([c[1]] if check else [])] for name, c in counts.items()]
    text = tabulate(rows, headers)
    distinct = len({(v.gold.document.text, v.gold.document.dct) for v in suite})
    text += (
        f"\n{len(suite.variants)} variants of {len(suite.gold.documents)} documents, "
        f"{distinct} distinct, seeds 0-{suite.seeds - 1}; suite {suite.sha256[:12]} "
        f"(gold {suite.gold.short_hash})"
    )
    text += "".join(f"\nshort: {s.line()}" for s in suite.shortfalls)
    return text, sum(c[1] for c in counts.values())


def cmd_variants(args: argparse.Namespace, gold: Gold) -> int:
    """``troopbench variants`` (see :func:`add_parser`); returns the exit code."""
    if args.document is None:
        if args.suite:
            suite = load_suite(gold, args.variant_seeds)
            if suite is None:
                return 3
            text, problems = summary(suite, args.check)
            print(text)
            return 1 if problems else 0
        print(list_transformations())
        return 0
    if args.transformation is None or args.seed is None:
        print("troopbench variants: give DOC_ID TRANSFORMATION SEED", file=sys.stderr)
        return 2
    matches = [d for d in gold.documents if d.startswith(args.document)]
    if args.document in gold.documents:
        matches = [args.document]  # a whole id is never ambiguous
    if not matches:
        print(f"troopbench variants: no document {args.document!r}", file=sys.stderr)
        return 2
    if len(matches) > 1:
        some = ", ".join(matches[:5]) + (
            f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        )
        print(
            f"troopbench variants: {args.document!r} is the start of {len(matches)} documents "
            f"({some}); give more of the id",
            file=sys.stderr,
        )
        return 2
    doc_id = matches[0]
    if args.transformation not in TRANSFORMATIONS:
        known = ", ".join(TRANSFORMATIONS)
        print(
            f"troopbench variants: unknown transformation {args.transformation!r}; {known}",
            file=sys.stderr,
        )
        return 2
    try:
        variant = make_variant(gold, doc_id, args.transformation, args.seed)
    except FakerMissing as exc:
        print(f"troopbench: {exc}", file=sys.stderr)
        return 3
    except NoDistinctVariant as exc:
        print(f"troopbench variants: {exc.args[0]}", file=sys.stderr)
        return 2
    problems = validate_variant(variant)
    for p in problems:
        print(f"troopbench variants: {p}", file=sys.stderr)
    if args.write is not None:
        from benchmark.atomic import UnsafeOutput

        try:
            paths = write(variant, args.write)
        except UnsafeOutput as exc:
            print(f"troopbench variants: --write: {exc}; nothing was written", file=sys.stderr)
            return 2
        except OSError as exc:
            print(
                f"troopbench variants: --write: cannot write {args.write}: {exc.strerror}",
                file=sys.stderr,
            )
            return 2
        for path in paths:
            print(f"wrote {path}")
    else:
        sys.stdout.write(show(gold, variant))
    return 1 if problems else 0


def _seed(text: str) -> int:
    """A variant's seed: a whole number from 0 (the suite's seeds are 0, 1, ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a seed is a whole number from 0")
    return value


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p = sub.add_parser(
        "variants",
        help="list the contrast-set transformations; show or write one variant; check the suite",
    )
    p.add_argument("document", nargs="?", metavar="DOC_ID", help="document id (or a prefix: 003)")
    p.add_argument("transformation", nargs="?", metavar="TRANSFORMATION")
    p.add_argument("seed", nargs="?", type=_seed, metavar="SEED", help="a whole number from 0")
    p.add_argument("--write", type=Path, metavar="DIR", help="write seeds/ and gold/ to DIR")
    p.add_argument("--suite", action="store_true", help="summarise the whole contrast suite")
    p.add_argument("--check", action="store_true", help="with --suite: validate every variant")
    p.add_argument(
        "--variant-seeds",
        type=int,
        default=DEFAULT_SEEDS,
        metavar="N",
        help=f"with --suite: seeds per document and transformation (default {DEFAULT_SEEDS})",
    )
    return p
