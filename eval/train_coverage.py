"""Trains the key-point coverage model on eval/key_points_train.yaml and writes its weights.

    python -m eval.train_coverage [--check]

Logistic regression (L2, Newton's method, numpy only) over rehearse.feedback.scoring.coverage.FEATURES; sentences without
substance are left out of training, since the scorer never asks the model about them. covered_at is the lowest
threshold at which 85% of the train split's "covered" claims are right; missed_below the highest one below it at which at least 95% of the train
split's "missed" claims are right (the target on held-out data is 90%). The held-out split is never read here.
The same labels give the same bytes; `--check` fails when the committed file differs from a fresh fit."""

from __future__ import annotations

import hashlib
import sys

import numpy as np

from eval.key_points import LABELS, auc, load_labelled
from eval.model_file import write_or_check
from rehearse.cli import load_models
from rehearse.feedback.scoring.coverage import FEATURES, MODEL_FILE

L2 = 0.5
MISSED_PRECISION = 0.95
COVERED_PRECISION = 0.85
VERSION = "coverage-logreg/1"


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 50, sample_weights: np.ndarray | None = None) -> np.ndarray:
    """Weights with the bias first; the bias is not penalised."""
    design = np.hstack([np.ones((len(x), 1)), x])
    weights = np.ones(len(x)) if sample_weights is None else sample_weights
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (weights * (p - y)) + penalty * w
        hessian = design.T @ (design * (weights * p * (1 - p))[:, None]) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return w


def thresholds(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    f1 = []
    for t in grid:
        tp, fp, fn = ((p >= t) & y).sum(), ((p >= t) & ~y).sum(), ((p < t) & y).sum()
        f1.append(2 * tp / max(2 * tp + fp + fn, 1))
    # An answer has many sentences and a point takes the best of them, so a pair-level false positive becomes an
    # answer-level one easily: "Covered" needs precision, the lowest threshold at which COVERED_PRECISION holds.
    precise = [t for t in grid if (p >= t).sum() and ((p >= t) & y).sum() / (p >= t).sum() >= COVERED_PRECISION]
    covered_at = float(precise[0]) if precise else float(grid[int(np.argmax(f1))])
    missed_below = 0.05
    for t in grid[grid <= covered_at]:
        missed = p < t
        if missed.sum() and (missed & ~y).sum() / missed.sum() >= MISSED_PRECISION:
            missed_below = float(t)
    return covered_at, missed_below


def train() -> dict:
    embedder, _ = load_models(None)
    if embedder is None:
        raise SystemExit("the sentence embedder is needed; build it with `make models`")
    rows = load_labelled(embedder, "train")
    used = [r for r in rows if r.substantial]
    x = np.array([r.features for r in used])
    y = np.array([r.covered for r in used])
    w = fit(x, y.astype(float))
    design = np.hstack([np.ones((len(x), 1)), x])
    p_used = 1.0 / (1.0 + np.exp(-design @ w))
    covered_at, missed_below = thresholds(p_used, y)
    all_p = np.zeros(len(rows))
    all_p[[i for i, r in enumerate(rows) if r.substantial]] = p_used
    labels = np.array([r.covered for r in rows])
    return {
        "version": VERSION,
        "features": list(FEATURES),
        "bias": round(float(w[0]), 4),
        "weights": [round(float(v), 4) for v in w[1:]],
        "covered_at": covered_at,
        "missed_below": missed_below,
        "trained_on": {
            "file": "eval/key_points_train.yaml",
            "sha256": hashlib.sha256(LABELS["train"][0].read_bytes()).hexdigest(),
            "sentences": len(rows),
            "without_substance": len(rows) - len(used),
            "covered": int(labels.sum()),
        },
        "train_auc": round(auc(all_p, labels), 3),
        "l2": L2,
    }


def main(argv: list[str] | None = None) -> int:
    return write_or_check("eval.train_coverage", __doc__, MODEL_FILE, train, argv)


if __name__ == "__main__":
    sys.exit(main())
