"""Scores an answer per the rubric: each dimension 0-100 from its signals, a confidence from evidence and agreement, quoted evidence."""

from __future__ import annotations

import math
import string

from rehearse.domain.analysis_model import (
    DIMENSIONS,
    AnswerFeatures,
    AnswerScore,
    AnswerText,
    DimensionScore,
    Relevance,
    Scores,
    confidence_level,
)
from rehearse.domain.documents import score_id
from rehearse.domain.model import Question
from rehearse.feedback.scoring.features import TextAnalysis, analyse_text, features_from
from rehearse.feedback.scoring.relevance import addressed
from rehearse.feedback.scoring.rubric import DimensionRule, EvidenceAmount, RelevanceRule, Rubric, load_rubric
from rehearse.feedback.scoring.signals import SIGNALS, Facts, Reading
from rehearse.ports import Embedder, ToneModel

_MAX_EVIDENCE_LINES = 8
_CEILING_NOTE_POINTS = 5  # a ceiling that costs fewer points is applied without a line of its own
_QUOTE_CHARS = 160


def score_answer(answer: AnswerText, features: AnswerFeatures, rubric: Rubric, *, analysis: TextAnalysis | None = None) -> Scores:
    """Deterministic: the same answer, features and rubric always give the same scores and evidence.

    `analysis` is the answer's text analysis when the caller already has it (it is recomputed otherwise: ~3 ms)."""
    if features.word_count == 0:
        # Nothing said is not fluent nor modest: every dimension scores 0, with no confidence to show for it.
        silent = DimensionScore(score=0, confidence=0.0, level="low", evidence=[rubric.no_answer])
        return Scores(**{d: silent for d in DIMENSIONS}, overall_weights=dict(rubric.overall))
    analysis = analysis or analyse_text(answer)
    amount = evidence_amount(features, rubric.evidence)
    dimensions = {d: _score_dimension(rubric.dimensions[d], features, analysis, amount, rubric.evidence) for d in DIMENSIONS}
    return _relevance_applied(Scores(**dimensions, overall_weights=dict(rubric.overall)), features.relevance, answer.question_text, rubric.relevance)


def _relevance_applied(scores: Scores, relevance: Relevance | None, question: str, rule: RelevanceRule) -> Scores:
    """An answer to another question: content capped, overall capped, and the evidence says so first.

    An answer whose relevance is unclear keeps a lower content ceiling and a lower confidence in its content score."""
    if relevance is None or relevance.state == "on_topic":
        return scores
    content = scores.content
    asked = _shortened({"q": question})["q"]
    if relevance.state == "off_topic" and not relevance.substance:
        lines = [f'Names topics without answering: no sentence says what was done. The question asked: "{asked}"']
        cap, confidence, overall_max = rule.off_topic_content_max, content.confidence, rule.off_topic_overall_max
    elif relevance.state == "off_topic":
        # Told it does not answer only when the judge is sure; just under the line it is a thin answer to this one.
        lines = [f'{"Does not answer" if relevance.clearly_elsewhere else "Hardly answers"} the question, which asked: "{asked}"']
        if relevance.closest_question:
            lines.append(f'Fits another question better: "{_shortened({"q": relevance.closest_question})["q"]}"')
        cap, confidence, overall_max = rule.off_topic_content_max, content.confidence, rule.off_topic_overall_max
    else:
        lines = [f'Not clearly an answer to the question, which asked: "{asked}"']
        # From the off-topic ceiling at the bottom of the unclear band to the unclear ceiling at its top.
        share = addressed(relevance)
        cap = round(rule.off_topic_content_max + (rule.unclear_content_max - rule.off_topic_content_max) * share)
        confidence, overall_max = round(content.confidence * 0.7, 2), None
    content = content.model_copy(
        update={
            "score": min(content.score, cap),
            "confidence": confidence,
            "level": confidence_level(confidence),
            "evidence": (lines + content.evidence)[:_MAX_EVIDENCE_LINES],
        }
    )
    return scores.model_copy(update={"content": content, "overall_max": overall_max})


def build_answer_score(
    session_id: str,
    question: Question,
    answer: AnswerText,
    embedder: Embedder | None,
    tone: ToneModel | None,
    rubric: Rubric | None = None,
) -> AnswerScore:
    """Features, rubric and scores for one answer, as the score_answer function stores it (id is deterministic)."""
    rubric = rubric or load_rubric(answer.role)
    answer = _with_question(answer, question)
    analysis = analyse_text(answer)
    features = features_from(answer, analysis, embedder, tone)
    scores = score_answer(answer, features, rubric, analysis=analysis)
    return AnswerScore(
        id=score_id(session_id, question.id),
        session_id=session_id,
        question_id=question.id,
        question_index=question.index,
        rubric=rubric.ref(),
        features=features,
        scores=scores,
        overall=scores.overall(),
    )


