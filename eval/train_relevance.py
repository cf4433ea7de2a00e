"""Fits the relevance rule on the tuning answers (eval/answers.yaml) and writes rehearse/data/models/relevance.json.

    python -m eval.train_relevance [--check]

Logistic regression (eval.train_coverage.fit, L2, numpy only) over rehearse.feedback.scoring.relevance.FEATURES, on the
examples of eval.relevance, each class weighted to half of the total (answers to other questions outnumber the
on-topic ones about six to one). Thresholds (`thresholds`): at most 2% of the real answers told that they did not
answer the question, at most 5% of the answers to another question passing as on topic. The held-out splits are never read here. `--check` fails when the committed file differs
from a fresh fit."""

from __future__ import annotations

import hashlib
import sys

import numpy as np

from eval.answers import SPLITS
from eval.key_points import auc
from eval.model_file import write_or_check
from eval.relevance import examples
from eval.train_coverage import fit
from rehearse.cli import load_models
from rehearse.feedback.scoring.relevance import FEATURES, MODEL_FILE

L2 = 1.0
ON_CALLED_OFF = 0.02  # at most 1 in 50 real answers told that it did not answer the question
OFF_CALLED_ON = 0.05  # at most 1 in 20 answers to another question passing as on topic
VERSION = "relevance-logreg/1"


def thresholds(p: np.ndarray, on: np.ndarray) -> tuple[float, float]:
    """The classes are rates, not counts (answers to other questions outnumber the rest): at `off_topic_below` at
    most ON_CALLED_OFF of the real answers are told they did not answer; at `on_topic_at` at most OFF_CALLED_ON of
    the answers to other questions pass as on topic."""
    grid = np.round(np.arange(0.02, 0.96, 0.01), 2)
    off_below = max((float(t) for t in grid if (p[on] < t).mean() <= ON_CALLED_OFF), default=0.05)
    on_at = next((float(t) for t in grid if t >= off_below and (p[~on] >= t).mean() <= OFF_CALLED_ON), off_below)
    return on_at, off_below


def train() -> dict:
    embedder, _ = load_models(None)
    if embedder is None:
        raise SystemExit("the sentence embedder is needed; build it with `make models`")
    rows = examples("dev", embedder)
    x = np.array([r.vector for r in rows])
    on = np.array([r.on_topic for r in rows])
    weights = np.where(on, 0.5 / on.mean(), 0.5 / (1 - on.mean()))
    w = fit(x, on.astype(float), l2=L2, sample_weights=weights)
    p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
    on_at, off_below = thresholds(p, on)
    return {
        "version": VERSION,
        "features": list(FEATURES),
        "bias": round(float(w[0]), 4),
        "weights": [round(float(v), 4) for v in w[1:]],
        "on_topic_at": on_at,
        "off_topic_below": off_below,
        "trained_on": {
            "file": "eval/answers.yaml",
            "sha256": hashlib.sha256(SPLITS["dev"].read_bytes()).hexdigest(),
            "examples": len(rows),
            "on_topic": int(on.sum()),
        },
        "train_auc": round(auc(p, on), 3),
        "l2": L2,
    }


def main(argv: list[str] | None = None) -> int:
    return write_or_check("eval.train_relevance", __doc__, MODEL_FILE, train, argv)


if __name__ == "__main__":
    sys.exit(main())
