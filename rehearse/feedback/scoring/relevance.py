"""Relevance: does the answer address the question it was asked, or another one, or none?

A polished story can make every delivery signal shine while answering a different question. Five measurements say
whether it addresses this one, each comparing the question asked with the closest OTHER question of the bank (a bank
question that asks the same thing in other words, text cosine >= SAME_QUESTION_AT, is not a rival):
- the share of key points the answer makes (the coverage model without the sentence traits, which are the same for
  every question), own minus the rival's, and its own share alone;
- the fit of its sentences to the points' spoken examples, own minus the rival's;
- the text margin: how much closer the answer as a whole (the mean of its sentence embeddings) sits to the question's
  text than to any other question's;
- the share margin again for a custom question, whose points borrow generic phrasings from their facets and so
  weigh less.
A logistic model over them, fitted on eval/answers.yaml (each answer against its own question, and against the
other questions of that file, to which it is an answer to another question) by `python -m eval.train_relevance`,
is stored as data in rehearse/data/models/relevance.json. The held-out answers never touch it."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from rehearse import DATA_DIR
from rehearse.domain.analysis_model import AnswerText, Relevance
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.scoring.coverage import FEATURES as COVERAGE_FEATURES
from rehearse.feedback.scoring.coverage import CoverageModel, PointSet, default_model, group_coverage, point_specs
from rehearse.feedback.scoring.embedding_cache import EmbeddingCache

MODEL_FILE = DATA_DIR / "models" / "relevance.json"
FEATURES = ("share_margin", "fit_margin", "own_share", "text_margin", "custom_share_margin")
SAME_QUESTION_AT = 0.6  # cosine between two questions' texts above which they ask the same thing
NO_SUBSTANCE_PROBABILITY = 0.05  # key words or signposts read out: it addresses nothing
_TRAITS = ("vague",)  # the same for every question: it says how well, not what about


@dataclass(frozen=True)
class RelevanceModel:
    bias: float
    weights: tuple[float, ...]
    on_topic_at: float  # probability at or above which the answer addresses the question
    off_topic_below: float  # below this it answers another question (or none); in between it is unclear
    version: str

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    @classmethod
    def from_dict(cls, data: dict) -> RelevanceModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"relevance model features {data['features']} differ from the code's {list(FEATURES)}")
        return cls(
            bias=float(data["bias"]), weights=tuple(float(w) for w in data["weights"]),
            on_topic_at=float(data["on_topic_at"]), off_topic_below=float(data["off_topic_below"]),
            version=str(data["version"]),
        )  # fmt: skip


@cache
def relevance_model() -> RelevanceModel:
    return RelevanceModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Measured:
    """The rule's inputs for one answer to one question, and the closest other question."""

    own_share: float
    own_fit: float
    other_share: float
    other_fit: float
    text_margin: float
    custom: bool
    other_text: str | None

    def vector(self) -> tuple[float, ...]:
        share_margin = self.own_share - self.other_share
        return (share_margin, self.own_fit - self.other_fit, self.own_share, self.text_margin, share_margin * self.custom)


@cache
def topic_model() -> CoverageModel:
    """The coverage model without the sentence traits that do not depend on the question: relevance compares
    questions, and a concrete sentence is equally concrete for all of them."""
    model = default_model()
    weights = tuple(0.0 if name in _TRAITS else w for name, w in zip(COVERAGE_FEATURES, model.weights, strict=True))
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
        return Relevance(probability=1.0, state="on_topic", reason="the question has no key points to judge by")
    if not any(substantial):
        return Relevance(
            probability=NO_SUBSTANCE_PROBABILITY, state="off_topic", substance=False,
            reason="no sentence says what was done or would be done: topics named, not told",
        )  # fmt: skip
    measured = measured_inputs(answer, norms, sentence_vectors, substantial, own_points, own_static, cache)
    return judge(measured) if measured is not None else Relevance(probability=1.0, state="on_topic", reason="no other question to compare with")


def measured_inputs(
    answer: AnswerText,
    norms: Sequence[str],
    sentence_vectors: np.ndarray,
    substantial: Sequence[bool],
    own_points: PointSet,
    own_static: np.ndarray,
    cache: EmbeddingCache,
) -> Measured | None:
    topic = topic_model()
    own_share, own_fit = (float(v[0]) for v in group_coverage(own_points, norms, sentence_vectors, own_static, substantial, topic))
    ids, texts, points = bank_points()
    shares, fits = group_coverage(points, norms, sentence_vectors, cache.embed_static(points.texts), substantial, topic)
    vectors = cache.embed_static([answer.question_text, *texts])
    others = [
        i for i, (qid, text) in enumerate(zip(ids, texts, strict=True))
        if qid != answer.question_id and text != answer.question_text and float(vectors[0] @ vectors[1 + i]) < SAME_QUESTION_AT
    ]  # fmt: skip
    if not others:
        return None
    kept = sentence_vectors[np.asarray(substantial, dtype=bool)] if any(substantial) else sentence_vectors
    gist = kept.mean(axis=0)
    gist = gist / max(float(np.linalg.norm(gist)), 1e-9)
    text_fit = vectors @ gist
    best = max(others, key=lambda i: shares[i] + fits[i])
    custom = not any(spec.bank_examples for spec in own_points.specs)
    return Measured(
        own_share=own_share, own_fit=own_fit, other_share=float(shares[best]), other_fit=float(fits[best]),
        text_margin=float(text_fit[0] - max(text_fit[1 + i] for i in others)), custom=custom, other_text=texts[best],
    )  # fmt: skip


def judge(measured: Measured, model: RelevanceModel | None = None) -> Relevance:
    """The documented rule (docs/rubrics.md, "Relevance")."""
    model = model or relevance_model()
    probability = round(model.probability(measured.vector()), 3)
    state = "on_topic" if probability >= model.on_topic_at else "off_topic" if probability < model.off_topic_below else "unclear"
    # Name the question it fits better only when it clearly makes that question's points: a guess shown to the
    # candidate as a fact is worse than none.
    closer = measured.other_text if state != "on_topic" and rival_named(measured) else None
    reason = (
        f"makes {measured.own_share:.2f} of its own key points, {measured.other_share:.2f} of the closest other question's; "
        f"fits its own points {measured.own_fit:.2f}, the other's {measured.other_fit:.2f}; "
        f"text margin {measured.text_margin:+.2f}"
    )
    return Relevance(probability=probability, state=state, closest_question=closer, reason=reason)


RIVAL_LEAD = 0.15  # how much more of the rival's points the answer must make before the rival is named


def rival_named(measured: Measured) -> bool:
    """The answer clearly makes more of the closest other question's points (by RIVAL_LEAD): that one may be named."""
    return measured.other_share > measured.own_share + RIVAL_LEAD


def addressed(relevance: Relevance | None, model: RelevanceModel | None = None) -> float:
    """0-1, how far the answer counts as an answer to this question: 1 on topic, 0 off topic, linear in between
    (over the unclear band of probabilities). Coverage and the content ceiling scale with it."""
    if relevance is None:
        return 1.0
    model = model or relevance_model()
    if relevance.state == "on_topic" or relevance.probability >= model.on_topic_at:
        return 1.0
    if relevance.state == "off_topic" or relevance.probability < model.off_topic_below:
        return 0.0
    return round((relevance.probability - model.off_topic_below) / (model.on_topic_at - model.off_topic_below), 3)