def evidence_amount(features: AnswerFeatures, evidence: EvidenceAmount) -> float:
    """0-1: the geometric mean of words and seconds against full evidence, so a short answer can never reach 1.

    A ten-word answer stays under 0.26 however long it took: 'high' (0.7) needs about 75+ words and 30+ seconds."""
    words = min(features.word_count / evidence.full_words, 1.0)
    seconds = min(features.duration_s / evidence.full_seconds, 1.0)
    return math.sqrt(words * seconds)


def _score_dimension(
    rule: DimensionRule, features: AnswerFeatures, analysis: TextAnalysis, amount: float, evidence: EvidenceAmount
) -> DimensionScore:
    weighted: list[tuple[float, float]] = []  # (weight, 0-100) of the signals this answer shows
    lines: list[str] = []
    ceilings: list[tuple[float, str]] = []  # (most the dimension may score, the line that says why)
    total_weight = sum(r.weight for r in rule.signals.values())
    for name, signal_rule in rule.signals.items():
        reading = SIGNALS[name].read(features, analysis, signal_rule)
        if reading.raw is not None and signal_rule.weight > 0:
            weighted.append((signal_rule.weight, signal_rule.normalise(reading.raw)))
        if reading.raw is not None:
            lines += _evidence_lines(signal_rule.evidence, reading)
            if (cap := signal_rule.cap(reading.raw)) is not None:
                ceilings.append((cap, signal_rule.ceiling_evidence.format_map({**_shortened(reading.facts), "ceiling": int(round(cap))})))
    if not weighted:
        return DimensionScore(score=50, confidence=0.0, level="low", evidence=lines[:_MAX_EVIDENCE_LINES])
    known_weight = sum(w for w, _ in weighted)
    score = sum(w * s for w, s in weighted) / known_weight
    if ceilings and (lowest := min(ceilings))[0] < score:
        # A limit that really holds the score down is the first thing the candidate should read about this dimension.
        if lowest[1] and score - lowest[0] >= _CEILING_NOTE_POINTS:
            lines.insert(0, lowest[1])
        score = lowest[0]
    confidence = amount * _availability(known_weight / total_weight, evidence) * _agreement(weighted, score, evidence)
    confidence = round(min(max(confidence, 0.0), 1.0), 2)
    return DimensionScore(
        score=int(round(score)), confidence=confidence, level=confidence_level(confidence), evidence=lines[:_MAX_EVIDENCE_LINES]
    )


def _availability(known_share: float, evidence: EvidenceAmount) -> float:
    """Signals we could not measure (no timings, no embedder) leave the score resting on fewer legs."""
    floor = evidence.missing_signal_floor
    return floor + (1.0 - floor) * known_share


def _agreement(weighted: list[tuple[float, float]], score: float, evidence: EvidenceAmount) -> float:
    """1 when the signals agree; lower as they spread apart (fast but fluent, specific but off-point)."""
    total = sum(w for w, _ in weighted)
    spread = math.sqrt(sum(w * (s - score) ** 2 for w, s in weighted) / total)
    return 1.0 - evidence.disagreement_penalty * min(spread / 50.0, 1.0)


def _evidence_lines(templates: tuple[str, ...], reading: Reading) -> list[str]:
    """Each template filled from the facts; a line whose facts are empty (no quote, nothing missed) is left out."""
    lines = []
    for template in templates:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        if any(_is_empty(reading.facts.get(f)) for f in fields):
            continue
        notes = dict.fromkeys(reading.notes[f] for f in fields if f in reading.notes)  # once each, in order
        lines.append(template.format_map(_shortened(reading.facts)) + "".join(notes))
    return lines


def _is_empty(value: object) -> bool:
    return value is None or value == ""


def _shortened(facts: Facts) -> Facts:
    return {k: (v[: _QUOTE_CHARS - 3] + "..." if isinstance(v, str) and len(v) > _QUOTE_CHARS else v) for k, v in facts.items()}


def _with_question(answer: AnswerText, question: Question) -> AnswerText:
    """The question's text and key points fill in what the answer does not already say."""
    updates: dict[str, object] = {}
    if not answer.question_text:
        updates["question_text"] = question.text
    if not answer.key_points and question.key_points:
        updates["key_points"] = list(question.key_points)
    return answer.model_copy(update=updates) if updates else answer
