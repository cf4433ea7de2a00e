"""Key-point coverage: for each key point, the probability that some sentence of the answer makes it.

Descriptor-style key points ("names a measurable result such as latency or cost") sit far from spoken sentences in
embedding space, so cosine similarity alone is near noise. The decision combines, per (point, sentence):
- similarity to the point's spoken example phrasings (the bank's, or its facets' anchors for a custom question),
- similarity to the descriptor itself,
- the facet's spoken cues ("it turned out", "went from four seconds to..."),
- the share of the point's content words the sentence uses,
- contrast: how much better the sentence fits this point than the question's other points,
in a logistic model trained on hand-labelled sentences (eval/key_points.yaml, `python -m eval.train_coverage`),
stored as data in rehearse/data/models/coverage.json. A sentence without substance (a list of labels, a bare
signpost) makes no point at all, whatever its words."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from rehearse import DATA_DIR
from rehearse.domain.analysis_model import KeyPointCoverage
from rehearse.feedback.scoring.facets import anchors_of, facets_of
from rehearse.feedback.scoring.substance import content_stems, has_substance, stem
from rehearse.feedback.scoring.vagueness import find_vague_phrases

MODEL_FILE = DATA_DIR / "models" / "coverage.json"
FEATURES = ("sim_examples", "sim_point", "cues", "lexical", "contrast", "bank_examples", "vague")
_MIN_SENTENCE_WORDS = 3  # "Yes." or "So." matches nothing in particular; skip it as a candidate


@dataclass(frozen=True)
class CoverageModel:
    """Logistic weights over FEATURES, and where its probability means covered, unclear or missed."""

    bias: float
    weights: tuple[float, ...]
    covered_at: float  # probability at or above which the point counts as made
    missed_below: float  # below this the report says "Missed"; in between it says "not clearly made"
    version: str

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    @classmethod
    def from_dict(cls, data: dict) -> CoverageModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"coverage model features {data['features']} differ from the code's {list(FEATURES)}")
        return cls(
            bias=float(data["bias"]),
            weights=tuple(float(w) for w in data["weights"]),
            covered_at=float(data["covered_at"]),
            missed_below=float(data["missed_below"]),
            version=str(data["version"]),
        )


@cache
def default_model() -> CoverageModel:
    return CoverageModel.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class PointSpec:
    """A key point with the spoken phrasings that make it: the question's own examples, else its facets' anchors."""

    text: str
    examples: tuple[str, ...]
    bank_examples: bool  # the examples were written for this very point, not borrowed from its facets

    @classmethod
    def of(cls, point: str, examples: Sequence[str] = ()) -> PointSpec:
        point = point.strip()
        if examples:
            return cls(point, tuple(examples), True)
        return cls(point, anchors_of(point), False)


def point_specs(key_points: Sequence[str], examples: dict[str, list[str]] | None = None) -> list[PointSpec]:
    examples = examples or {}
    return [PointSpec.of(p, examples.get(p.strip(), ())) for p in key_points if p.strip()]


def coverage_candidates(sentences: list[str]) -> list[str]:
    return [s for s in sentences if len(s.split()) >= _MIN_SENTENCE_WORDS] or sentences


def clean_points(key_points: list[str]) -> list[str]:
    return [p.strip() for p in key_points if p.strip()]


def static_texts(specs: Sequence[PointSpec]) -> list[str]:
    """The texts whose embeddings depend only on the question: each point, then its examples."""
    return [t for spec in specs for t in (spec.text, *spec.examples)]


class PointSet:
    """Key points grouped by question, prepared once so that their features against any sentences are a few matrix
    operations: the answer's own question (one group), or the whole bank (one group per question) for relevance."""

    def __init__(self, groups: Sequence[Sequence[PointSpec]]) -> None:
        self.groups = [list(g) for g in groups]
        self.specs = [spec for group in self.groups for spec in group]
        self.texts = static_texts(self.specs)
        self.group_of = np.array([g for g, group in enumerate(self.groups) for _ in group], dtype=np.int64)
        point_rows, example_rows, example_starts, has_examples = [], [], [], []
        row = 0
        for spec in self.specs:
            point_rows.append(row)
            example_starts.append(len(example_rows))
            example_rows += range(row + 1, row + 1 + len(spec.examples))
            has_examples.append(bool(spec.examples))
            row += 1 + len(spec.examples)
        self._point_rows = np.array(point_rows, dtype=np.int64)
        self._example_rows = np.array(example_rows, dtype=np.int64)
        self._example_starts = np.array(example_starts, dtype=np.int64)
        self._has_examples = np.array(has_examples, dtype=bool)
        facets = list({f.name: f for spec in self.specs for f in facets_of(spec.text)}.values())
        self._facets = facets
        membership = np.zeros((len(self.specs), len(facets)))
        for p, spec in enumerate(self.specs):
            names = [f.name for f in facets_of(spec.text)]
            for j, facet in enumerate(facets):
                if facet.name in names:
                    membership[p, j] = 1.0 / len(names)
        self._facet_share = membership
        point_stems = [content_stems(spec.text) for spec in self.specs]
        vocabulary = sorted(set().union(*point_stems)) if point_stems else []
        self._vocabulary = {word: i for i, word in enumerate(vocabulary)}
        incidence = np.zeros((len(self.specs), len(vocabulary)))
        for p, stems in enumerate(point_stems):
            for word in stems:
                incidence[p, self._vocabulary[word]] = 1.0 / len(stems)
        self._stem_share = incidence
        self._bank = np.array([1.0 if spec.bank_examples else 0.0 for spec in self.specs])

    def features(self, norms: Sequence[str], sentence_vectors: np.ndarray, static_vectors: np.ndarray) -> np.ndarray:
        """Shape (points, sentences, len(FEATURES)). `static_vectors` are the embeddings of `self.texts`."""
        n = len(norms)
        out = np.zeros((len(self.specs), n, len(FEATURES)), dtype=np.float64)
        if n == 0 or not self.specs:
            return out
        sims = static_vectors @ sentence_vectors.T
        sim_point = sims[self._point_rows]
        sim_examples = sim_point.copy()
        if len(self._example_rows):
            starts = self._example_starts[self._has_examples]
            best = np.maximum.reduceat(sims[self._example_rows], starts, axis=0)
            sim_examples[self._has_examples] = best
        out[:, :, 0] = sim_examples
        out[:, :, 1] = sim_point
        if self._facets:
            hits = np.array([[bool(f.cues.search(norm)) for norm in norms] for f in self._facets], dtype=np.float64)
            out[:, :, 2] = self._facet_share @ hits
        if self._vocabulary:
            present = np.zeros((len(self._vocabulary), n))
            for s, norm in enumerate(norms):
                for word in {stem(w) for w in norm.split()}:
                    if (i := self._vocabulary.get(word)) is not None:
                        present[i, s] = 1.0
            out[:, :, 3] = self._stem_share @ present
        out[:, :, 4] = self._contrast(sim_examples)
        out[:, :, 5] = self._bank[:, None]
        # Vague wording ("really important", "a lot of things") gestures at a point without making it; it counts in
        # proportion to the sentence's fit to the point. How concrete a sentence is says nothing about WHICH point it
        # makes (a number about something else is still about something else): concreteness is scored as content's
        # own signal, not here.
        out[:, :, 6] = vague_sentences(norms)[None, :] * np.clip(sim_examples, 0.0, None)
        return out

    def _contrast(self, sim_examples: np.ndarray) -> np.ndarray:
        """How much better each sentence fits each point than the best OTHER point of the same question."""
        contrast = np.zeros_like(sim_examples)
        for g in range(len(self.groups)):
            rows = np.flatnonzero(self.group_of == g)
            if len(rows) < 2:
                continue
            block = sim_examples[rows]
            order = np.sort(block, axis=0)
            best, second = order[-1], order[-2]
            others_best = np.where(block >= best[None, :], second[None, :], best[None, :])
            contrast[rows] = block - others_best
        return contrast


