"""Trains the tone classifier on utterances.jsonl and exports it to rehearse/data/models/tone.onnx (+ tone.json).

Features are exactly what the runtime computes (rehearse.adapters.local.onnx_tone.tone_features): the MiniLM
sentence embedding and four lexical rates. Every 5th line of the dataset is held out for evaluation, and the model
shipped is the one trained without it, so the accuracy in tone.json describes the file that ships.

Build-time only (scikit-learn, skl2onnx). From the repository root, after `make models`:
    .venv-build/bin/pip install -r training/tone/requirements.txt
    .venv-build/bin/python training/tone/train.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere, without installing the package

from rehearse.adapters.local.onnx_embedder import OnnxEmbedder  # noqa: E402
from rehearse.adapters.local.onnx_tone import FEATURES, LEXICAL_FEATURES, MODEL_NAME, tone_features  # noqa: E402

LABELS = ("confident", "neutral", "hesitant", "negative")
DATASET = Path(__file__).with_name("utterances.jsonl")
# Sentences written apart from the dataset, after it, in the same four labels: reported, never used to choose anything.
OUTSIDE_CHECK = Path(__file__).with_name("outside_check.jsonl")
OUTPUT = ROOT / "rehearse" / "data" / "models" / "tone.onnx"
EMBEDDER_DIR = ROOT / ".rehearse-data" / "models" / "minilm"
HOLDOUT_EVERY = 5  # lines 5, 10, 15, ... (1-based) are the held-out set
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)  # inverse L2 strength, chosen by 5-fold CV on the training lines only
# Scores this close are noise on ~500 lines; the more regularised model then wins, as it generalises better to
# phrasing unlike ours and gives less extreme probabilities.
CV_TIE = 0.005
SEED = 0
OPSET = {"": 17, "ai.onnx.ml": 3}


def load(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, label indices and a held-out mask, in file order."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    labels = np.array([LABELS.index(r["label"]) for r in rows])
    held_out = (np.arange(len(rows)) % HOLDOUT_EVERY) == HOLDOUT_EVERY - 1
    return texts, labels, held_out


def classifier(c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Standardising puts the unit-norm embedding's small components and the lexical rates on one scale, so one
    # L2 penalty treats them alike. lbfgs fits a multinomial (softmax) model for more than two classes.
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000, random_state=SEED))


def choose_c(x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, float]]:
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    scores = {str(c): float(cross_val_score(classifier(c), x, y, cv=folds, scoring="f1_macro").mean()) for c in C_GRID}
    top = max(scores.values())
    return min(c for c in C_GRID if scores[str(c)] >= top - CV_TIE), scores


def evaluate(model, x: np.ndarray, y: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    predicted = model.predict(x)
    per_class = f1_score(y, predicted, average=None, labels=range(len(LABELS)))
    return {
        "accuracy": round(float(accuracy_score(y, predicted)), 4),
        "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        "f1_per_label": {label: round(float(f), 4) for label, f in zip(LABELS, per_class, strict=True)},
        "confusion_matrix": {"rows_true_cols_predicted": list(LABELS), "counts": confusion_matrix(y, predicted).tolist()},
    }


def export(model, dim: int, path: Path, check: np.ndarray) -> None:
    """Writes the ONNX model and checks that onnxruntime reproduces scikit-learn's probabilities."""
    import onnxruntime as ort
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    onx = to_onnx(
        model,
        initial_types=[("features", FloatTensorType([None, dim]))],
        options={id(model.steps[-1][1]): {"zipmap": False}},  # a plain (n, 4) tensor, not a list of dicts
        target_opset=OPSET,
    )
    onx.doc_string = f"{MODEL_NAME}: labels {', '.join(LABELS)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(onx.SerializeToString())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_probs,) = session.run(["probabilities"], {"features": check})
    diff = float(np.abs(onnx_probs - model.predict_proba(check)).max())
    if diff > 1e-4:
        raise SystemExit(f"exported tone model differs from scikit-learn by {diff:.2e}")


def ablations(x_train, y_train, x_test, y_test, c: float) -> dict[str, float]:
    """Held-out macro-F1 of each half of the features alone: shows what each contributes."""
    lexical = slice(x_train.shape[1] - len(LEXICAL_FEATURES), None)
    embedding = slice(0, x_train.shape[1] - len(LEXICAL_FEATURES))
    return {
        name: evaluate(classifier(c).fit(x_train[:, cols], y_train), x_test[:, cols], y_test)["macro_f1"]
        for name, cols in (("embedding_only", embedding), ("lexical_only", lexical))
    }


def outside_check(model, embedder: OnnxEmbedder) -> dict[str, str]:
    """Correct / total on the outside sentences, per kind ("clear" and "harder")."""
    rows = [json.loads(line) for line in OUTSIDE_CHECK.read_text().splitlines() if line.strip()]
    predicted = model.predict(tone_features([r["text"] for r in rows], embedder))
    result = {}
    for kind in sorted({r["kind"] for r in rows}):
        hits = [LABELS[p] == r["label"] for r, p in zip(rows, predicted, strict=True) if r["kind"] == kind]
        result[kind] = f"{sum(hits)}/{len(hits)}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder-dir", type=Path, default=EMBEDDER_DIR)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    texts, y, held_out = load(DATASET)
    embedder = OnnxEmbedder(args.embedder_dir)
    x = tone_features(texts, embedder)
    x_train, y_train, x_test, y_test = x[~held_out], y[~held_out], x[held_out], y[held_out]
    c, cv_scores = choose_c(x_train, y_train)
    model = classifier(c).fit(x_train, y_train)
    held_out_metrics = evaluate(model, x_test, y_test)
    export(model, x.shape[1], args.output, x_test)

    meta = {
        "model": MODEL_NAME,
        "labels": list(LABELS),
        "features": list(FEATURES),
        "classifier": f"StandardScaler + LogisticRegression(multinomial, lbfgs, C={c}, random_state={SEED})",
        "trained_at": datetime.now(UTC).date().isoformat(),
        "dataset": {
            "file": "training/tone/utterances.jsonl",
            "sha256": hashlib.sha256(DATASET.read_bytes()).hexdigest(),
            "lines": len(texts),
            "train": int((~held_out).sum()),
            "held_out": int(held_out.sum()),
            "held_out_rule": f"every {HOLDOUT_EVERY}th line (1-based line numbers {HOLDOUT_EVERY}, {2 * HOLDOUT_EVERY}, ...)",
            "labels": dict(Counter(LABELS[i] for i in y)),
        },
        "cv_macro_f1_by_c": cv_scores,
        "held_out": held_out_metrics,
        "held_out_macro_f1_ablations": ablations(x_train, y_train, x_test, y_test, c),
        "outside_check_accuracy": outside_check(model, embedder),
        "onnx_opset": OPSET,
        "onnx_sha256": hashlib.sha256(args.output.read_bytes()).hexdigest(),
    }
    args.output.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    _report(meta, model, texts, y, held_out, x)
    return 0


def _report(meta: dict, model, texts: list[str], y: np.ndarray, held_out: np.ndarray, x: np.ndarray) -> None:
    shown = ("classifier", "held_out", "held_out_macro_f1_ablations", "outside_check_accuracy")
    print(json.dumps({k: meta[k] for k in shown}, indent=2))
    predicted = model.predict(x[held_out])
    for text, truth, guess in zip(np.array(texts, dtype=object)[held_out], y[held_out], predicted, strict=True):
        if truth != guess:
            print(f"  held-out miss: {LABELS[truth]:>9} -> {LABELS[guess]:<9} {text}")


if __name__ == "__main__":
    sys.exit(main())
