"""The ``troopbench`` command line. Heavy modules are imported inside commands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from benchmark.cliutil import (
    EXIT_ABORTED,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    load_gold_or_report,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from benchmark.agreement import EntityAgreement
    from benchmark.corpus import CorpusInfo
    from benchmark.gold import Gold
    from benchmark.signature import StatsSettings


EPILOG = """\
exit codes:
  0  success
  1  invalid input: a gold problem, a rejected line or item in a predictions file
     (the rest is still scored and written), an unreadable, tampered or incomparable
     results file (leaderboard, compare), a stale LEADERBOARD.md with --check,
     or a failed publish (no token, offline, Hub error)
  2  usage error: bad arguments, unknown system name, a system that cannot be built,
     two systems with one name, results of another source without --force
  3  a requested system is unavailable here (optional dependency missing)
  4  a run stopped by --fail-fast
  130  interrupted (Ctrl-C); no file is left half-written

Paths default to the current directory: results/ and LEADERBOARD.md.
"""


def _corpus_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--corpus",
        default=None,
        metavar="NAME|DIR",
        help="the corpus: troopbench (the five articles, the default), a bundled corpus "
        "(te3-platinum; see `troopbench corpora`), a folder of .tml files, or a corpus folder "
        "(troopbench import timeml)",
    )


def _gold_args(parser: argparse.ArgumentParser) -> None:
    _corpus_arg(parser)
    parser.add_argument(
        "--gold", type=Path, default=None, help="gold folder (default: troopbench's own)"
    )
    parser.add_argument(
        "--seeds", type=Path, default=None, help="articles folder (default: troopbench's own)"
    )


def _load_gold(args: argparse.Namespace) -> Gold | None:
    from benchmark.cache import default_cache_dir
    from benchmark.statcache import caching

    # gold files whose content passed the schema before are not validated again
    folder = getattr(args, "cache_dir", None) or default_cache_dir()
    with caching(None if getattr(args, "no_cache", False) else folder):
        return load_gold_or_report(args)


def _corpus_results(results: Path, gold: Gold) -> Path:
    """Where a corpus's results live: ``results/`` for troopbench's own articles,
    ``results/<corpus>/`` for any other (never ranked together)."""
    return results if gold.corpus.is_default else results / gold.corpus.name


def _default_gold(args: argparse.Namespace, gold: Gold) -> Gold | None:
    """troopbench's own gold (LEADERBOARD.md is built on it): ``gold`` when it is."""
    if gold.corpus.is_default:
        return gold
    return load_gold_or_report(argparse.Namespace(corpus=None, gold=None, seeds=None))


def _other_corpora() -> list[Gold]:
    """Every bundled corpus but troopbench's, loaded (one that does not load is said, left out)."""
    from benchmark.corpora import bundled_names

    out = []
    for name in bundled_names()[1:]:
        gold = load_gold_or_report(argparse.Namespace(corpus=name, gold=None, seeds=None))
        if gold is not None:
            out.append(gold)
    return out