def vague_sentences(norms: Sequence[str]) -> np.ndarray:
    """1 for each sentence that gestures vaguely ("really important", "a lot of things") instead of telling."""
    return np.array([float(bool(find_vague_phrases([n])) or any(w in _EVALUATIVE for w in n.split())) for n in norms])


# Words that judge instead of telling: a sentence built on them rarely makes a point an interviewer can check.
_EVALUATIVE = frozenset({"important", "huge", "great", "amazing", "awesome", "valuable", "crucial", "critical",
                         "successful", "success", "win", "properly", "really", "definitely", "always", "everyone"})  # fmt: skip


def pair_features(
    specs: list[PointSpec], candidates: list[str], norms: list[str], sentence_vectors: np.ndarray, static_vectors: np.ndarray
) -> np.ndarray:
    """Shape (points, sentences, len(FEATURES)) for the points of one question."""
    return PointSet([specs]).features(norms, sentence_vectors, static_vectors)


def probabilities(features: np.ndarray, substantial: Sequence[bool], model: CoverageModel) -> np.ndarray:
    """(points, sentences) probabilities; 0 for a sentence without substance."""
    z = model.bias + features @ np.asarray(model.weights)
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
    return p * np.asarray(substantial, dtype=np.float64)[None, :]


def key_point_coverage(
    specs: list[PointSpec],
    candidates: list[str],
    norms: list[str],
    sentence_vectors: np.ndarray,
    static_vectors: np.ndarray,
    borrowed: set[str],
    model: CoverageModel | None = None,
    turns: Sequence[int] = (),
) -> list[KeyPointCoverage]:
    """One entry per key point: the best sentence for it and the probability that it makes the point.

    `norms` are the candidates in lower case without punctuation; `borrowed` the stems a sentence must go beyond to
    have substance (the key points' own words and the rubric's vocabulary). `turns`, when follow-ups were asked: per
    candidate, the follow-up it was said after (0: before any); a point that no sentence said before the follow-ups
    makes, but one said after follow-up n does, is marked `after_follow_up=n`."""
    if not specs or not candidates:
        return []
    model = model or default_model()
    features = pair_features(specs, candidates, norms, sentence_vectors, static_vectors)
    substantial = [has_substance(norm, borrowed) for norm in norms]
    chances = probabilities(features, substantial, model)
    unprompted = np.array([t == 0 for t in turns], dtype=bool) if len(turns) == len(candidates) else None
    coverage = []
    for p, spec in enumerate(specs):
        best = int(np.argmax(chances[p]))
        probability = round(float(chances[p, best]), 3)
        if probability == 0.0:  # nothing said with substance: show the closest sentence all the same, for context
            best = int(np.argmax(features[p, :, 0]))
        after = 0
        if unprompted is not None and probability >= model.covered_at and turns[best] > 0:
            before = float(chances[p][unprompted].max()) if unprompted.any() else 0.0
            after = int(turns[best]) if round(before, 3) < model.covered_at else 0
        coverage.append(
            KeyPointCoverage(
                point=spec.text,
                similarity=round(float(features[p, best, 0]), 3),
                covered=probability >= model.covered_at,
                best_sentence=candidates[best],
                probability=probability,
                state=_state(probability, model),
                after_follow_up=after,
            )
        )
    return coverage


