"""Recompute the metrics of committed results files from their own per-document counts.

When a metric is added to a layer (as ``type_f1`` was to timexes), every results file must
carry it to stay byte for byte what a re-run writes. Metrics are pure functions of the counts a
results file already holds (:func:`benchmark.scoring.layer_metrics`), so they are recomputed
from those counts, nothing is run again, and a file whose metrics are already current is not
touched. Run: ``python -m benchmark.rescore results/ results/contrast/ ...``.
"""

from __future__ import annotations

import json
import sys
from functools import reduce
from operator import add
from pathlib import Path

from benchmark.runner import write_json_atomic
from benchmark.scoring import COUNT_TYPES, layer_metrics


def rescore_file(path: Path) -> bool:
    """Recompute ``path``'s metrics from its counts; whether the file changed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for layer, block in data.get("layers", {}).items():
        counts = [COUNT_TYPES[layer].from_dict(c) for c in block["per_document"].values()]
        total = reduce(add, counts) if counts else COUNT_TYPES[layer]()
        metrics = json.loads(json.dumps(layer_metrics(layer, total)))
        if metrics != block["metrics"] or list(metrics) != list(block["metrics"]):
            block["metrics"] = metrics
            changed = True
    if changed:
        write_json_atomic(path, data)
    return changed


def main(argv: list[str]) -> int:
    for folder in argv or ["results"]:
        for path in sorted(Path(folder).glob("*.json")):
            if rescore_file(path):
                print(f"rescored {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
