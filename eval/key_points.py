"""Key-point coverage against hand-labelled sentences (eval/key_points_{train,heldout}.yaml): AUC, precision and
recall per method.

    python -m eval.key_points [--split train|heldout]

Each labelled sentence is judged in the context of its question (all of its key points, and the bank's example
phrasings when it is a bank question), exactly as the scorer judges an answer's sentences."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from rehearse.cli import load_models
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.scoring.coverage import FEATURES, CoverageModel, default_model, pair_features, point_specs, static_texts
from rehearse.feedback.scoring.embedding_cache import cache_for
from rehearse.feedback.scoring.substance import content_stems, has_substance
from rehearse.feedback.scoring.text import normalize
from rehearse.ports import Embedder

HERE = Path(__file__).resolve().parent
# The coverage model is fitted on the train file alone; the held-out file (other questions, other writers) is read
# only to report how well the fit carries.
LABELS = {"train": [HERE / "key_points_train.yaml"], "heldout": [HERE / "key_points_heldout.yaml", HERE / "key_points_heldout_more.yaml"]}
OLD_COSINE_AT = 0.35  # the descriptor-cosine threshold the scorer used before the coverage model


@dataclass(frozen=True)
class Labelled:
    split: str
    question: str
    point: str
    sentence: str
    covered: bool
    bank: bool  # the question is a bank question, with example phrasings
    features: np.ndarray  # FEATURES of (point, sentence)
    substantial: bool
    subset: str = "labelled"  # "cross": a sentence written for another question, a negative by construction


def sentence_norm(sentence: str) -> str:
    from rehearse.domain.fillers import HESITATIONS

    return " ".join(n for n in (normalize(w) for w in sentence.split()) if n and n not in HESITATIONS)


CROSS_PER_POINT = 3  # sentences from answers to OTHER questions, added to each point as negatives


def load_labelled(embedder: Embedder, split: str, *, cross: bool = True) -> list[Labelled]:
    """The split's labelled pairs; with `cross`, also each point against a few sentences that make points of OTHER
    questions of the same split (subset "cross"): a concrete sentence about something else must not cover a point."""
    items = []
    for path in LABELS[split]:
        if path.is_file():
            items += yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    rows: list[Labelled] = []
    for item in items:
        rows += _rows(embedder, split, item, [(lab, _sentences(lab)) for lab in item["points"]])
    if cross:
        for q, item in enumerate(items):
            foreign = [s for other, it in enumerate(items) if other != q for lab in it["points"] for s in lab.get("covers", [])]
            picks = [(lab, [(s, False) for s in _picked(foreign, lab["point"], CROSS_PER_POINT)]) for lab in item["points"]]
            rows += [replace(r, subset="cross") for r in _rows(embedder, split, item, picks)]
    return rows


def _sentences(labelled: dict) -> list[tuple[str, bool]]:
    return [(s, True) for s in labelled.get("covers", [])] + [(s, False) for s in labelled.get("misses", [])]


def _picked(sentences: list[str], point: str, k: int) -> list[str]:
    """k sentences chosen by a hash of (point, sentence): the same labels give the same picks on every machine."""
    return sorted(sentences, key=lambda s: hashlib.sha256(f"{point}\n{s}".encode()).hexdigest())[:k]


def _rows(embedder: Embedder, split: str, item: dict, labelled: list[tuple[dict, list[tuple[str, bool]]]]) -> list[Labelled]:
    bank = {q.id: q for role in default_bank().roles() for q in role.questions}
    cache = cache_for(embedder)
    if "question" in item:
        question = bank[item["question"]]
        key, points, examples = question.id, list(question.key_points), dict(question.examples)
    else:
        key, points, examples = "custom:" + item["custom"]["text"][:40], list(item["custom"]["key_points"]), {}
    specs = point_specs(points, examples)
    index = {spec.text: i for i, spec in enumerate(specs)}
    borrowed = content_stems(" ".join(points))
    static = cache.embed_static(static_texts(specs))
    rows: list[Labelled] = []
    for point, sentences in labelled:
        p = index[point["point"].strip()]
        texts = [s for s, _ in sentences]
        if not texts:
            continue
        norms = [sentence_norm(s) for s in texts]
        vectors, _ = cache.embed_with(texts, [])
        features = pair_features(specs, texts, norms, vectors, static)
        for s, (text, covered) in enumerate(sentences):
            rows.append(
                Labelled(
                    split=split, question=key, point=specs[p].text, sentence=text, covered=covered,
                    bank="question" in item, features=features[p, s], substantial=has_substance(norms[s], borrowed),
                )
            )  # fmt: skip
    return rows


def probabilities(rows: list[Labelled], model: CoverageModel) -> np.ndarray:
    return np.array([model.probability(r.features) if r.substantial else 0.0 for r in rows])


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The probability that a random covered sentence scores above a random missing one (ties count half)."""
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def method_metrics(name: str, scores: np.ndarray, labels: np.ndarray, covered_at: float, missed_below: float) -> dict:
    claimed, missed = scores >= covered_at, scores < missed_below
    return {
        "method": name,
        "auc": round(auc(scores, labels), 3),
        "precision": _ratio((claimed & labels).sum(), claimed.sum()),
        "recall": _ratio((claimed & labels).sum(), labels.sum()),
        "missed_precision": _ratio((missed & ~labels).sum(), missed.sum()),  # a "Missed:" claim is really missing
        "missed_share_of_misses": _ratio((missed & ~labels).sum(), (~labels).sum()),
    }


def report(rows: list[Labelled], split: str, model: CoverageModel) -> list[dict]:
    chosen = [r for r in rows if r.split == split]
    lines = []
    labelled = [r for r in chosen if r.subset == "labelled"]
    subsets = (
        ("all", labelled), ("bank", [r for r in labelled if r.bank]), ("custom", [r for r in labelled if not r.bank]),
        ("with_cross", chosen),
    )  # fmt: skip
    for subset, members in subsets:
        if not members:
            continue
        labels = np.array([r.covered for r in members])
        feature = {name: np.array([r.features[i] for r in members]) for i, name in enumerate(FEATURES)}
        methods = [
            method_metrics("descriptor_cosine", feature["sim_point"], labels, OLD_COSINE_AT, OLD_COSINE_AT),
            method_metrics("examples_cosine", feature["sim_examples"], labels, 0.5, 0.3),
            method_metrics("lexical", feature["lexical"], labels, 0.5, 0.01),
            method_metrics("coverage_model", probabilities(members, model), labels, model.covered_at, model.missed_below),
        ]
        for m in methods:
            lines.append({"metric": "key_point_coverage", "split": split, "subset": subset, "n": len(members),
                          "covered": int(labels.sum()), **m})  # fmt: skip
    return lines


def _ratio(a: int, b: int) -> float | None:
    return round(float(a) / float(b), 3) if b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.key_points", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["train", "heldout", "both"], default="both")
    args = parser.parse_args(argv)
    embedder, _ = load_models(None)
    if embedder is None:
        print("the sentence embedder is needed; build it with `make models`", file=sys.stderr)
        return 1
    for split in ("train", "heldout") if args.split == "both" else (args.split,):
        for line in report(load_labelled(embedder, split), split, default_model()):
            print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
