"""An LLM's judgement of relevance and key-point coverage: validated against the transcript, combined with the
measured features by a fixed rule, and turned into the answer's scores.

The rule (docs/rubrics.md, "With an LLM"):
- A key point the model calls covered must come with a quote of the candidate's own words; a quote that is not in the
  transcript is discarded, and with it the model's judgement of that point (the features alone decide it).
- Per key point: probability = 0.6 x model + 0.4 x features, where the model's "covered" counts 0.95 and "not
  covered" 0.05. Relevance likewise, with "yes" 0.95, "partly" 0.55, "no" 0.05.
- They disagree where one says covered (or on topic) and the other says missed (or off topic); each disagreement is
  named in the evidence, and the content score's confidence drops by half the share of judged items in dispute.
The combined features go through the same rubric as the features alone, so a judged answer is scored the same way."""

from __future__ import annotations

import re

from rehearse.domain.analysis_model import (
    AnswerFeatures,
    AnswerScore,
    AnswerText,
    JudgedPoint,
    Judgement,
    KeyPointCoverage,
    Relevance,
    confidence_level,
)
from rehearse.domain.fillers import HESITATIONS
from rehearse.feedback.evaluation.prompts import answer_turns
from rehearse.feedback.evaluation.wording import transcript_of
from rehearse.feedback.scoring import relevance as relevance_rule
from rehearse.feedback.scoring.coverage import covered_share, default_model
from rehearse.feedback.scoring.rubric import Rubric, load_rubric
from rehearse.feedback.scoring.score import score_answer

MODEL_WEIGHT = 0.6
_POINT_VALUE = {True: 0.95, False: 0.05}
_RELEVANCE_VALUE = {"yes": 0.95, "partly": 0.55, "no": 0.05}
DISAGREEMENT_CONFIDENCE_LOSS = 0.5
_MIN_QUOTE_WORDS = 3


def _plain_words(text: str) -> list[str]:
    words = (re.sub(r"[^a-z0-9%$']", "", w.lower().replace("\u2019", "'")) for w in text.split())
    return [w for w in words if w and w not in HESITATIONS]


def said(quote: str, transcript: str) -> bool:
    """True when the quote is the candidate's words: a run of at least three words of the transcript, ignoring case,
    punctuation and hesitations."""
    wanted = _plain_words(quote)
    if len(wanted) < _MIN_QUOTE_WORDS:
        return False
    return f" {' '.join(wanted)} " in f" {' '.join(_plain_words(transcript))} "


def validated(raw_points: list[tuple[str, bool, str]], answers_question: str, reason: str, answer: AnswerText) -> Judgement:
    """The model's judgement as far as it holds: known key points only, each covered one with a quote it really said."""
    transcript = transcript_of(answer)
    by_name = {_key(p): p for p in answer.key_points}
    points: list[JudgedPoint] = []
    discarded: list[str] = []
    seen: set[str] = set()
    for name, covered, quote in raw_points:
        point = by_name.get(_key(name))
        if point is None:
            discarded.append(f"not a key point of this question: {name[:80]!r}")
            continue
        if point in seen:
            continue
        seen.add(point)
        if covered and not said(quote, transcript):
            discarded.append(f"quote not in the transcript for {point!r}: {quote[:80]!r}")
            continue
        points.append(JudgedPoint(point=point, covered=covered, quote=quote if covered else ""))
    return Judgement(answers_question=answers_question, reason=reason[:300], key_points=points, discarded=discarded)


def _key(point: str) -> str:
    return " ".join(_plain_words(point))


def _after_follow_up(kp: KeyPointCoverage, verdict: JudgedPoint, answer: AnswerText | None) -> int:
    """Whether the point, judged with the model's quote, was made only after a follow-up: the quote's turn, unless the
    features found it made before any follow-up."""
    if answer is None or not answer.follow_ups or not (verdict.covered and verdict.quote):
        return kp.after_follow_up
    if kp.state == "covered" and not kp.after_follow_up:
        return 0
    turns = answer_turns(answer)
    if said(verdict.quote, turns[0][1]):
        return 0
    return next((turn.n for turn, text in turns[1:] if turn is not None and said(verdict.quote, text)), kp.after_follow_up)


