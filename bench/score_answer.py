"""Benchmark of the scoring core: features + scores for a 2-minute answer with the real embedder and tone model.

    python -m bench.score_answer

Prints one JSON line {"metric": "score_answer_ms", "p50": ..., "p95": ..., ...} per configuration: embedder threads
2 (the target) and 1 (what rehearse.config builds today), with and without the tone model. The answer has ~300
words in 20 sentences at 150 wpm and the question 5 key points; sentences and key points go to the embedder in one
call."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.stats import percentiles
from rehearse.domain.analysis_model import AnswerText, Word
from rehearse.feedback.scoring import extract_features, load_rubric, score_answer
from rehearse.ports import Embedder, ToneModel

MODEL_DIR = Path(os.environ.get("REHEARSE_DATA_DIR", ".rehearse-data")) / "models" / "minilm"
QUESTION = "Tell me about a technically challenging project you worked on. What made it hard, and how did you approach it?"
KEY_POINTS = [
    "explains the specific constraint that made it hard",
    "separates own contribution from the team's work",
    "compares alternatives considered and why rejected",
    "names a measurable result such as latency or cost",
    "reflects on what they would do differently",
]
SENTENCES = [
    "At my last job at a payments company, I worked on the fraud checks for card transactions.",
    "Our fraud check had to answer in under fifty milliseconds, and it was taking two hundred at peak.",
    "I owned the scoring service, while two teammates owned the feature store.",
    "The hard part was that the model needed fresh features, so a simple cache would have served stale data.",
    "Um, we also had a strict rule that no transaction could be approved without a score.",
    "So we could not just skip the check when it was slow.",
    "We considered precomputing scores nightly, but that missed new fraud patterns, so we rejected it.",
    "We also looked at a bigger database cluster, but that would have doubled our costs.",
    "I think the third option, batching the lookups, was the most promising one.",
    "I moved the feature lookups into one batched call to Redis.",
    "Then I rewrote the hot path in Go, because the Python version spent most of its time on serialisation.",
    "I wrote load tests that replayed a day of real traffic at three times the normal rate.",
    "We rolled the change out to one percent of traffic first and watched the error rate for a week.",
    "There was, like, one bad night when a Redis node failed and we had to fall back to the old path.",
    "I added a circuit breaker so that a slow node could never block a transaction again.",
    "As a result, p99 latency dropped from two hundred to forty milliseconds.",
    "We also cut our server bill by thirty percent, because we needed fewer machines.",
    "The fraud team could then add new features without worrying about latency.",
    "Looking back, I would have load tested the batch size earlier instead of tuning it in production.",
    "I would also involve the fraud analysts sooner, since they knew which features really mattered.",
]


def two_minute_answer(wpm: float = 150.0) -> AnswerText:
    """~300 words with timings at `wpm`, a few fillers and hedges, as the recognizer would deliver them."""
    words = " ".join(SENTENCES).split()
    per_word = 60.0 / wpm
    timed = [
        Word(w=w, start=round(i * per_word, 3), end=round(i * per_word + per_word * 0.85, 3)) for i, w in enumerate(words)
    ]
    return AnswerText(question_text=QUESTION, key_points=KEY_POINTS, words=timed, role="software_engineer")


def load_models(threads: int = 2) -> tuple[Embedder, ToneModel | None]:
    """The local embedder with `threads` onnxruntime threads, and the tone model on top of it."""
    from rehearse.adapters.local.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(MODEL_DIR, threads=threads)
    try:
        from rehearse.adapters.local.onnx_tone import OnnxToneModel

        return embedder, OnnxToneModel(embedder)
    except Exception as error:  # the tone model is optional; the benchmark still measures coverage
        print(f"tone model unavailable ({error}); measuring without it", file=sys.stderr)
        return embedder, None


def measure(runs: int = 30, threads: int = 2, with_tone: bool = True) -> dict[str, float]:
    """p50 and p95 in ms of extract_features + score_answer, after one warm-up run.

    Two embedder threads use both cores of the target machine; the tone model reuses the sentence
    embedding (rehearse/feedback/scoring/features.py): one embedder call serves coverage and tone."""
    embedder, tone = load_models(threads)
    tone = tone if with_tone else None
    answer = two_minute_answer()
    rubric = load_rubric(answer.role)
    score_answer(answer, extract_features(answer, embedder, tone), rubric)  # warm-up: onnxruntime allocates on first run
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        score_answer(answer, extract_features(answer, embedder, tone), rubric)
        timings.append((time.perf_counter() - started) * 1000.0)
    return percentiles(timings)


def main() -> int:
    if not (MODEL_DIR / "model.onnx").is_file():
        print(f"no sentence embedder in {MODEL_DIR}; build it with `make models`", file=sys.stderr)
        return 1
    answer = two_minute_answer()
    words = len(answer.words)
    for threads, with_tone in ((2, True), (2, False), (1, True)):
        result = measure(runs=30, threads=threads, with_tone=with_tone)
        line = {"metric": "score_answer_ms", **result, "runs": 30, "words": words, "sentences": len(SENTENCES),
                "key_points": len(KEY_POINTS), "embedder_threads": threads, "tone": with_tone, "cpus": os.cpu_count()}  # fmt: skip
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
