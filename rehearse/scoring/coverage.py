"""Key-point coverage: how close the answer's best sentence comes to each key point, by sentence embeddings."""

from __future__ import annotations

import numpy as np

from rehearse.analysis_model import KeyPointCoverage
from rehearse.ports import Embedder

# Calibrated on all-MiniLM-L6-v2 with `python -m eval.calibrate_coverage` (docs/rubrics.md, "Key-point coverage").
# The bank's key points are descriptors ("names a measurable result such as latency or cost"), which sit further
# from spoken sentences than paraphrases do: sentences that make the point average 0.34, on-topic ones that miss
# it 0.11. At 0.35 half of the making sentences pass and 4% of the missing ones; over a whole answer (best of ~10
# sentences) it separated strong from vague answers best. 0.45-0.55 would only suit paraphrase-like key points.
COVERED_AT = 0.35
_MIN_SENTENCE_WORDS = 3  # "Yes." or "So." matches nothing in particular; skip it as a candidate


def key_point_coverage(sentences: list[str], key_points: list[str], embedder: Embedder | None) -> list[KeyPointCoverage]:
    """One entry per key point; empty without an embedder, key points or sentences.

    Sentences and key points go to the embedder in ONE call: per-call overhead dominates small batches."""
    candidates, points = coverage_candidates(sentences), clean_points(key_points)
    if embedder is None or not points or not candidates:
        return []
    return coverage_from_vectors(candidates, points, np.asarray(embedder.embed([*candidates, *points]), dtype=np.float32))


def coverage_candidates(sentences: list[str]) -> list[str]:
    return [s for s in sentences if len(s.split()) >= _MIN_SENTENCE_WORDS] or sentences


def clean_points(key_points: list[str]) -> list[str]:
    return [p.strip() for p in key_points if p.strip()]


def coverage_from_vectors(candidates: list[str], points: list[str], vectors: np.ndarray) -> list[KeyPointCoverage]:
    """`vectors`: the candidates' embeddings followed by the points', rows L2-normalised."""
    if not points or not candidates:
        return []
    sentence_vectors, point_vectors = vectors[: len(candidates)], vectors[len(candidates) : len(candidates) + len(points)]
    similarity = point_vectors @ sentence_vectors.T  # rows are L2-normalised: the dot product is the cosine
    coverage = []
    for point, row in zip(points, similarity, strict=True):
        best = int(np.argmax(row))
        value = round(float(row[best]), 3)
        coverage.append(
            KeyPointCoverage(point=point, similarity=value, covered=value >= COVERED_AT, best_sentence=candidates[best])
        )
    return coverage


def covered_share(coverage: list[KeyPointCoverage]) -> float | None:
    if not coverage:
        return None
    return round(sum(c.covered for c in coverage) / len(coverage), 3)
