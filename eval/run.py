"""Pairwise accuracy of the scorer: does the strong answer of each pair outscore the weak one in the pair's dimension?

    python -m eval.run [--no-models] [--verbose]

Prints one JSON line per dimension and one overall ({"metric": "eval_pairwise_accuracy", ...}), then the mean
absolute swing of the OTHER dimensions within pairs; exits 1 when the overall accuracy is below 0.9."""

from __future__ import annotations

import argparse
import json
import sys
from statistics import mean

from eval.pairs import Pair, load_pairs
from rehearse.analysis_model import DIMENSIONS, AnswerText, Scores
from rehearse.cli import load_models
from rehearse.ports import Embedder, ToneModel
from rehearse.scoring import extract_features, load_rubric, score_answer

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