# ---------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    from benchmark.corpora import CorpusNotFound, load_corpus, resolve_corpus, validate_corpus
    from benchmark.gold import GoldError

    try:
        info = resolve_corpus(args.corpus)
        if not info.is_default and (args.gold is not None or args.seeds is not None):
            raise CorpusNotFound("--gold and --seeds replace troopbench's own corpus, not another")
    except CorpusNotFound as exc:
        print(f"troopbench validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GoldError as exc:
        problems = list(exc.problems)
    else:
        problems = validate_corpus(info, args.gold, args.seeds)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_INVALID
    gold = load_corpus(info, args.gold, args.seeds)
    if not info.is_default:
        _print_corpus(gold)
        return EXIT_OK
    n = {
        layer: sum(len(getattr(d, layer)) for d in gold)
        for layer in ("entities", "timexes", "troop_counts", "stances")
    }
    print(
        f"gold OK: {len(gold.documents)} documents, "
        f"{len(gold.registry.entries)} registry entities, "
        f"{n['entities']} entity mentions, {n['timexes']} timexes, "
        f"{n['troop_counts']} troop counts, {n['stances']} stances; gold hash {gold.short_hash}"
    )
    return EXIT_OK


def _print_corpus(gold: Gold) -> None:
    """The summary ``validate`` prints for a corpus other than troopbench's."""
    from benchmark.layers import LAYERS
    from benchmark.layers.timexes import timeml_deviation

    corpus = gold.corpus
    items = ", ".join(
        f"{sum(len(getattr(d, layer)) for d in gold)} {layer.replace('_', ' ')}"
        for layer in corpus.layers
    )
    print(
        f"corpus {corpus.name} OK: {len(gold.documents)} documents, {items}; "
        f"gold hash {gold.short_hash}"
    )
    if "timexes" in corpus.layers:
        values = sorted({t.value for d in gold for t in d.timexes})
        deviations = [v for v in values if timeml_deviation(v)]
        where = (
            f"{len(deviations)} of them listed corpus deviations: {', '.join(deviations)}"
            if deviations
            else "all TimeML 1.2.1"
        )
        print(f"  timex values: {len(values)} distinct, {where}")
    for layer in LAYERS:
        if layer in corpus.pending:
            print(
                f"  {layer}: pending (declared, not committed yet): not annotated; "
                "no system attempting it may run on this corpus"
            )
        elif layer not in corpus.layers:
            print(f"  {layer}: not annotated")
    if corpus.licence:
        print(f"  licence: {corpus.licence}")
    if corpus.citation:
        print(f"  cite: {corpus.citation}")


def cmd_corpora(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from benchmark.corpora import bundled_names, load_corpus
    from benchmark.gold import GoldError

    rows = []
    status = EXIT_OK
    for name in bundled_names():
        try:
            gold = load_corpus(name)
        except GoldError as exc:
            rows.append(
                [
                    name,
                    "invalid",
                    "",
                    "",
                    f"{len(exc.problems)} problem(s); troopbench validate --corpus {name}",
                ]
            )
            status = EXIT_INVALID
            continue
        c = gold.corpus
        rows.append(
            [
                name,
                len(gold.documents),
                ",".join(c.layers) + (f" (pending: {','.join(c.pending)})" if c.pending else ""),
                c.licence.split(" (")[0].split(";")[0],
                c.title,
            ]
        )
    print(
        tabulate(
            rows,
            ["corpus", "documents", "layers", "licence", "title"],
            tablefmt="simple",
            disable_numparse=True,
        )
    )
    return status


def cmd_systems(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from benchmark.systems import describe_systems

    rows = [
        [
            i.name,
            i.version if i.available else "unavailable",
            ",".join(i.layers) or "-",
            i.exposure if i.available else "-",
            plain_text(i.note),
        ]
        for i in describe_systems()
    ]
    print(tabulate(rows, ["name", "version", "layers", "exposure", "notes"], tablefmt="simple"))
    return EXIT_OK


def plain_text(note: str) -> str:
    """A docstring line without its reST markup: ``x``, `x` and :role:`x` become x."""
    import re

    note = re.sub(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`", r"\1", note)
    return re.sub(r"``([^`]+)``|`([^`]+)`", lambda m: m.group(1) or m.group(2), note)


def _stats_args(parser: argparse.ArgumentParser) -> None:
    from benchmark.signature import DEFAULT_STATS as d

    g = parser.add_argument_group("statistics (part of the signature)")
    g.add_argument("--seed", type=int, default=d.seed, help=f"random seed (default {d.seed})")
    g.add_argument(
        "--bootstrap",
        type=int,
        default=d.bootstrap_trials,
        metavar="N",
        help=f"bootstrap resamples per interval (default {d.bootstrap_trials})",
    )
    g.add_argument(
        "--trials",
        type=int,
        default=d.permutation_trials,
        metavar="N",
        help=f"randomization trials per test (default {d.permutation_trials})",
    )
    g.add_argument(
        "--alpha",
        type=float,
        default=d.alpha,
        help=f"significance level of the tiers and tests (default {d.alpha:g})",
    )


def _stats_settings(args: argparse.Namespace) -> StatsSettings:
    from benchmark.signature import DEFAULT_STATS, StatsSettings

    return StatsSettings(
        bootstrap_trials=getattr(args, "bootstrap", DEFAULT_STATS.bootstrap_trials),
        permutation_trials=getattr(args, "trials", DEFAULT_STATS.permutation_trials),
        seed=getattr(args, "seed", DEFAULT_STATS.seed),
        alpha=getattr(args, "alpha", DEFAULT_STATS.alpha),
    )


def _plots_dir(args: argparse.Namespace) -> Path:
    plots: Path | None = getattr(args, "plots", None)
    return plots if plots is not None else args.leaderboard.parent / "docs" / "leaderboard"


def _leaderboard_files(
    gold: Gold, args: argparse.Namespace, only: Sequence[str] | None = None
) -> tuple[dict[Path, str], list[str]]:
    """LEADERBOARD.md and its plots (path → text), as the results say they should be,
    and one line per results file that is not ranked (unreadable or not comparable).

    ``only``: the leaderboard of the systems of these exposures alone, and no plots.
    For a corpus other than troopbench's: that corpus's leaderboard alone (from
    ``results/<corpus>/``), no plots, no Robustness or Transfer section.
    """
    import os

    from benchmark.leaderboard import build, load_results, read_notes
    from benchmark.signature import current_signature
    from benchmark.units import corpus_units

    settings = _stats_settings(args)
    plots_dir = _plots_dir(args)
    default = gold.corpus.is_default
    results_dir = _corpus_results(args.results, gold)
    units = corpus_units([(d, g.document.text) for d, g in gold.documents.items()])
    links = {
        layer: Path(os.path.relpath(plots_dir / f"{layer}.svg", args.leaderboard.parent)).as_posix()
        for layer in ("entities", "timexes", "troop_counts", "stances")
    }
    from benchmark.cache import default_cache_dir
    from benchmark.statcache import caching
    from benchmark.variants.robustness import robustness_for

    # checked results files, intervals, tests and tiers are kept in the cache folder,
    # keyed by their inputs (benchmark.statcache)
    folder = getattr(args, "cache_dir", None) or default_cache_dir()
    with caching(None if getattr(args, "no_cache", False) else folder):
        baselines = _baselines(args) if default else None  # the baselines are troopbench's
        loaded = load_results(
            results_dir, gold.sha256, units, baselines=baselines, corpus=gold.corpus.name
        )
        notes_file = results_dir / "NOTES.md"
        if not notes_file.is_file() and baselines is not None:
            notes_file = baselines / "NOTES.md"  # the commentary on the baselines shown
        text, svgs = build(
            loaded,
            current_signature(gold.sha256, settings, gold.corpus.name).line(),
            read_notes(notes_file),
            None if only or not default else links,
            settings,
            only,
        )
        problems = loaded.problems()
        if default:
            from benchmark.transfer import transfer_for

            text = robustness_for(text, args.results, gold, settings, only)
            text, more = transfer_for(text, args.results, gold, _other_corpora(), settings, only)
            problems += more
    files = {args.leaderboard: text}
    if only or not default:
        return files, problems
    files.update({plots_dir / f"{layer}.svg": svg for layer, svg in svgs.items()})
    return files, problems


def _baselines(args: argparse.Namespace) -> Path | None:
    """The built-in systems' committed results, with ``--with-baselines``."""
    if not getattr(args, "with_baselines", False):
        return None
    from benchmark.corpus import baseline_results_dir

    return baseline_results_dir()


def _print_problems(problems: Sequence[str], results: Path) -> None:
    from benchmark.inputs import shown

    for line in problems:
        print(shown(f"troopbench: {results / line}"), file=sys.stderr)
    if problems:
        print(
            f"troopbench: {len(problems)} results file(s) not ranked; see above",
            file=sys.stderr,
        )


def _rebuild_leaderboard(gold: Gold, args: argparse.Namespace) -> list[str]:
    """Write LEADERBOARD.md and its plots; the problems found are printed and returned."""
    from benchmark.atomic import write_texts_atomic

    files, problems = _leaderboard_files(gold, args)
    try:  # the leaderboard and its plots: all or none
        write_texts_atomic(files)
    except OSError as exc:
        raise WriteFailed(
            f"cannot write {exc.filename or args.leaderboard}: {exc.strerror or exc}; "
            "the leaderboard and its plots were left as they were"
        ) from None
    for path in files:
        print(f"wrote {path}")
    _print_problems(problems, args.results)
    return problems


def _print_per_document(evaluation: Any) -> None:
    """The primary P/R/F1 of each document and layer (a corpus total can hide that one
    document scores far below the others)."""
    from tabulate import tabulate

    from benchmark.report import primary_score
    from benchmark.scoring import PRIMARY

    rows = []
    for layer in evaluation.attempted:
        for doc_id, counts in sorted(evaluation.per_doc[layer].items()):
            score = primary_score(layer, counts)
            rows.append([doc_id, layer, PRIMARY[layer], score.precision, score.recall, score.f1])
    if rows:
        print("per document:")
        print(tabulate(rows, ["document", "layer", "metric", "P", "R", "F1"], floatfmt=".3f"))


def _print_summary(results: dict[str, object]) -> None:
    from tabulate import tabulate

    from benchmark.scoring import PRIMARY

    layers = results["layers"]
    assert isinstance(layers, dict)
    rows = []
    for layer, data in layers.items():
        m = data["metrics"]
        prefix = PRIMARY[layer].removesuffix("_f1")
        rows.append(
            [
                layer,
                PRIMARY[layer],
                m[f"{prefix}_precision"],
                m[f"{prefix}_recall"],
                m[PRIMARY[layer]],
            ]
        )
    for layer in results["not_attempted"]:  # type: ignore[attr-defined]
        rows.append([layer, "not attempted", "", "", ""])
    for layer in results.get("not_annotated", ()):  # type: ignore[attr-defined]
        rows.append([layer, "not annotated by the corpus", "", "", ""])
    print(tabulate(rows, ["layer", "metric", "P", "R", "F1"], floatfmt=".3f"))
    print(f"signature: {results['signature']['line']}")  # type: ignore[index]
    cost = results.get("cost")
    if isinstance(cost, dict):
        total = cost["total"]
        print(
            f"cost: {cost['tokens_per_document']:g} tokens and "
            f"{cost['seconds_per_document']:g} s per document; {total['requests']} requests, "
            f"{total['retries']} retries; answers aligned exactly {total['aligned_exact']}, "
            f"fuzzily {total['aligned_fuzzy']}, not at all {total['unaligned']}"
        )


def _open_system(
    ref: str, memory_limit: int | None, options: dict[str, str] | None = None
) -> object:
    """A supervisor whose first worker has built ``ref`` with ``options`` (the system
    never runs here)."""
    import os

    from benchmark.supervisor import Supervisor, SystemSpec

    paths = (os.getcwd(),) if ":" in ref else ()  # module:attr from the current folder
    spec = SystemSpec(ref=ref, paths=paths, options=tuple((options or {}).items()))
    return Supervisor(spec, memory_limit=memory_limit)


def _owner_conflict(path: Path, source: str) -> str | None:
    """Another source's results at ``path``: its source, else None."""
    from benchmark.inputs import read_json_file

    if not path.is_file():
        return None
    try:  # bounded, regular files only: see benchmark.inputs
        data = read_json_file(path)
        old = str(data["system"].get("source", ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return old if old and old != source else None


def _suite_arg(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--suite",
        choices=("original", "contrast", "all"),
        default=default,
        help="the original articles, their contrast variants (results/contrast/), "
        f"or both (default {default})",
    )


def default_jobs() -> int:
    """``--jobs`` of ``run --all``: the CPUs this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on this platform
        return max(1, os.cpu_count() or 1)


def cmd_variants(args: argparse.Namespace) -> int:
    from benchmark.variants.cli import cmd_variants as run_variants

    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    if not gold.corpus.is_default:
        print(
            "troopbench variants: the contrast suite is made from troopbench's articles only",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_variants(args, gold)


def _suite_parts(args: argparse.Namespace, gold: Gold) -> list[tuple[str, list, Any, Path]] | None:
    """(suite part, documents, scorer, results folder) for each part of ``--suite``; None
    (after saying why) when the contrast suite cannot be built here."""
    from functools import partial

    from benchmark.runner import score_outcome

    if args.suite is None:  # run: --all scores both suites, named systems the articles
        args.suite = "all" if args.all and gold.corpus.is_default else "original"
    parts: list[tuple[str, list, Any, Path]] = []
    if args.suite in ("original", "all"):
        part = "original" if gold.corpus.is_default else gold.corpus.name
        results_dir = _corpus_results(args.results, gold)
        parts.append((part, [d.document for d in gold], partial(score_outcome, gold), results_dir))
    if args.suite in ("contrast", "all") and not gold.corpus.is_default:
        print(
            f"troopbench: the contrast suite is made from troopbench's articles, not from "
            f"{gold.corpus.name}",
            file=sys.stderr,
        )
        return None
    if args.suite in ("contrast", "all"):
        from benchmark.variants.cli import load_suite
        from benchmark.variants.results import contrast_dir, score_contrast

        suite = load_suite(gold)
        if suite is None:
            return None
        documents = [v.gold.document for v in suite]
        parts.append(
            ("contrast", documents, partial(score_contrast, suite), contrast_dir(args.results))
        )
    return parts


class WriteFailed(Exception):
    """Files could not be written (a full disk, a folder that is a file, ...); nothing
    of them was replaced."""


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be written into ``folder``, checked before any work starts
    (it is created if missing; a probe of 64 KiB is written, flushed and removed,
    so a full disk or a read-only folder shows here), or None."""
    import os
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{folder} is not a folder"
    except OSError as exc:
        return f"{folder}: cannot be created: {exc.strerror}"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".troopbench-probe-") as probe:
            probe.write(b"\0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return f"{folder}: cannot write there: {exc.strerror}"
    return None


def _folders_ok(command: str, *folders: Path) -> bool:
    """Check each folder (:func:`folder_problem`); say what is wrong in one line."""
    for folder in folders:
        problem = folder_problem(folder)
        if problem is not None:
            print(f"troopbench {command}: {problem}; nothing was run", file=sys.stderr)
            return False
    return True


def _write_run(
    results_dir: Path,
    name: str,
    predictions: Mapping[str, Any],
    results: dict[str, object],
    exchanges: Sequence[Any] = (),
) -> None:
    """Write one run's predictions, exchanges (metered systems only) and results, all
    or none (a full disk leaves the old files, never a new one beside an old one);
    say so."""
    from benchmark.atomic import write_texts_atomic
    from benchmark.inputs import shown
    from benchmark.runner import (
        dumps_json,
        predictions_path,
        predictions_text,
        responses_path,
        responses_text,
        results_path,
    )

    files = {predictions_path(results_dir, name): predictions_text(predictions)}
    if exchanges:
        files[responses_path(results_dir, name)] = responses_text(exchanges)  # type: ignore[arg-type]
    files[results_path(results_dir, name)] = dumps_json(results)
    try:
        write_texts_atomic(files)
    except OSError as exc:
        where = exc.filename or results_dir
        raise WriteFailed(
            f"cannot write the files of {shown(name)} in {where}: {exc.strerror or exc}; "
            "the files there were left as they were"
        ) from None
    for path in files:
        print(f"{shown(name)}: wrote {path}")
    _print_summary(results)


def cmd_run(args: argparse.Namespace) -> int:
    from benchmark.inputs import shown
    from benchmark.runner import RunAborted, results_path, run_system
    from benchmark.supervisor import Supervisor, WorkerError
    from benchmark.systems import (
        SystemNotFound,
        SystemOptionError,
        available_names,
        parse_options,
        resolve_ref,
    )

    names = list(args.names)
    if args.all and args.option:
        print("troopbench run: --option applies to named systems, not to --all", file=sys.stderr)
        return EXIT_USAGE
    if args.all:
        names = sorted(set(names) | set(available_names()))
    if not names:
        print("troopbench run: name at least one system, or --all", file=sys.stderr)
        return EXIT_USAGE
    try:
        options = parse_options(args.option or [])
    except SystemOptionError as exc:
        print(f"troopbench run: --option: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs is None:  # the main job uses every CPU; named systems one at a time
        args.jobs = default_jobs() if args.all else 1
    if args.jobs < 1:
        print("troopbench run: --jobs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.memory_limit is not None and args.memory_limit < 1:
        print("troopbench run: --memory-limit must be at least 1 (MiB)", file=sys.stderr)
        return EXIT_USAGE
    for name in names:
        try:
            resolve_ref(name)
        except SystemNotFound as exc:
            print(f"troopbench: {exc}", file=sys.stderr)
            return EXIT_USAGE
    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    from benchmark.variants.results import contrast_dir

    folders = [args.results]
    if args.suite in ("contrast", "all") or (args.suite is None and args.all):
        folders.append(contrast_dir(args.results))
    if not args.no_leaderboard:
        folders.append(args.leaderboard.parent)
    if not _folders_ok("run", *folders):
        return EXIT_USAGE
    status = EXIT_OK
    # build every system first, each in its own worker: a wrong name, an
    # unavailable system or a clash of names fails before any document runs
    supervisors: list[Supervisor] = []
    try:
        for name in names:
            try:
                supervisors.append(_open_system(name, args.memory_limit, options))  # type: ignore[arg-type]
            except WorkerError as exc:
                print(f"troopbench: {exc.message}", file=sys.stderr)
                if exc.kind == "unavailable":
                    if not args.all:  # --all runs what is installed and says what is not
                        status = EXIT_UNAVAILABLE
                    continue
                return EXIT_USAGE
        seen: dict[str, str] = {}
        for sup in supervisors:
            key = results_path(args.results, sup.info.name).name
            source = sup.spec.source()
            if key in seen:
                print(
                    f"troopbench: {seen[key]} and {source} both write {key} "
                    f"(system name {sup.info.name!r}); rename one",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            seen[key] = source
            other = _owner_conflict(results_path(args.results, sup.info.name), source)
            if other is not None and not args.force:
                print(
                    f"troopbench: {results_path(args.results, sup.info.name)} holds results of "
                    f"{other}, not of {source}; rename the system, or use --force to replace them",
                    file=sys.stderr,
                )
                return EXIT_USAGE
        cache = None
        if not args.no_cache:
            from benchmark.cache import PredictionCache

            cache = PredictionCache(args.cache_dir)
        parts = _suite_parts(args, gold)
        if parts is None:
            return EXIT_UNAVAILABLE
        corpora = {part: gold.corpus for part, *_ in parts}
        if args.all and args.corpus is None:  # --all: every bundled corpus too
            from functools import partial

            from benchmark.runner import score_outcome

            for other in _other_corpora():
                name = other.corpus.name
                corpora[name] = other.corpus
                documents = [d.document for d in other]
                results_dir = _corpus_results(args.results, other)
                parts.append((name, documents, partial(score_outcome, other), results_dir))
        for k, sup in enumerate(supervisors, 1):
            info = sup.info
            try:
                for part, documents, score, results_dir in parts:
                    refusal = _corpus_refusal(info.name, info.layers, corpora[part])
                    if refusal is not None:
                        print(f"troopbench: {refusal}", file=sys.stderr)
                        if not args.all:
                            return EXIT_USAGE
                        continue
                    print(
                        shown(
                            f"system {k} of {len(supervisors)}: running {info.name} "
                            f"{info.version} on {len(documents)} {part} documents "
                            f"(worker started in {sup.start_seconds:.2f} s)"
                        ),
                        file=sys.stderr,
                    )
                    try:
                        outcome = run_system(
                            None,
                            documents,
                            timeout=args.timeout,
                            fail_fast=args.fail_fast,
                            progress=sys.stderr,
                            cache=cache,
                            jobs=args.jobs,
                            supervisor=sup,
                        )
                    except RunAborted as exc:
                        print(
                            f"troopbench: run stopped (--fail-fast): {exc.error}", file=sys.stderr
                        )
                        return EXIT_ABORTED
                    if cache is not None and not info.metered:  # metered: cached responses
                        print(
                            shown(
                                f"  {info.name}: {len(outcome.cached)} of {len(documents)} "
                                f"documents from the cache ({cache.directory})"
                            ),
                            file=sys.stderr,
                        )
                    _print_errors(outcome.errors, "  recorded: ")
                    for doc_id, trace in outcome.tracebacks.items():
                        if args.traceback:
                            print(
                                shown(f"  traceback of {info.name} on {doc_id}:"), file=sys.stderr
                            )
                            for line in trace.rstrip("\n").splitlines():
                                print(shown(f"    {line}"), file=sys.stderr)
                    if outcome.tracebacks and not args.traceback:
                        print(
                            shown(
                                f"  ({info.name} raised on {len(outcome.tracebacks)} document(s); "
                                "--traceback prints the whole traceback from the worker)"
                            ),
                            file=sys.stderr,
                        )
                    rejected = [e for e in outcome.errors if e.pointer]
                    if rejected:
                        print(
                            shown(
                                f"troopbench: {info.name} predicted {len(rejected)} item(s) "
                                "outside the prediction format (listed above; each counts as "
                                "spurious)"
                            ),
                            file=sys.stderr,
                        )
                        status = max(status, EXIT_INVALID)
                    exchanges = outcome.exchanges if outcome.usage else ()
                    _write_run(
                        results_dir, info.name, outcome.predictions, score(outcome), exchanges
                    )
            finally:
                sup.close()  # the worker closes its system (e.g. a local model server)
    finally:
        for sup in supervisors:
            sup.close()
    if args.no_leaderboard:
        return status
    if args.leaderboard.is_file() or args.leaderboard_rebuild or args.with_baselines:
        board_gold = _default_gold(args, gold)  # LEADERBOARD.md is troopbench's corpus's
        if board_gold is not None:
            _rebuild_leaderboard(board_gold, args)  # problems with other results are printed
    else:
        print(
            f"(no {args.leaderboard} here, so none was written: `troopbench leaderboard "
            "--with-baselines` ranks your results beside the built-in systems)",
            file=sys.stderr,
        )
    return status