def combined_features(features: AnswerFeatures, judgement: Judgement, answer: AnswerText | None = None) -> AnswerFeatures:
    """The features with key points and relevance as the documented rule combines the model's and the features'.
    With the answer, a point whose quote was said only after a follow-up is marked so (it counts a little less)."""
    model = default_model()
    judged = {p.point: p for p in judgement.key_points}
    points: list[KeyPointCoverage] = []
    for kp in features.key_points:
        verdict = judged.get(kp.point)
        if verdict is None:
            points.append(kp)
            continue
        probability = round(MODEL_WEIGHT * _POINT_VALUE[verdict.covered] + (1 - MODEL_WEIGHT) * kp.probability, 3)
        state = "covered" if probability >= model.covered_at else "missed" if probability < model.missed_below else "unclear"
        disagree = (verdict.covered and kp.state == "missed") or (not verdict.covered and kp.state == "covered")
        points.append(
            kp.model_copy(
                update={
                    "probability": probability,
                    "covered": state == "covered",
                    "state": state,
                    "best_sentence": verdict.quote or kp.best_sentence,
                    "source": "combined",
                    "disagreement": disagree,
                    "after_follow_up": _after_follow_up(kp, verdict, answer),
                }
            )
        )
    return features.model_copy(
        update={"key_points": points, "coverage": covered_share(points), "relevance": _relevance(features.relevance, judgement)}
    )


def _relevance(measured: Relevance | None, judgement: Judgement) -> Relevance:
    value = _RELEVANCE_VALUE[judgement.answers_question]
    if measured is None:
        probability, disagree, closest = value, False, None
    else:
        probability = MODEL_WEIGHT * value + (1 - MODEL_WEIGHT) * measured.probability
        disagree = (judgement.answers_question == "no" and measured.state == "on_topic") or (
            judgement.answers_question == "yes" and measured.state == "off_topic"
        )
        closest = measured.closest_question
    probability = round(probability, 3)
    model = relevance_rule.relevance_model()
    state = "on_topic" if probability >= model.on_topic_at else "off_topic" if probability < model.off_topic_below else "unclear"
    return Relevance(
        probability=probability,
        state=state,
        closest_question=closest if state != "on_topic" else None,
        source="combined",
        disagreement=disagree,
        reason=f"model: {judgement.answers_question}" + (f" ({judgement.reason})" if judgement.reason else ""),
    )


def rescored(score: AnswerScore, answer: AnswerText, judgement: Judgement, model: str, rubric: Rubric | None = None) -> AnswerScore:
    """The answer's score document with the model's judgement combined in; the features-only scores kept beside."""
    if score.judged_by:  # judged already (a re-delivered event): the judgement is in, once
        return score
    rubric = rubric or load_rubric(answer.role)
    features = combined_features(score.features, judgement, answer)
    scores = score_answer(answer, features, rubric)
    disputed = sum(p.disagreement for p in features.key_points) + bool(features.relevance and features.relevance.disagreement)
    judged_items = len(judgement.key_points) + 1
    content = scores.content
    lines = list(content.evidence)
    if features.relevance is not None and features.relevance.disagreement:
        lines.insert(0, f"The model and the measured features disagree on whether this answers the question ({features.relevance.reason})")
    for note in judgement.discarded[:2]:
        lines.append(f"Model judgement dropped: {note}")
    confidence = round(content.confidence * (1 - DISAGREEMENT_CONFIDENCE_LOSS * disputed / judged_items), 2)
    content = content.model_copy(update={"confidence": confidence, "level": confidence_level(confidence), "evidence": lines[:10]})
    scores = scores.model_copy(update={"content": content})
    return score.model_copy(
        update={
            "features": features,
            "scores": scores,
            "overall": scores.overall(),
            "judged_by": model or "llm",
            "feature_scores": score.feature_scores or score.scores,
        }
    )

