"""Entity scorer at scale, side by side with nervaluate 1.2.1 and seqeval.

Generates corpora of documents with realistic noise (exact hits, boundary
errors, type confusions, boundary+type errors, misses, spurious predictions;
in every other document also a gold overlapped by two predictions and
predictions reaching into a neighbour's gap), from 10k to 1M gold mentions,
and scores them with:

* troopbench (``benchmark.layers.entities.count_mentions``), all sizes;
* nervaluate 1.2.1 (``Evaluator(..., loader="dict")``, inclusive ends), up to
  ``--nervaluate-max`` mentions;
* seqeval (strict mode, IOB2, one token per character position), up to
  ``--seqeval-max`` mentions; BIO cannot hold overlapping predictions, so
  both seqeval and the troopbench figure it is checked against see each
  overlapping run of predictions reduced to its first.

Each (tool, size) runs in a fresh subprocess, ``--repeat`` times, the rounds
interleaved (every pair once, then every pair again ...) so that a slow spell
of a shared machine hits every pair alike; the median wall time and the peak
resident memory (``ru_maxrss``, minus the same subprocess's baseline after
imports and data generation) are printed, and "Nx slower" is the median over
the rounds of the two tools' time ratio within the round.
Counts are compared: troopbench vs nervaluate on the documents where
nervaluate 1.2.1 is correct (no prediction overlapping two golds, no gold
overlapped twice; see tests/test_nervaluate_differential.py), and troopbench
strict vs seqeval strict on all documents.

    python perf/bench_entities.py [--sizes 10000,100000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

TYPES = ("PERSON", "ORG", "GPE", "NORP")
PER_DOC = 100


def generate(
    n_mentions: int, seed: int = 0
) -> list[tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]]:
    """Documents of PER_DOC gold mentions each, with noisy predictions."""
    rng = random.Random(seed)
    docs = []
    for n in range(max(1, n_mentions // PER_DOC)):
        clean = n % 2 == 0  # every other document has no multiple overlaps
        gold: list[tuple[int, int, str]] = []
        pred: list[tuple[int, int, str]] = []
        pos = 0
        for _ in range(PER_DOC):
            pos += rng.randint(4, 20)
            length = rng.randint(2, 15)
            label = rng.choice(TYPES)
            start, end = pos, pos + length
            gold.append((start, end, label))
            r = rng.random()
            if r < 0.55:
                pred.append((start, end, label))  # exact hit
            elif r < 0.62:
                pred.append((start + 1, end, label))  # boundary error
            elif r < 0.69:
                pred.append(
                    (start, end, rng.choice([t for t in TYPES if t != label]))
                )  # type confusion
            elif r < 0.74:
                pred.append((start, end + 2, rng.choice([t for t in TYPES if t != label])))  # both
            elif r < 0.82:
                pass  # missed
            elif r < 0.88:
                pred.append((end + 1, end + 3, label))  # spurious, touching nothing
            elif clean and r < 0.94:
                pass  # missed (clean documents have no multiple overlaps)
            elif clean:
                pred.append((start, end, label))
            elif r < 0.93:
                pred.append((start, end, label))  # exact, plus a second overlapping prediction
                pred.append((start + 1, end - 1 if end - start > 2 else end, label))
            else:
                pred.append(
                    (start, end, label)
                )  # exact, and one prediction spanning into the next gap
                pred.append((end - 1, end + 3, label))
            pos = end + 3
        rng.shuffle(pred)
        docs.append((gold, pred))
    return docs


def nervaluate_safe(gold: list[tuple[int, int, str]], pred: list[tuple[int, int, str]]) -> bool:
    """No prediction overlaps two golds and no gold is overlapped twice."""

    def overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    per_gold = [sum(overlaps(g, p) for p in pred) for g in gold]
    per_pred = [sum(overlaps(g, p) for g in gold) for p in pred]
    return max(per_gold, default=0) <= 1 and max(per_pred, default=0) <= 1


# ------------------------------------------------------------------ the tools


def score_troopbench(docs: list[Any]) -> list[dict[str, dict[str, int]]]:
    from benchmark.layers.entities import EntityMention, PredictedEntity, count_mentions
    from benchmark.spans import Span

    out = []
    for gold, pred in docs:
        g = [EntityMention(Span(s, e, ""), t, "x") for s, e, t in gold]
        p = [PredictedEntity(t, "", Span(s, e, "")) for s, e, t in pred]
        overall, _, _ = count_mentions(g, p)
        out.append({schema: c.to_dict() for schema, c in overall.items()})
    return out


def score_nervaluate(docs: list[Any]) -> list[dict[str, dict[str, int]]]:
    from nervaluate import Evaluator

    out = []
    names = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
    for gold, pred in docs:
        true = [[{"label": t, "start": s, "end": e - 1} for s, e, t in gold]]
        guess = [[{"label": t, "start": s, "end": e - 1} for s, e, t in pred]]
        result = Evaluator(true, guess, tags=list(TYPES), loader="dict").evaluate()
        overall = result["overall"]
        out.append(
            {
                ours: {
                    "cor": overall[theirs].correct,
                    "inc": overall[theirs].incorrect,
                    "par": overall[theirs].partial,
                    "mis": overall[theirs].missed,
                    "spu": overall[theirs].spurious,
                }
                for ours, theirs in names.items()
            }
        )
    return out


def _bio(spans: list[tuple[int, int, str]], length: int) -> list[str]:
    tags = ["O"] * length
    for s, e, t in spans:
        for i in range(s, e):
            tags[i] = ("B-" if i == s else "I-") + t
    return tags


def drop_overlaps(docs: list[Any]) -> list[Any]:
    """BIO cannot represent overlapping predictions: keep the first of each
    overlapping run (in offset order). Both scorers then see the same data."""
    out = []
    for gold, pred in docs:
        kept: list[tuple[int, int, str]] = []
        for span in sorted(pred):
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        out.append((gold, kept))
    return out


def score_seqeval(docs: list[Any]) -> list[dict[str, float]]:
    """Strict P/R/F1 over the corpus via seqeval (IOB2, strict mode)."""
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    y_true, y_pred = [], []
    for gold, pred in drop_overlaps(docs):
        length = max([e for _, e, _ in gold + pred] + [0]) + 1
        y_true.append(_bio(gold, length))
        y_pred.append(_bio(pred, length))
    kwargs = {"mode": "strict", "scheme": IOB2}
    return [
        {
            "precision": precision_score(y_true, y_pred, **kwargs),
            "recall": recall_score(y_true, y_pred, **kwargs),
            "f1": f1_score(y_true, y_pred, **kwargs),
        }
    ]


TOOLS = {"troopbench": score_troopbench, "nervaluate": score_nervaluate, "seqeval": score_seqeval}


def child(tool: str, size: int, seed: int) -> None:
    """Runs in a subprocess: prints JSON with seconds, memory and counts."""
    docs = generate(size, seed)
    TOOLS[tool](docs[:20])  # import and warm up outside the timed region
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    counts = TOOLS[tool](docs)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kib": peak - base, "counts": counts}))


def run_child(tool: str, size: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", tool, str(size)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(proc.stdout)


def measure_all(plan: list[tuple[int, str]], repeat: int) -> dict[tuple[int, str], dict[str, Any]]:
    """Every (size, tool) ``repeat`` times, interleaved (round r of every pair
    before round r + 1), so that a slow spell of the machine hits all of them
    alike; medians, and per pair the runs themselves for paired ratios."""
    runs: dict[tuple[int, str], list[dict[str, Any]]] = {key: [] for key in plan}
    for _ in range(repeat):
        for key in plan:
            runs[key].append(run_child(key[1], key[0]))
    return {
        key: {
            "seconds": statistics.median(r["seconds"] for r in rs),
            "peak_mib": statistics.median(r["peak_kib"] for r in rs) / 1024,
            "counts": rs[0]["counts"],
            "runs": [r["seconds"] for r in rs],
        }
        for key, rs in runs.items()
    }


def slower(theirs: dict[str, Any], ours: dict[str, Any]) -> float:
    """Median over the rounds of their time / our time in the same round."""
    return statistics.median(t / o for t, o in zip(theirs["runs"], ours["runs"], strict=True))


def compare_counts(size: int, ours: list[Any], theirs: list[Any]) -> tuple[int, int, int]:
    """(safe docs, safe docs with equal counts, unsafe docs with different counts)."""
    docs = generate(size)
    safe = equal = differ_unsafe = 0
    for (gold, pred), a, b in zip(docs, ours, theirs, strict=True):
        if nervaluate_safe(gold, pred):
            safe += 1
            equal += a == b
        else:
            differ_unsafe += a != b
    return safe, equal, differ_unsafe


def troopbench_strict_prf(docs: list[Any]) -> dict[str, float]:
    """Our strict P/R/F1 on the same overlap-free data seqeval scores."""
    cor = act = pos = 0
    for c in score_troopbench(drop_overlaps(docs)):
        s = c["strict"]
        cor += s["cor"]
        act += s["cor"] + s["inc"] + s["par"] + s["spu"]
        pos += s["cor"] + s["inc"] + s["par"] + s["mis"]
    p, r = cor / act, cor / pos
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nervaluate-max", type=int, default=100_000)
    parser.add_argument("--seqeval-max", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), 0)
        return
    sizes = [int(x) for x in args.sizes.split(",")]
    plan = []
    for size in sizes:
        plan.append((size, "troopbench"))
        if size <= args.nervaluate_max:
            plan.append((size, "nervaluate"))
        if size <= args.seqeval_max:
            plan.append((size, "seqeval"))
    results = measure_all(plan, args.repeat)
    print(f"{'mentions':>9} {'tool':>10} {'seconds':>9} {'us/mention':>10} {'peak MiB':>9}  notes")
    for size in sizes:
        ours = results[size, "troopbench"]
        rows = [("troopbench", ours, "")]
        if (size, "nervaluate") in results:
            nerv = results[size, "nervaluate"]
            safe, equal, differ = compare_counts(size, ours["counts"], nerv["counts"])
            note = (
                f"{slower(nerv, ours):.1f}x slower than troopbench; "
                f"counts equal on {equal}/{safe} docs where nervaluate is correct; "
                f"differs on {differ} docs with multiple overlaps"
            )
            rows.append(("nervaluate", nerv, note))
        if (size, "seqeval") in results:
            seq = results[size, "seqeval"]
            ref = troopbench_strict_prf(generate(size))
            theirs = seq["counts"][0]
            same = all(abs(ref[k] - theirs[k]) < 1e-12 for k in ("precision", "recall", "f1"))
            note = (
                f"{slower(seq, ours):.1f}x slower than troopbench; strict P/R/F1 "
                f"{'equal' if same else 'DIFFERENT'} (overlapping predictions reduced to the first)"
            )
            rows.append(("seqeval", seq, note))
        for tool, m, note in rows:
            print(
                f"{size:>9} {tool:>10} {m['seconds']:>9.3f} {m['seconds'] / size * 1e6:>10.2f} "
                f"{m['peak_mib']:>9.1f}  {note}"
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