def gated(coverage: list[KeyPointCoverage], relevance: float, model: CoverageModel | None = None) -> list[KeyPointCoverage]:
    """Coverage of THIS question's points: each probability times how far the answer addresses the question at all
    (relevance.addressed). A story about something else can sound like a point made (a concrete sentence near one
    point rather than the others) without making it for this question."""
    if relevance >= 0.999:
        return coverage
    model = model or default_model()
    out = []
    for kp in coverage:
        probability = round(kp.probability * relevance, 3)
        state = _state(probability, model)
        out.append(kp.model_copy(update={"probability": probability, "state": state, "covered": state == "covered"}))
    return out


def group_coverage(
    points: PointSet, norms: Sequence[str], sentence_vectors: np.ndarray, static_vectors: np.ndarray,
    substantial: Sequence[bool], model: CoverageModel | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per group (question): the expected share of its points these sentences make (mean of best probabilities),
    and how closely they fit its points (mean of the best similarity to each point's examples), both from
    sentences with substance only."""
    if not points.specs or not norms:
        return np.zeros(len(points.groups)), np.zeros(len(points.groups))
    features = points.features(norms, sentence_vectors, static_vectors)
    best = probabilities(features, substantial, model or default_model()).max(axis=1)
    fit = (features[:, :, 0] * np.asarray(substantial, dtype=np.float64)[None, :]).max(axis=1)
    counts = np.maximum(np.bincount(points.group_of, minlength=len(points.groups)), 1)
    means = [np.bincount(points.group_of, weights=v, minlength=len(points.groups)) / counts for v in (best, fit)]
    return means[0], means[1]


def _state(probability: float, model: CoverageModel) -> str:
    if probability >= model.covered_at:
        return "covered"
    return "missed" if probability < model.missed_below else "unclear"


# A point made only after the interviewer's follow-up prompted it counts a little less than one volunteered: a real
# interviewer ticks it, but weighs it slightly lower (docs/rubrics.md, "Follow-ups").
PROMPTED_WEIGHT = 0.9


def covered_share(coverage: list[KeyPointCoverage]) -> float | None:
    """The expected share of key points made: the mean probability, so an unclear point counts in part; a point made
    only after a follow-up counts PROMPTED_WEIGHT of its probability."""
    if not coverage:
        return None
    return round(sum(c.probability * (PROMPTED_WEIGHT if c.after_follow_up else 1.0) for c in coverage) / len(coverage), 3)