def _corpus_refusal(system: str, layers: Sequence[str], corpus: CorpusInfo) -> str | None:
    """Why ``system`` may not run on ``corpus`` (None when it may): it attempts a layer
    whose gold for the corpus is pending (made blind, not committed yet), or no layer
    the corpus annotates."""
    pending = [x for x in layers if x in corpus.pending]
    if pending:
        return (
            f"{system} is not run on {corpus.name}: it attempts {', '.join(pending)}, whose "
            f"gold for {corpus.name} is not committed yet (systems run on a corpus only after "
            "its gold is committed)"
        )
    if not any(x in corpus.layers for x in layers):
        return (
            f"{system} is not run on {corpus.name}: it attempts none of the layers "
            f"{corpus.name} annotates ({', '.join(corpus.layers)})"
        )
    return None


def cmd_score(args: argparse.Namespace) -> int:
    from benchmark.predictions import load_predictions
    from benchmark.runner import (
        build_results,
    )
    from benchmark.scoring import evaluate
    from benchmark.systems import UNDECLARED, Exposure, exposure_problem

    exposure = Exposure(UNDECLARED)
    if args.exposure_note is not None and args.exposure is None:
        print("troopbench score: --exposure-note needs --exposure", file=sys.stderr)
        return EXIT_USAGE
    if args.exposure is not None:
        problem = exposure_problem(args.exposure, args.exposure_note or "")
        if problem is not None:
            print(f"troopbench score: --exposure/--exposure-note: {problem}", file=sys.stderr)
            return EXIT_USAGE
        exposure = Exposure(args.exposure, args.exposure_note)
    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    if not args.predictions.is_file():
        print(f"troopbench score: no such file: {args.predictions}", file=sys.stderr)
        return EXIT_USAGE
    suite = None
    results_dir = _corpus_results(args.results, gold)
    if args.suite == "contrast":
        from benchmark.variants.cli import load_suite
        from benchmark.variants.results import contrast_dir

        if not gold.corpus.is_default:
            print("troopbench score: the contrast suite is troopbench's own", file=sys.stderr)
            return EXIT_USAGE
        suite = load_suite(gold)
        if suite is None:
            return EXIT_UNAVAILABLE
        results_dir = contrast_dir(args.results)
    if not _folders_ok("score", results_dir):
        return EXIT_USAGE
    target = suite.as_gold() if suite is not None else gold
    texts = {doc_id: d.document.text for doc_id, d in target.documents.items()}
    with _progress(args.predictions.stat().st_size, "reading", "B") as bar:
        loaded = load_predictions(args.predictions, texts, progress=bar.update)
    _print_errors(loaded.errors)
    attempted = loaded.attempted()
    if not attempted:
        print(f"troopbench score: {args.predictions} attempts no layer", file=sys.stderr)
        return EXIT_INVALID
    items = sum(
        len(getattr(d, layer) or ()) for d in loaded.documents.values() for layer in attempted
    )
    if items >= LARGE_INPUT:  # the bar above is gone; say what takes the time now
        print(f"scoring {items:,} items of {len(loaded.documents)} documents ...", file=sys.stderr)
    if suite is not None:
        from benchmark.variants.results import contrast_results

        results = contrast_results(
            suite,
            system=args.name,
            version=args.version,
            predictions=loaded.documents,
            attempted=attempted,
            errors=loaded.errors,
            exposure=exposure,
        )
    else:
        evaluation = evaluate(gold, loaded.documents, attempted)
        results = build_results(
            gold,
            system=args.name,
            version=args.version,
            evaluation=evaluation,
            errors=loaded.errors,
            exposure=exposure,
        )
    _write_run(results_dir, args.name, loaded.documents, results)
    if suite is None:
        _print_per_document(evaluation)
    board_gold = (
        _default_gold(args, gold) if args.leaderboard_rebuild or args.with_baselines else None
    )
    if board_gold is not None:
        _rebuild_leaderboard(board_gold, args)
    if loaded.errors:
        print(
            f"troopbench score: {len(loaded.errors)} problem(s) in {args.predictions}; "
            "the rest was scored (each rejected item counts as spurious)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    return EXIT_OK


#: At most this many problems are printed; all are counted.
SHOWN_PROBLEMS = 100
#: From this many predicted items on, ``score`` says when it starts scoring.
LARGE_INPUT = 100_000


def _print_errors(errors: Sequence[Any], prefix: str = "  ") -> None:
    """Each problem once: the same message on several items is printed once, with a
    count; at most :data:`SHOWN_PROBLEMS` messages, the rest counted."""
    from benchmark.inputs import shown

    groups: dict[str, list[Any]] = {}
    for error in errors:
        groups.setdefault(getattr(error, "message", str(error)), []).append(error)
    for same in list(groups.values())[:SHOWN_PROBLEMS]:
        print(shown(f"{prefix}{same[0]}"), file=sys.stderr)
        if len(same) > 1:
            more = f"{' ' * len(prefix)}  ... and {len(same) - 1} more with this message"
            print(more, file=sys.stderr)
    rest = sum(len(same) for same in list(groups.values())[SHOWN_PROBLEMS:])
    if rest:
        print(f"{prefix}... and {rest} more", file=sys.stderr)


def _progress(total: int, label: str, unit: str = "it") -> Any:
    """A progress bar on stderr (tqdm), shown only when stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=label,
        unit=unit,
        unit_scale=unit == "B",
        disable=not sys.stderr.isatty(),
        leave=False,
        file=sys.stderr,
    )


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from benchmark.leaderboard import check

    only: list[str] | None = None
    if args.exposure is not None:
        from benchmark.systems import EXPOSURES, UNDECLARED

        only = [x.strip() for x in args.exposure.split(",") if x.strip()]
        unknown = [x for x in only if x not in (*EXPOSURES, UNDECLARED)]
        if unknown or not only:
            known = ", ".join((*EXPOSURES, UNDECLARED))
            print(
                f"troopbench leaderboard: --exposure {args.exposure!r}: "
                f"name exposures among {known}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        if args.check:
            print(
                "troopbench leaderboard: --check and --exposure exclude each other", file=sys.stderr
            )
            return EXIT_USAGE
    if not args.results.is_dir():
        # a typo must not render an empty leaderboard over the committed one
        state = "is not a folder" if args.results.exists() else "does not exist"
        print(
            f"troopbench leaderboard: --results {args.results} {state}; nothing was written",
            file=sys.stderr,
        )
        return EXIT_USAGE
    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    if only is not None or not gold.corpus.is_default:
        # a filtered view, or another corpus's board, is printed, never written over
        # the committed leaderboard (whose Transfer section holds the other corpora)
        if args.check and not gold.corpus.is_default:
            print(
                "troopbench leaderboard: --check checks LEADERBOARD.md (troopbench's corpus, "
                "with the Transfer section); drop --corpus",
                file=sys.stderr,
            )
            return EXIT_USAGE
        sys.stdout.write(_leaderboard_files(gold, args, only)[0][args.leaderboard])
        return EXIT_OK
    if not args.check:
        return EXIT_INVALID if _rebuild_leaderboard(gold, args) else EXIT_OK
    files, problems = _leaderboard_files(gold, args)
    stale = False
    for path, text in files.items():
        ok, diff = check(path, text)
        if not ok:
            stale = True
            if path.suffix == ".md":
                sys.stdout.write(diff)
            else:
                state = "differs from the results" if path.is_file() else "is missing"
                sys.stdout.write(f"{path} {state}\n")
            print(f"troopbench: {path} is stale; run `troopbench leaderboard`", file=sys.stderr)
    _print_problems(problems, args.results)
    if stale or problems:
        return EXIT_INVALID
    print(f"{args.leaderboard} and its {len(files) - 1} plots are up to date")
    return EXIT_OK


def _load_entry(
    results_dir: Path, name: str, baselines: Path | None = None
) -> tuple[dict[str, object] | None, str]:
    """A results file by system name (or path), checked as the leaderboard checks it;
    (data, problem). A name with no file in ``results_dir`` is looked up in
    ``baselines`` (the built-in systems' committed results), and said so."""
    from benchmark.leaderboard import read_entry
    from benchmark.runner import results_path

    path = Path(name)
    if not (name.endswith(".json") and path.is_file()):
        path = results_path(results_dir, name)
        if not path.is_file() and baselines is not None:
            packaged = results_path(baselines, name)
            if packaged.is_file():
                print(f"({name}: the committed results of the built-in system)", file=sys.stderr)
                path = packaged
    if not path.is_file():
        return None, f"no results file {path}"
    entry, problem = read_entry(path)
    if entry is None:
        return None, f"{path}: {problem}"
    return dict(entry.data), ""


def _suite_dirs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(suite part, results folder) for each part of ``--suite``."""
    from benchmark.variants.results import contrast_dir

    corpus = getattr(args, "corpus", None)
    if corpus not in (None, "troopbench"):  # another corpus: its own folder, no contrast suite
        return [(str(corpus), args.results / Path(str(corpus)).name)]
    parts = {"original": args.results, "contrast": contrast_dir(args.results)}
    return [(p, d) for p, d in parts.items() if args.suite in (p, "all")]


def cmd_compare(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for part, results_dir in _suite_dirs(args):
        if args.suite == "all":
            print(f"suite: {part}")
        status = max(status, _compare(args, results_dir, part == "original"))
    return status


def _compare(args: argparse.Namespace, results_dir: Path, packaged: bool = False) -> int:
    from tabulate import tabulate

    from benchmark.corpus import baseline_results_dir
    from benchmark.layers import LAYERS
    from benchmark.leaderboard import signature_differences
    from benchmark.scoring import PRIMARY
    from benchmark.signature import Signature
    from benchmark.stats import (
        UnitCounts,
        confidence_interval,
        mean_primary_statistic,
        paired_test,
        primary_statistic,
        resampling_counts,
    )
    from benchmark.units import ORIGIN_UNIT_SCHEME

    # the built-in systems' committed results serve a name with no file here
    baselines = baseline_results_dir() if packaged else None
    loaded = []
    for name in (args.a, args.b):
        data, problem = _load_entry(results_dir, name, baselines)
        if data is None:
            print(f"troopbench compare: {problem}", file=sys.stderr)
            return EXIT_USAGE
        loaded.append(data)
    from benchmark.inputs import shown

    a, b = loaded
    names = [shown(str(d["system"]["name"])) for d in loaded]  # type: ignore[index]
    differing = signature_differences(a["signature"], b["signature"])  # type: ignore[arg-type]
    if differing:
        fields = "; ".join(d.replace("(current:", f"({names[1]}:") for d in differing)
        print(
            f"troopbench compare: {names[0]} and {names[1]} were scored differently, "
            f"so they cannot be compared: {fields}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        ca, cb = UnitCounts.from_results(a), UnitCounts.from_results(b)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"troopbench compare: {exc}; re-run the system with this troopbench", file=sys.stderr)
        return EXIT_INVALID
    if ca.units != cb.units:
        print("troopbench compare: the results cover different units; re-run both", file=sys.stderr)
        return EXIT_INVALID
    # the unit the files were scored for: paragraphs, or origin-paragraph clusters (contrast)
    unit = str(a["signature"]["settings"].get("unit", ""))  # type: ignore[index]
    settings = _stats_settings(args)
    if unit != settings.unit:
        import dataclasses

        try:
            settings = dataclasses.replace(settings, unit=unit)
        except ValueError as exc:
            print(f"troopbench compare: {exc}; re-run both systems", file=sys.stderr)
            return EXIT_INVALID
    rows = []
    statistics = []
    for layer in LAYERS:
        if layer in ca.layers and layer in cb.layers:
            statistics.append((layer, PRIMARY[layer], primary_statistic(layer)))
        else:
            missing = " and ".join(
                n for n, c in zip(names, (ca, cb), strict=True) if layer not in c.layers
            )
            rows.append([layer, PRIMARY[layer], "", "", "", "", f"not attempted by {missing}"])
    if all(layer in ca.layers and layer in cb.layers for layer in LAYERS):
        statistics.append(("overall", "mean primary F1", mean_primary_statistic(LAYERS)))
    for layer, metric, statistic in statistics:
        ia = confidence_interval(ca, statistic, settings)
        ib = confidence_interval(cb, statistic, settings)
        test = paired_test(
            ca, cb, statistic, settings.permutation_trials, settings.seed, settings.unit
        )
        verdict = "yes" if test.significant(settings.alpha) else "no"
        rows.append(
            [
                layer,
                metric,
                ia.fmt(),
                ib.fmt(),
                f"{test.difference:+.3f}",
                f"{test.p_value:.4f}",
                verdict,
            ]
        )
    order = {layer: i for i, layer in enumerate((*LAYERS, "overall"))}
    rows.sort(key=lambda r: order[r[0]])
    over, detail, kind = f"{len(ca.units)} paragraphs", "", ""
    if settings.unit == ORIGIN_UNIT_SCHEME:
        over = f"{len(resampling_counts(ca, settings.unit).units)} origin paragraphs"
        detail, kind = f"clusters of {len(ca.units)} variant paragraphs; ", "cluster "
    print(
        f"{names[0]} vs {names[1]}: paired approximate randomization over {over} "
        f"({detail}{settings.permutation_trials:,} trials, seed {settings.seed}); "
        f"F1 with {settings.confidence:.0%} {kind}bootstrap intervals "
        f"({settings.bootstrap_trials:,} resamples)"
    )
    headers = ["layer", "metric", names[0], names[1], "difference", "p", f"p < {settings.alpha:g}"]
    print(tabulate(rows, headers, tablefmt="simple", disable_numparse=True))
    signature = a["signature"]  # type: ignore[index]
    scored = dict(signature["settings"])  # type: ignore[index]
    scored.update(dict(settings.items()))
    line = Signature(
        str(signature["version"]),  # type: ignore[index]
        str(signature["gold_hash"]),  # type: ignore[index]
        tuple(scored.items()),
        str(signature.get("corpus", "troopbench")),  # type: ignore[attr-defined]
    ).line()
    print(f"signature: {line}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from benchmark.error_report import build_report, load_inputs, write_report
    from benchmark.runner import predictions_path, results_path

    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    registries = None
    args.results = _corpus_results(args.results, gold)
    if args.suite == "contrast":
        from benchmark.variants.cli import load_suite
        from benchmark.variants.results import contrast_dir

        if not gold.corpus.is_default:
            print("troopbench report: the contrast suite is troopbench's own", file=sys.stderr)
            return EXIT_USAGE
        suite = load_suite(gold)
        if suite is None:
            return EXIT_UNAVAILABLE
        gold, registries = suite.as_gold(), suite.registries()
        args.results = contrast_dir(args.results)
    data, problem = _load_entry(args.results, args.system)
    if data is None:
        print(f"troopbench report: {problem}", file=sys.stderr)
        return EXIT_USAGE
    name = str(data["system"]["name"])  # type: ignore[index]
    results_file = results_path(args.results, name)
    if not results_file.is_file():
        results_file = Path(args.system)
    predictions_file = predictions_path(results_file.parent, name)
    if not predictions_file.is_file():
        print(
            f"troopbench report: no predictions file {predictions_file}; re-run the system",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if data["signature"]["gold_hash"] != gold.sha256:  # type: ignore[index]
        print(
            "troopbench report: these results were scored against another gold; re-run",
            file=sys.stderr,
        )
        return EXIT_INVALID
    size = predictions_file.stat().st_size
    with _progress(size, "reading", "B") as bar:
        inputs = load_inputs(gold, results_file, predictions_file, registries, progress=bar.update)
    _print_errors(inputs.errors)
    output = args.output or Path(f"{results_file.stem}.report.html")
    with _progress(len(gold.documents), "report", "doc") as bar:
        html = build_report(inputs, _stats_settings(args), progress=bar.update)
    write_report(output, html)
    print(f"wrote {output}")
    return EXIT_OK


def _entity_agreement_tables(title: str, agreement: EntityAgreement) -> str:
    from tabulate import tabulate

    from benchmark.agreement import entity_agreement_rows, entity_type_rows

    overall = tabulate(
        [list(r) for r in entity_agreement_rows(agreement)],
        ["measure", "value"],
        tablefmt="github",
        disable_numparse=True,
    )
    per_type = tabulate(
        [[str(x) for x in r] for r in entity_type_rows(agreement)],
        ["type", "reference", "other", "same span and type", "strict F1", "type F1"],
        tablefmt="github",
        disable_numparse=True,
    )
    return f"== {title}\n{overall}\n\n{per_type}\n"


def cmd_agreement_corpus(args: argparse.Namespace) -> int:
    """Agreement of two entity-only passes over another corpus (te3-platinum, ...)."""
    from benchmark.agreement import entity_agreement, entity_disagreements, load_entity_pass
    from benchmark.corpora import CorpusNotFound, load_corpus
    from benchmark.gold import GoldError

    try:
        corpus = load_corpus(args.corpus)
    except CorpusNotFound as exc:
        print(f"troopbench agreement: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GoldError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"troopbench agreement: the corpus {args.corpus!r} does not load "
            f"(troopbench validate --corpus {args.corpus})",
            file=sys.stderr,
        )
        return EXIT_INVALID
    texts = {doc_id: doc.document.text for doc_id, doc in corpus.documents.items()}
    try:
        a = load_entity_pass(args.pass_a, texts)
        b = load_entity_pass(args.pass_b, texts)
    except GoldError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    name = corpus.corpus.name
    print(f"corpus {name}, gold hash {corpus.short_hash}; entity scorer: SemEval-2013 9.1 schemas")
    if args.diff:
        lines = entity_disagreements(a, b, texts)
        print(
            f"== {len(lines)} disagreement(s) between {args.pass_a} (A) and {args.pass_b} (B), "
            f"corpus {name}"
        )
        print("\n".join(lines))
        print()
    unannotated = sorted(set(texts) - (set(a.documents) & set(b.documents)))
    if unannotated:
        print(f"(not in both passes, left out: {', '.join(unannotated)})", file=sys.stderr)
    tables = [
        _entity_agreement_tables(
            f"{args.pass_a} (reference) vs {args.pass_b}: entities, corpus {name}",
            entity_agreement(a.documents, b.documents),
        )
    ]
    if not args.no_gold:
        if "entities" not in corpus.corpus.layers:
            print(f"(corpus {name} has no adjudicated entity layer yet)", file=sys.stderr)
        else:
            gold = {doc_id: doc.entities for doc_id, doc in corpus.documents.items()}
            for label, other in ((args.pass_a, a), (args.pass_b, b)):
                tables.append(
                    _entity_agreement_tables(
                        f"gold vs {label}: entities, corpus {name}",
                        entity_agreement(gold, other.documents),
                    )
                )
    print("\n".join(tables), end="")
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from benchmark.corpus import DEFAULT_CORPUS

    if args.corpus not in (None, DEFAULT_CORPUS):
        return cmd_agreement_corpus(args)

    from benchmark.agreement import agreement_rows, compare, span_agreement_rows
    from benchmark.gold import GoldError, load_gold

    try:
        a = load_gold(args.pass_a, args.seeds)
        b = load_gold(args.pass_b, args.seeds)
    except GoldError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    if args.diff:
        from benchmark.agreement import disagreements

        lines = disagreements(a, b)
        print(f"== {len(lines)} disagreement(s) between {args.pass_a} (A) and {args.pass_b} (B)")
        print("\n".join(lines))
        print()
    comparisons = [(f"{args.pass_a} (reference) vs {args.pass_b}", a, b)]
    if not args.no_gold:
        try:
            gold = load_gold(args.gold, args.seeds)
        except GoldError:
            gold = None
            print("(the adjudicated gold does not load; compared the passes only)", file=sys.stderr)
        if gold is not None:
            comparisons.append((f"gold vs {args.pass_a}", gold, a))
            comparisons.append((f"gold vs {args.pass_b}", gold, b))
    for title, reference, other in comparisons:
        print(f"== {title}")
        measures = agreement_rows(compare(reference, other)) + span_agreement_rows(reference, other)
        rows = [[layer, measure, f"{value:.3f}"] for layer, measure, value in measures]
        print(
            tabulate(rows, ["layer", "measure", "value"], tablefmt="github", disable_numparse=True)
        )
        print()
    return EXIT_OK


def cmd_import_timeml(args: argparse.Namespace) -> int:
    from benchmark.corpora import CorpusNotFound, import_corpus, load_corpus

    if not args.directory.is_dir():
        print(f"troopbench import: no folder {args.directory}", file=sys.stderr)
        return EXIT_USAGE
    if args.out.exists() and any(args.out.iterdir()):
        print(f"troopbench import: {args.out} exists and is not empty", file=sys.stderr)
        return EXIT_USAGE
    try:
        gold = load_gold_or_report(argparse.Namespace(corpus=args.directory, gold=None, seeds=None))
        if gold is None:
            return EXIT_INVALID
        info = import_corpus(gold, args.out, args.name)
        load_corpus(args.out)  # what was written loads, and says so
    except (ValueError, CorpusNotFound) as exc:
        print(f"troopbench import: {exc}", file=sys.stderr)
        return EXIT_USAGE
    n = sum(len(d.timexes) for d in gold)
    print(
        f"imported {len(gold.documents)} documents, {n} timexes as corpus {info.name!r} "
        f"into {args.out} (gold hash {gold.short_hash}); use it with --corpus {args.out}"
    )
    return EXIT_OK


def cmd_export_timeml(args: argparse.Namespace) -> int:
    from benchmark.corpora import export_timeml, prediction_tags

    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    if "timexes" not in gold.layers:
        print(f"troopbench export: {gold.corpus.name} does not annotate timexes", file=sys.stderr)
        return EXIT_USAGE
    tags = None
    if args.predictions is not None:
        from benchmark.predictions import load_predictions

        if not args.predictions.is_file():
            print(f"troopbench export: no such file: {args.predictions}", file=sys.stderr)
            return EXIT_USAGE
        texts = {doc_id: d.document.text for doc_id, d in gold.documents.items()}
        loaded = load_predictions(args.predictions, texts)
        _print_errors(loaded.errors)
        tags, left_out = prediction_tags(loaded.documents)
        for line in left_out:
            print(f"  left out: {line}", file=sys.stderr)
        if left_out:
            print(
                f"troopbench export: {len(left_out)} predicted timex(es) cannot be written as "
                "TimeML (listed above); the official toolkit counts them as not predicted",
                file=sys.stderr,
            )
    written = export_timeml(gold, args.out, tags, nbsp_to_space=args.nbsp_to_space)
    what = f"predictions of {args.predictions}" if tags is not None else "gold"
    nbsp = sum(d.document.text.count("\u00a0") for d in gold)
    print(f"wrote {len(written)} TimeML files ({what}, corpus {gold.corpus.name}) to {args.out}")
    if nbsp and not args.nbsp_to_space:
        print(
            f"note: the texts hold {nbsp} no-break space(s) (U+00A0), on which the TempEval-3 "
            "toolkit's normaliser aborts; --nbsp-to-space writes each as a space (no offset moves)"
        )
    return EXIT_OK


def cmd_hub_export(args: argparse.Namespace) -> int:
    from benchmark.hub import export_command

    return export_command(args)


def cmd_hub_push(args: argparse.Namespace) -> int:
    from benchmark.hub import push_command

    return push_command(args)


# ---------------------------------------------------------------- parser


def _seconds(text: str) -> float:
    """A time limit given on the command line: a finite number of seconds above 0
    (``nan`` would switch the limit off, ``0`` or ``-5`` would fail every document)."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a finite number of seconds above 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="troopbench",
        description="Score information extractors against troopbench's gold annotations.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from benchmark import __version__

    parser.add_argument("--version", action="version", version=f"troopbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check the gold annotations; list every problem")
    _gold_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("corpora", help="list the bundled corpora, their layers and licences")
    p.set_defaults(func=cmd_corpora)

    p = sub.add_parser("systems", help="list registered systems and whether they load here")
    p.set_defaults(func=cmd_systems)

    def paths(p: argparse.ArgumentParser) -> None:
        p.add_argument("--results", type=Path, default=Path("results"), help="results folder")
        p.add_argument(
            "--leaderboard", type=Path, default=Path("LEADERBOARD.md"), help="leaderboard file"
        )
        p.add_argument(
            "--plots",
            type=Path,
            default=None,
            help="folder of the leaderboard's SVG plots (default: docs/leaderboard beside it)",
        )
        p.add_argument(
            "--with-baselines",
            action="store_true",
            help="rank the built-in systems' committed results (packaged with troopbench) "
            "beside yours; a results file of yours with the same name wins",
        )

    p = sub.add_parser("run", help="run systems, write results/<name>.json, rebuild LEADERBOARD.md")
    p.add_argument("names", nargs="*", metavar="NAME", help="registered name or module:attr")
    p.add_argument("--all", action="store_true", help="every installed system")
    p.add_argument(
        "--option",
        action="append",
        metavar="NAME=VALUE",
        help="an option for the named systems (repeatable), e.g. --option model=NAME; "
        "see docs/llm.md",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=120.0,
        help="seconds per document, a finite number above 0 (default 120)",
    )
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failing document")
    p.add_argument(
        "--traceback",
        action="store_true",
        help="print the whole traceback from the worker for each document whose extract "
        "raised (the recorded error names the innermost line of the system's own code)",
    )
    p.add_argument(
        "--memory-limit",
        type=int,
        default=None,
        metavar="MIB",
        help="let a system's worker grow by at most MIB mebibytes beyond its size once "
        "the system is built; a document that needs more is recorded and a fresh worker "
        "carries on (default: no limit)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace results written by a system from another source (entry point or "
        "module:attr) under the same name",
    )
    p.add_argument(
        "--no-leaderboard",
        action="store_true",
        help="do not rebuild LEADERBOARD.md (by default it is rebuilt where one exists)",
    )
    p.add_argument(
        "--leaderboard-rebuild",
        action="store_true",
        help="write LEADERBOARD.md and its plots even where there is none yet",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="extract N documents at a time, with threads or worker processes "
        "as each system allows (default: the number of CPUs with --all, else 1); "
        "results are the same as with 1",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="extract every document again; neither read nor write the cache",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="predictions cache (default: $TROOPBENCH_CACHE_DIR, else "
        "$XDG_CACHE_HOME/troopbench, else ~/.cache/troopbench)",
    )
    p.add_argument(
        "--suite",
        choices=("original", "contrast", "all"),
        default=None,
        help="the original articles, their contrast variants (results/contrast/), or both "
        "(default: all with --all, else original: named systems, such as a paid API, are "
        "not run on 200 variants unless asked)",
    )
    paths(p)
    _gold_args(p)
    p.set_defaults(func=cmd_run)

    from benchmark.variants_args import add_parser as add_variants_parser

    p = add_variants_parser(sub)
    _gold_args(p)
    p.set_defaults(func=cmd_variants)

    p = sub.add_parser("score", help="score a predictions JSONL file")
    p.add_argument("predictions", type=Path, metavar="PREDICTIONS.jsonl")
    p.add_argument("--name", required=True, help="system name for the results file")
    p.add_argument("--version", default="unknown", help="system version (default: unknown)")
    p.add_argument("--leaderboard-rebuild", action="store_true", help="also rebuild LEADERBOARD.md")
    p.add_argument(
        "--exposure",
        default=None,
        metavar="LEVEL",
        help="the system's test exposure: none, configured, leave-one-out or developed "
        "(docs/systems.md, 'Test exposure'); default: undeclared",
    )
    p.add_argument(
        "--exposure-note", default=None, metavar="TEXT", help="one line: what the system saw"
    )
    p.add_argument(
        "--suite",
        choices=("original", "contrast"),
        default="original",
        help="the file predicts the original articles, or their contrast variants "
        "(ids like 000_cfbd3f9e2e2eb4de~dates~3; results go to results/contrast/)",
    )
    paths(p)
    _gold_args(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser(
        "leaderboard", help="render LEADERBOARD.md and its plots from results/*.json"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 with a diff if LEADERBOARD.md or a plot is stale",
    )
    p.add_argument(
        "--exposure",
        default=None,
        metavar="LIST",
        help="print (not write) the leaderboard of the systems of these exposures only, "
        "e.g. none,configured",
    )
    paths(p)
    _gold_args(p)
    _stats_args(p)
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("compare", help="paired significance test of two systems on every layer")
    p.add_argument("a", metavar="A", help="system name (reads results/A.json)")
    p.add_argument("b", metavar="B", help="system name (reads results/B.json)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    _suite_arg(p, "original")
    p.add_argument(
        "--corpus",
        default=None,
        metavar="NAME",
        help="compare their results on this corpus (results/NAME/; default: troopbench's)",
    )
    _stats_args(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="write an HTML error-analysis report of one system")
    p.add_argument(
        "system",
        metavar="SYSTEM",
        help="system name (reads results/SYSTEM.json and .predictions.jsonl)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="FILE.html",
        help="output file (default: SYSTEM.report.html)",
    )
    p.add_argument("--results", type=Path, default=Path("results"), help="results folder")
    p.add_argument(
        "--suite",
        choices=("original", "contrast"),
        default="original",
        help="report on the original articles or on their contrast variants (results/contrast/)",
    )
    _gold_args(p)
    _stats_args(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("agreement", help="inter-annotator agreement between two annotation passes")
    p.add_argument("pass_a", type=Path, metavar="PASS_A")
    p.add_argument("pass_b", type=Path, metavar="PASS_B")
    p.add_argument(
        "--no-gold", action="store_true", help="do not also compare each pass to the gold"
    )
    p.add_argument(
        "--diff", action="store_true", help="also list every disagreement between the passes"
    )
    _gold_args(p)
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("import", help="read a foreign corpus into a troopbench corpus folder")
    imp = p.add_subparsers(dest="import_command", required=True, metavar="FORMAT")
    q = imp.add_parser("timeml", help="a folder of TimeML .tml files (TIMEX3, DCT, title)")
    q.add_argument("directory", type=Path, metavar="DIR", help="folder of .tml files")
    q.add_argument("--out", type=Path, required=True, metavar="CORPUS_DIR", help="new folder")
    q.add_argument("--name", default=None, help="corpus name (default: the folder's name)")
    q.set_defaults(func=cmd_import_timeml)

    p = sub.add_parser(
        "export", help="write a corpus's gold or a predictions file in another format"
    )
    exp = p.add_subparsers(dest="export_command", required=True, metavar="FORMAT")
    q = exp.add_parser(
        "timeml", help="TimeML files the official TempEval-3 toolkit accepts, one per document"
    )
    q.add_argument("out", type=Path, metavar="OUT_DIR")
    q.add_argument(
        "--predictions",
        type=Path,
        default=None,
        metavar="PREDICTIONS.jsonl",
        help="write these predicted timexes instead of the gold (e.g. "
        "results/te3-platinum/heideltime.predictions.jsonl)",
    )
    q.add_argument(
        "--nbsp-to-space",
        action="store_true",
        help="write each no-break space (U+00A0) as a space, one character for one (no offset "
        "moves): the TempEval-3 toolkit's normaliser aborts on it",
    )
    _gold_args(q)
    q.set_defaults(func=cmd_export_timeml)

    p = sub.add_parser("hub", help="export the dataset for the Hugging Face Hub, or publish it")
    hub = p.add_subparsers(dest="hub_command", required=True, metavar="HUB_COMMAND")
    q = hub.add_parser(
        "export", help="write the Hub repository folder (Parquet configs + dataset card)"
    )
    q.add_argument("directory", type=Path, metavar="DIR")
    q.add_argument(
        "--repo-id", default="troopbench/troopbench", help="repository id named in the card"
    )
    q.add_argument(
        "--results", type=Path, default=Path("results"), help="results for the card's leaderboard"
    )
    _gold_args(q)
    q.set_defaults(func=cmd_hub_export)
    q = hub.add_parser("push", help="publish the export to a Hub dataset repository")
    q.add_argument("repo_id", metavar="REPO_ID")
    q.add_argument("--private", action="store_true", help="create the repository as private")
    q.add_argument("--revision", default=None, help="branch to commit to (default: main)")
    q.add_argument(
        "--dry-run", action="store_true", help="list files, sizes and sha256; no network"
    )
    q.add_argument(
        "--results", type=Path, default=Path("results"), help="results for the card's leaderboard"
    )
    _gold_args(q)
    q.set_defaults(func=cmd_hub_push)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from benchmark.inputs import InputError, shown

    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("\ntroopbench: interrupted; nothing half-written was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (WriteFailed, InputError) as exc:  # a full disk; a FIFO where a file should be
        print(shown(f"troopbench: {exc}"), file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
