"""The ``troopbench`` command line. Heavy modules are imported inside commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmark.gold import Gold

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
EXIT_ABORTED = 4

EPILOG = """\
exit codes:
  0  success
  1  invalid input (gold or predictions problems), a stale LEADERBOARD.md with --check,
     or a failed publish (no token, offline, Hub error)
  2  usage error: bad arguments, unknown system name
  3  a requested system is unavailable here (optional dependency missing)
  4  a run stopped by --fail-fast

Paths default to the current directory: results/ and LEADERBOARD.md.
"""


def _gold_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", type=Path, default=None, help="gold folder (default: troopbench's own)")
    parser.add_argument("--seeds", type=Path, default=None, help="articles folder (default: troopbench's own)")


def _load_gold(args: argparse.Namespace) -> Gold | None:
    from benchmark.gold import GoldError, load_gold

    try:
        return load_gold(args.gold, args.seeds)
    except GoldError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"troopbench: the gold is invalid ({len(exc.problems)} problem(s))", file=sys.stderr)
        return None


# ---------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    from benchmark.gold import load_gold, validate_gold

    problems = validate_gold(args.gold, args.seeds)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_INVALID
    gold = load_gold(args.gold, args.seeds)
    n = {
        layer: sum(len(getattr(d, layer)) for d in gold)
        for layer in ("entities", "timexes", "troop_counts", "stances")
    }
    print(
        f"gold OK: {len(gold.documents)} documents, {len(gold.registry.entries)} registry entities, "
        f"{n['entities']} entity mentions, {n['timexes']} timexes, {n['troop_counts']} troop counts, "
        f"{n['stances']} stances; gold hash {gold.short_hash}"
    )
    return EXIT_OK


def cmd_systems(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from benchmark.systems import describe_systems

    rows = [
        [i.name, i.version if i.available else "unavailable", ",".join(i.layers) or "-", i.note]
        for i in describe_systems()
    ]
    print(tabulate(rows, ["name", "version", "layers", "notes"], tablefmt="simple"))
    return EXIT_OK


def _rebuild_leaderboard(gold: Gold, results_dir: Path, output: Path) -> None:
    from benchmark.leaderboard import load_results, read_notes, render
    from benchmark.signature import current_signature

    text = render(
        load_results(results_dir, gold.sha256),
        current_signature(gold.sha256).line(),
        read_notes(results_dir / "NOTES.md"),
    )
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")


def _print_summary(results: dict[str, object]) -> None:
    from tabulate import tabulate

    from benchmark.scoring import PRIMARY

    layers = results["layers"]
    assert isinstance(layers, dict)
    rows = []
    for layer, data in layers.items():
        m = data["metrics"]
        prefix = PRIMARY[layer].removesuffix("_f1")
        rows.append([layer, PRIMARY[layer], m[f"{prefix}_precision"], m[f"{prefix}_recall"], m[PRIMARY[layer]]])
    for layer in results["not_attempted"]:  # type: ignore[attr-defined]
        rows.append([layer, "not attempted", "", "", ""])
    print(tabulate(rows, ["layer", "metric", "P", "R", "F1"], floatfmt=".3f"))
    print(f"signature: {results['signature']['line']}")  # type: ignore[index]


def cmd_run(args: argparse.Namespace) -> int:
    from benchmark.runner import RunAborted, results_path, run_system, score_outcome, write_json_atomic
    from benchmark.systems import SystemNotFound, SystemUnavailable, available_names, load_system

    names = list(args.names)
    if args.all:
        names = sorted(set(names) | set(available_names()))
    if not names:
        print("troopbench run: name at least one system, or --all", file=sys.stderr)
        return EXIT_USAGE
    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    documents = [d.document for d in gold]
    status = EXIT_OK
    for name in names:
        try:
            system = load_system(name)
        except SystemNotFound as exc:
            print(f"troopbench: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except SystemUnavailable as exc:
            print(f"troopbench: {exc}", file=sys.stderr)
            if args.all:
                continue  # --all runs what is installed and says what is not
            status = EXIT_UNAVAILABLE
            continue
        print(f"running {system.name} {system.version} on {len(documents)} documents", file=sys.stderr)
        try:
            outcome = run_system(
                system, documents, timeout=args.timeout, fail_fast=args.fail_fast, progress=sys.stderr
            )
        except RunAborted as exc:
            print(f"troopbench: run stopped (--fail-fast): {exc.error}", file=sys.stderr)
            return EXIT_ABORTED
        for error in outcome.errors:
            print(f"  recorded: {error}", file=sys.stderr)
        results = score_outcome(gold, outcome)
        path = results_path(args.results, system.name)
        write_json_atomic(path, results)
        print(f"{system.name}: wrote {path}")
        _print_summary(results)
    if not args.no_leaderboard:
        _rebuild_leaderboard(gold, args.results, args.leaderboard)
    return status


def cmd_score(args: argparse.Namespace) -> int:
    from benchmark.predictions import load_predictions
    from benchmark.runner import build_results, results_path, write_json_atomic
    from benchmark.scoring import evaluate

    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    if not args.predictions.is_file():
        print(f"troopbench score: no such file: {args.predictions}", file=sys.stderr)
        return EXIT_USAGE
    texts = {doc_id: d.document.text for doc_id, d in gold.documents.items()}
    loaded = load_predictions(args.predictions, texts)
    for error in loaded.errors:
        print(f"  {error}", file=sys.stderr)
    attempted = loaded.attempted()
    if not attempted:
        print(f"troopbench score: {args.predictions} attempts no layer", file=sys.stderr)
        return EXIT_INVALID
    evaluation = evaluate(gold, loaded.documents, attempted)
    results = build_results(
        gold, system=args.name, version=args.version, evaluation=evaluation, errors=loaded.errors
    )
    path = results_path(args.results, args.name)
    write_json_atomic(path, results)
    print(f"{args.name}: wrote {path}")
    _print_summary(results)
    if args.leaderboard_rebuild:
        _rebuild_leaderboard(gold, args.results, args.leaderboard)
    return EXIT_OK


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from benchmark.leaderboard import check, load_results, read_notes, render
    from benchmark.signature import current_signature

    gold = _load_gold(args)
    if gold is None:
        return EXIT_INVALID
    text = render(
        load_results(args.results, gold.sha256),
        current_signature(gold.sha256).line(),
        read_notes(args.results / "NOTES.md"),
    )
    if args.check:
        ok, diff = check(args.leaderboard, text)
        if not ok:
            sys.stdout.write(diff)
            print(f"troopbench: {args.leaderboard} is stale; run `troopbench leaderboard`", file=sys.stderr)
            return EXIT_INVALID
        print(f"{args.leaderboard} is up to date")
        return EXIT_OK
    args.leaderboard.write_text(text, encoding="utf-8")
    print(f"wrote {args.leaderboard}")
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    from tabulate import tabulate

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
        print(tabulate(rows, ["layer", "measure", "value"], tablefmt="github", disable_numparse=True))
        print()
    return EXIT_OK


def cmd_hub_export(args: argparse.Namespace) -> int:
    from benchmark.hub import export_command

    return export_command(args)


def cmd_hub_push(args: argparse.Namespace) -> int:
    from benchmark.hub import push_command

    return push_command(args)


# ---------------------------------------------------------------- parser


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

    p = sub.add_parser("systems", help="list registered systems and whether they load here")
    p.set_defaults(func=cmd_systems)

    def paths(p: argparse.ArgumentParser) -> None:
        p.add_argument("--results", type=Path, default=Path("results"), help="results folder")
        p.add_argument("--leaderboard", type=Path, default=Path("LEADERBOARD.md"), help="leaderboard file")

    p = sub.add_parser("run", help="run systems, write results/<name>.json, rebuild LEADERBOARD.md")
    p.add_argument("names", nargs="*", metavar="NAME", help="registered name or module:attr")
    p.add_argument("--all", action="store_true", help="every installed system")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per document (default 120)")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failing document")
    p.add_argument("--no-leaderboard", action="store_true", help="do not rebuild LEADERBOARD.md")
    paths(p)
    _gold_args(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("score", help="score a predictions JSONL file")
    p.add_argument("predictions", type=Path, metavar="PREDICTIONS.jsonl")
    p.add_argument("--name", required=True, help="system name for the results file")
    p.add_argument("--version", default="unknown", help="system version (default: unknown)")
    p.add_argument(
        "--leaderboard-rebuild", action="store_true", help="also rebuild LEADERBOARD.md"
    )
    paths(p)
    _gold_args(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("leaderboard", help="render LEADERBOARD.md from results/*.json")
    p.add_argument("--check", action="store_true", help="exit 1 with a diff if LEADERBOARD.md is stale")
    paths(p)
    _gold_args(p)
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("agreement", help="inter-annotator agreement between two annotation passes")
    p.add_argument("pass_a", type=Path, metavar="PASS_A")
    p.add_argument("pass_b", type=Path, metavar="PASS_B")
    p.add_argument("--no-gold", action="store_true", help="do not also compare each pass to the gold")
    p.add_argument("--diff", action="store_true", help="also list every disagreement between the passes")
    _gold_args(p)
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("hub", help="export the dataset for the Hugging Face Hub, or publish it")
    hub = p.add_subparsers(dest="hub_command", required=True, metavar="HUB_COMMAND")
    q = hub.add_parser("export", help="write the Hub repository folder (Parquet configs + dataset card)")
    q.add_argument("directory", type=Path, metavar="DIR")
    q.add_argument("--repo-id", default="troopbench/troopbench", help="repository id named in the card")
    q.add_argument("--results", type=Path, default=Path("results"), help="results for the card's leaderboard")
    _gold_args(q)
    q.set_defaults(func=cmd_hub_export)
    q = hub.add_parser("push", help="publish the export to a Hub dataset repository")
    q.add_argument("repo_id", metavar="REPO_ID")
    q.add_argument("--private", action="store_true", help="create the repository as private")
    q.add_argument("--revision", default=None, help="branch to commit to (default: main)")
    q.add_argument("--dry-run", action="store_true", help="list files, sizes and sha256; no network")
    q.add_argument("--results", type=Path, default=Path("results"), help="results for the card's leaderboard")
    _gold_args(q)
    q.set_defaults(func=cmd_hub_push)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
