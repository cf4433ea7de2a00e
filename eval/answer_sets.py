"""Metrics of the scorer on the answer sets (eval/answers.py): order of quality levels, adversarial answers, bands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from itertools import combinations

from eval.answers import ADVERSARIAL, QUALITY, SPLITS, EvalQuestion, load_split
from rehearse.domain.analysis_model import AnswerFeatures, Scores
from rehearse.feedback.scoring import extract_features, load_rubric, score_answer
from rehearse.ports import Embedder, ToneModel

ORDER_TARGET = 0.95
ADVERSARIAL_TARGET = 1.0
OFF_TOPIC_CONTENT_MAX = 35
# Where each level's overall score should land (docs/rubrics.md, "Calibration"): 80 strong, 60 solid, 40 weak.
BANDS = {"excellent": (75, 100), "solid": (55, 80), "vague": (30, 60), "poor": (0, 45)}

Scored = dict[str, tuple[Scores, AnswerFeatures]]


def score_question(question: EvalQuestion, embedder: Embedder | None, tone: ToneModel | None) -> Scored:
    rubric = load_rubric(question.role)
    out = {}
    for level, item in question.answers.items():
        features = extract_features(item.answer, embedder, tone)
        out[level] = (score_answer(item.answer, features, rubric), features)
    return out


def report(split: str, embedder: Embedder | None, tone: ToneModel | None, *, verbose: bool, emit: Callable[[dict], None]) -> bool | None:
    """Emits the split's metrics; True when the targets are met, None when the split has no file."""
    if not SPLITS[split].is_file():
        return None
    questions = load_split(split)
    scored = [(q, score_question(q, embedder, tone)) for q in questions]
    order = {"overall": [], "content": []}
    adversarial: list[bool] = []
    off_topic_capped: list[bool] = []
    bands: list[bool] = []
    relevance_right: list[bool] = []
    for question, results in scored:
        if verbose:
            _print_question(question, results)
        for better, worse in combinations([lvl for lvl in QUALITY if lvl in results], 2):
            for dim in order:
                ok = _value(results[better][0], dim) > _value(results[worse][0], dim)
                order[dim].append(ok)
                if not ok:
                    _miss(split, question, f"{dim}: {better} {_value(results[better][0], dim)} <= {worse} {_value(results[worse][0], dim)}")
        solid = results.get("solid")
        for level in ADVERSARIAL:
            if level not in results or solid is None:
                continue
            scores = results[level][0]
            ok = scores.content.score < solid[0].content.score and scores.overall() < solid[0].overall()
            adversarial.append(ok)
            if not ok:
                _miss(split, question, f"{level}: content {scores.content.score}/overall {scores.overall()} vs solid {solid[0].content.score}/{solid[0].overall()}")
        if "other_question" in results:
            scores, features = results["other_question"]
            off_topic_capped.append(scores.content.score <= OFF_TOPIC_CONTENT_MAX)
            relevance_right.append(features.relevance is not None and features.relevance.state == "off_topic")
        for level in ("excellent", "solid"):
            if level in results and results[level][1].relevance is not None:
                relevance_right.append(results[level][1].relevance.state == "on_topic")
        for level, (low, high) in BANDS.items():
            if level in results:
                value = results[level][0].overall()
                bands.append(low <= value <= high)
                if not low <= value <= high:
                    _miss(split, question, f"band: {level} overall {value} outside {low}-{high}")
    metrics = {
        "order_overall": _share(order["overall"]),
        "order_content": _share(order["content"]),
        "adversarial_below_solid": _share(adversarial),
    }
    emit({"metric": "eval_order_accuracy", "split": split, "overall": metrics["order_overall"],
          "content": metrics["order_content"], "n": len(order["overall"]), "target": ORDER_TARGET})  # fmt: skip
    emit({"metric": "eval_adversarial_below_solid", "split": split, "share": metrics["adversarial_below_solid"],
          "n": len(adversarial), "target": ADVERSARIAL_TARGET})  # fmt: skip
    emit({"metric": "eval_off_topic_content_capped", "split": split, "share": _share(off_topic_capped),
          "n": len(off_topic_capped), "max_content": OFF_TOPIC_CONTENT_MAX})  # fmt: skip
    emit({"metric": "eval_relevance_accuracy", "split": split, "share": _share(relevance_right), "n": len(relevance_right)})
    emit({"metric": "eval_calibration_bands", "split": split, "share": _share(bands), "n": len(bands),
          "bands": {k: list(v) for k, v in BANDS.items()}})  # fmt: skip
    emit({"metric": "eval_level_means", "split": split, **_level_means(scored)})
    return (
        metrics["order_overall"] >= ORDER_TARGET
        and metrics["order_content"] >= ORDER_TARGET
        and metrics["adversarial_below_solid"] >= ADVERSARIAL_TARGET
    )


def _level_means(scored: list[tuple[EvalQuestion, Scored]]) -> dict:
    means = {}
    for level in (*QUALITY, *ADVERSARIAL):
        values = [r[level][0] for _, r in scored if level in r]
        if values:
            means[level] = {
                "overall": round(sum(v.overall() for v in values) / len(values), 1),
                "content": round(sum(v.content.score for v in values) / len(values), 1),
            }
    return means


def _value(scores: Scores, dimension: str) -> int:
    return scores.overall() if dimension == "overall" else getattr(scores, dimension).score


def _share(values: list[bool]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def _miss(split: str, question: EvalQuestion, what: str) -> None:
    print(f"MISS [{split}] {question.key}: {what}", file=sys.stderr)


def _print_question(question: EvalQuestion, results: Scored) -> None:
    print(f"-- {question.key}", file=sys.stderr)
    for level, (scores, features) in results.items():
        rel = features.relevance
        rel_text = f"rel {rel.probability:.2f} {rel.state}" if rel else ""
        kp = " ".join(f"{c.probability:.2f}" for c in features.key_points)
        print(
            f"   {level:15s} ov {scores.overall():3d} co {scores.content.score:3d} st {scores.structure.score:3d} "
            f"cl {scores.clarity.score:3d} cf {scores.confidence.score:3d}  {rel_text}  kp [{kp}]",
            file=sys.stderr,
        )
