"""Relevance: does the answer address the question it was asked, or another one?

A polished story can make every delivery signal shine while answering a different question. The same instrument
that measures key-point coverage tells it: the answer is scored against its own question's key points and against
every other question of the bank, and an answer that makes another question's points clearly better than its own,
or makes almost none of its own, is off topic. Echoing the question's words is no evidence: a vague answer that
repeats "challenging project" fits the question's text better than a specific story does, so the text itself is not
compared. The rule and its constants are documented in docs/rubrics.md ("Relevance") and were set on
eval/answers.yaml, never on the held-out answers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

import numpy as np

from rehearse.analysis_model import AnswerText, Relevance
from rehearse.question_bank import default_bank
from rehearse.scoring.coverage import FEATURES, CoverageModel, PointSet, default_model, group_coverage, point_specs
from rehearse.scoring.embedding_cache import EmbeddingCache

# The rule, in log-odds: the margin by which the answer fits its own question better than the closest other one,
# and a floor on its own coverage (an answer that makes none of its points is about something else, or nothing).
MARGIN_AT_EVEN = -0.085  # solid on-topic answers reach -0.08 on a neighbouring question; answers to another question -0.11
MARGIN_SLOPE = 60.0
OWN_FLOOR = 0.2  # below this share of its own points made, nothing in the answer is about the question
OWN_SLOPE = 30.0
SAME_QUESTION_AT = 0.6  # cosine between a custom question's text and a bank question's above which they ask the same
ON_TOPIC_AT = 0.5
OFF_TOPIC_BELOW = 0.35
NO_SUBSTANCE_PROBABILITY = 0.05  # key words or signposts read out: it addresses nothing


_TRAITS = ("concrete", "vague", "acts")  # the same for every question: they say how well, not what about


@cache
def topic_model() -> CoverageModel:
    """The coverage model without the sentence traits that do not depend on the question: relevance compares
    questions, and a concrete sentence is equally concrete for all of them."""
    model = default_model()
    weights = tuple(0.0 if name in _TRAITS else w for name, w in zip(FEATURES, model.weights, strict=True))
    return replace(model, weights=weights)


@cache
def bank_points() -> tuple[tuple[str, ...], tuple[str, ...], PointSet]:
    """The bank's questions (ids and texts) and their key points, one group per question."""
    questions = [q for role in default_bank().roles() for q in role.questions if q.key_points]
    points = PointSet([point_specs(q.key_points, q.examples) for q in questions])
    return tuple(q.id for q in questions), tuple(q.text for q in questions), points


def measure(
    answer: AnswerText,
    norms: Sequence[str],
    sentence_vectors: np.ndarray,
    substantial: Sequence[bool],
    own_points: PointSet | None,
    own_static: np.ndarray | None,
    cache: EmbeddingCache,
) -> Relevance:
    """`norms`, `sentence_vectors` and `substantial`: the answer's candidate sentences, as coverage saw them;
    `own_points` the question's key points (None without key points) with `own_static` their embeddings."""
    if own_points is None or not own_points.specs:
        return judge(None, 0.0, 0.0, 0.0, None)
    if not any(substantial):
        return Relevance(
            probability=NO_SUBSTANCE_PROBABILITY, state="off_topic", substance=False,
            reason="no sentence says what was done or would be done: topics named, not told",
        )  # fmt: skip
    topic = topic_model()
    own_share, own_fit = (float(v[0]) for v in group_coverage(own_points, norms, sentence_vectors, own_static, substantial, topic))
    ids, texts, points = bank_points()
    shares, fits = group_coverage(points, norms, sentence_vectors, cache.embed_static(points.texts), substantial, topic)
    others = [i for i, (qid, text) in enumerate(zip(ids, texts, strict=True)) if qid != answer.question_id and text != answer.question_text]
    if not others:
        return judge(own_share, own_fit, 0.0, 0.0, None)
    if any(spec.bank_examples for spec in own_points.specs):
        best = max(others, key=lambda i: shares[i] + fits[i])
        return judge(own_share, own_fit, float(shares[best]), float(fits[best]), texts[best])
    # A custom question's points borrow generic phrasings from their facets ("it turned out", "as a result"), which
    # any story makes: its share is no evidence of topic. The question's own words stand in for it: how much closer
    # the answer as a whole sits to this question's text than to the closest other question's.
    vectors = cache.embed_static([answer.question_text, *texts])
    # A bank question that asks the same thing in other words is this question, not a rival to it.
    others = [i for i in others if float(vectors[0] @ vectors[1 + i]) < SAME_QUESTION_AT] or others
    gist = sentence_vectors.mean(axis=0)
    gist = gist / max(float(np.linalg.norm(gist)), 1e-9)
    text_fit = vectors @ gist
    best = max(others, key=lambda i: fits[i] + text_fit[1 + i])
    return judge(own_share, own_fit, own_share - (text_fit[0] - text_fit[1 + best]), float(fits[best]), texts[best])


def judge(own: float | None, own_fit: float, other: float, other_fit: float, other_text: str | None) -> Relevance:
    """The documented rule. A question without key points cannot be judged: it counts as on topic.

    The margin is the mean of two differences, own minus the closest other question's: the share of key points
    made, and the fit of the sentences to the points' spoken examples."""
    if own is None:
        return Relevance(probability=1.0, state="on_topic", reason="the question has no key points to judge by")
    margin = ((own - other) + (own_fit - other_fit)) / 2
    z = MARGIN_SLOPE * (margin - MARGIN_AT_EVEN) + OWN_SLOPE * min(0.0, own - OWN_FLOOR)
    probability = round(1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))), 3)
    state = "on_topic" if probability >= ON_TOPIC_AT else "off_topic" if probability < OFF_TOPIC_BELOW else "unclear"
    closer = other_text if other_text is not None and margin < 0 else None
    reason = (
        f"makes {own:.2f} of its own key points, {other:.2f} of the closest other question's; "
        f"fits its own points {own_fit:.2f}, the other's {other_fit:.2f} (margin {margin:+.2f})"
    )
    return Relevance(probability=probability, state=state, closest_question=closer, reason=reason)
