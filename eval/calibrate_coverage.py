"""Calibrates the key-point coverage threshold on hand-labelled sentences (eval/coverage_calibration.yaml).

    python -m eval.calibrate_coverage

Prints, for the threshold in use (rehearse.scoring.coverage.COVERED_AT) and a few around it, the share of
sentences that make a point and are accepted (recall) and of on-topic sentences that do not and are accepted
anyway (false positives), and the threshold with the best balanced accuracy."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml

from rehearse.cli import load_models
from rehearse.scoring.coverage import COVERED_AT

LABELS = Path(__file__).resolve().parent / "coverage_calibration.yaml"


def similarities(points: list[dict], embedder) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each labelled sentence with its key point: (covers, misses)."""
    covers, misses = [], []
    for item in points:
        sentences = item["covers"] + item["misses"]
        vectors = embedder.embed([item["point"], *sentences])
        sims = vectors[1:] @ vectors[0]
        covers += sims[: len(item["covers"])].tolist()
        misses += sims[len(item["covers"]) :].tolist()
    return np.array(covers), np.array(misses)


def main() -> int:
    embedder, _ = load_models(None)
    if embedder is None:
        print("the sentence embedder is needed to calibrate; build it with `make models`", file=sys.stderr)
        return 1
    covers, misses = similarities(yaml.safe_load(LABELS.read_text(encoding="utf-8"))["points"], embedder)
    thresholds = np.round(np.arange(0.15, 0.61, 0.01), 2)
    balanced = [(np.mean(covers >= t) + np.mean(misses < t)) / 2 for t in thresholds]
    best = float(thresholds[int(np.argmax(balanced))])
    for t in sorted({COVERED_AT, best, 0.3, 0.35, 0.4, 0.45, 0.5}):
        line = {"metric": "coverage_threshold", "threshold": t, "recall": round(float(np.mean(covers >= t)), 2),
                "false_positives": round(float(np.mean(misses >= t)), 2), "in_use": t == COVERED_AT, "best": t == best}  # fmt: skip
        print(json.dumps(line))
    print(json.dumps({"metric": "coverage_similarity", "covers_mean": round(float(covers.mean()), 3),
                      "misses_mean": round(float(misses.mean()), 3), "n": len(covers) + len(misses)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
