"""Benchmark of the interviewer's follow-up decision on a 2-minute answer with the real embedder (issue 13: 300 ms).

    python -m bench.follow_up

Prints one JSON line {"metric": "follow_up_decision_ms", "p50": ..., "p95": ...}: decide_follow_up on the ~300-word
answer of bench/score_answer.py to the bank's swe-02 (its examples and probes), embedder threads 2, after one warm-up
call. `cold_ms` is that first call of the process: the bank's question texts are embedded once for relevance, so the
live interview should warm the cache (one decision, or one scored answer) before the first follow-up is needed."""

from __future__ import annotations

import json
import os
import sys
import time

from bench.score_answer import MODEL_DIR, SENTENCES, two_minute_answer
from bench.stats import percentiles
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.follow_up import decide_follow_up

RUNS = 30


def run() -> list[dict]:
    if not (MODEL_DIR / "model.onnx").is_file():
        print(f"no sentence embedder in {MODEL_DIR}; build it with `make models`", file=sys.stderr)
        return []
    from rehearse.adapters.local.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(MODEL_DIR, threads=2)
    question = next(q for role in default_bank().roles() for q in role.questions if q.id == "swe-02")
    # The answer leaves a gap the decision has to find: the reflection at its end is cut.
    answer = two_minute_answer().model_copy(update={"key_points": list(question.key_points)})
    answer = answer.model_copy(update={"words": answer.words[: -len(" ".join(SENTENCES[-2:]).split())]})
    started = time.perf_counter()
    decision = decide_follow_up(question, answer, embedder=embedder)
    cold_ms = (time.perf_counter() - started) * 1000.0
    timings = []
    for i in range(RUNS):
        started = time.perf_counter()
        decide_follow_up(question, answer, embedder=embedder, seed=str(i))
        timings.append((time.perf_counter() - started) * 1000.0)
    return [{"metric": "follow_up_decision_ms", **percentiles(timings), "target_p95": 300, "cold_ms": round(cold_ms, 1),
             "words": len(answer.words), "targets": decision.targets if decision else None, "embedder_threads": 2, "cpus": os.cpu_count()}]  # fmt: skip


def main() -> int:
    lines = run()
    for line in lines:
        print(json.dumps(line), flush=True)
    return 0 if lines else 1


if __name__ == "__main__":
    sys.exit(main())
