"""Offline evaluation of the scoring core, one JSON line per metric.

    python -m eval.run [--no-models] [--verbose]

1. Pairs (eval/pairs.yaml): does the strong answer of each pair outscore the weak one in the pair's dimension?
2. Answer sets, per split (eval/answers.yaml to tune on, eval/heldout_answers.yaml never tuned on): per question,
   answers at four quality levels must come in order (pairwise order accuracy for overall and content), every
   adversarial answer (key words listed, a polished answer to another question, a long vague answer) must score
   below the solid answer on both content and overall, and each level should land in its calibration band
   (docs/rubrics.md).
3. Key-point coverage against labelled sentences (eval/key_points_train.yaml, eval/key_points_heldout.yaml), per
   split and method.
4. Relevance against every other question of each answer set (eval/relevance.py): AUC and error rates.
Exits 1 when the pairs fall below PASS_AT; the answer-set targets are printed per split ("eval_targets_met")."""

from __future__ import annotations

import argparse
import json
import sys
from statistics import mean

from eval import answer_sets
from eval.pairs import Pair, load_pairs
from rehearse.cli import load_models
from rehearse.domain.analysis_model import DIMENSIONS, AnswerText, Scores
from rehearse.feedback.scoring import extract_features, load_rubric, score_answer
from rehearse.ports import Embedder, ToneModel

PASS_AT = 0.9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.run", description=__doc__.splitlines()[0])
    parser.add_argument("--no-models", action="store_true", help="score without the embedder and tone model")
    parser.add_argument("--verbose", action="store_true", help="print every pair's scores to stderr")
    args = parser.parse_args(argv)
    embedder, tone = (None, None) if args.no_models else load_models(None)
    results = [_judge(pair, embedder, tone) for pair in load_pairs()]
    if args.verbose:
        for pair, strong, weak in results:
            _print_pair(pair, strong, weak)
    overall = _report(results, embedder is not None, tone is not None)
    targets = {}
    for split in answer_sets.SPLITS:
        targets[split] = answer_sets.report(split, embedder, tone, verbose=args.verbose, emit=_emit)
    if embedder is not None:
        from eval.key_points import load_labelled, report
        from eval.relevance import examples, metrics
        from rehearse.feedback.scoring.coverage import default_model
        from rehearse.feedback.scoring.relevance import relevance_model

        for split in ("train", "heldout"):
            for line in report(load_labelled(embedder, split), split, default_model()):
                _emit(line)
        for split in answer_sets.SPLITS:
            if answer_sets.SPLITS[split].is_file():
                _emit({"metric": "relevance_pairs", "split": split, **metrics(examples(split, embedder), relevance_model())})
    # The answer-set targets are reported per split ("targets_met"), not gated: the held-out splits are there to show
    # where the scorer still falls short, and a miss on them is a finding, not a broken command.
    _emit({"metric": "eval_targets_met", **{split: met for split, met in targets.items() if met is not None}})
    return 0 if overall >= PASS_AT else 1


def _judge(pair: Pair, embedder: Embedder | None, tone: ToneModel | None) -> tuple[Pair, Scores, Scores]:
    rubric = load_rubric(pair.role)
    return pair, _scores(pair.strong, embedder, tone, rubric), _scores(pair.weak, embedder, tone, rubric)


def _scores(answer: AnswerText, embedder: Embedder | None, tone: ToneModel | None, rubric) -> Scores:
    return score_answer(answer, extract_features(answer, embedder, tone), rubric)


def _report(results: list[tuple[Pair, Scores, Scores]], with_embedder: bool, with_tone: bool) -> float:
    wins = {d: [_score(s, d) > _score(w, d) for p, s, w in results if p.dimension == d] for d in DIMENSIONS}
    for dimension, won in wins.items():
        _emit({"metric": "eval_pairwise_accuracy", "dimension": dimension, "accuracy": _share(won), "n": len(won)})
    every = [w for won in wins.values() for w in won]
    overall = _share(every)
    _emit({"metric": "eval_pairwise_accuracy", "dimension": "overall", "accuracy": overall, "n": len(every),
           "embedder": with_embedder, "tone": with_tone})  # fmt: skip
    swings = [abs(_score(s, d) - _score(w, d)) for p, s, w in results for d in DIMENSIONS if d != p.dimension]
    by_dimension = {
        d: round(
            mean(abs(_score(s, o) - _score(w, o)) for p, s, w in results if p.dimension == d for o in DIMENSIONS if o != d), 1
        )
        for d in DIMENSIONS
    }
    _emit({"metric": "eval_other_dimension_swing", "mean_abs": round(mean(swings), 1), "max_abs": max(swings),
           "by_pair_dimension": by_dimension, "n": len(swings)})  # fmt: skip
    for pair, strong, weak in results:
        if _score(strong, pair.dimension) <= _score(weak, pair.dimension):
            print(
                f"MISS {pair.id}: strong {_score(strong, pair.dimension)} <= weak {_score(weak, pair.dimension)}", file=sys.stderr
            )
    return overall


def _print_pair(pair: Pair, strong: Scores, weak: Scores) -> None:
    cells = "  ".join(f"{d[:4]} {_score(strong, d):3d}/{_score(weak, d):3d}" for d in DIMENSIONS)
    print(f"{pair.id:24s} [{pair.dimension[:4]}]  {cells}", file=sys.stderr)


def _score(scores: Scores, dimension: str) -> int:
    return getattr(scores, dimension).score


def _share(values: list[bool]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def _emit(line: dict) -> None:
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    sys.exit(main())
