"""The interview's final report: weighted scores, per-question breakdown, pace and filler timeline, recommendations."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from rehearse.domain.analysis_model import (
    DIMENSIONS,
    AnswerScore,
    Dimension,
    DimensionScore,
    Evaluation,
    FollowUpNote,
    QuestionBreakdown,
    QuestionSummary,
    Report,
    Rewrite,
    RubricRef,
    Scores,
    TimelinePoint,
    Word,
    confidence_level,
)
from rehearse.domain.documents import report_id
from rehearse.domain.fillers import HESITATIONS, normalize_word
from rehearse.domain.model import Question
from rehearse.feedback.evaluation.point_wording import imperative
from rehearse.feedback.evaluation.summary import answered
from rehearse.feedback.evaluation.wording import distinct_said, hedge_in, number, quote, shorten

WINDOW_S = 30.0
_MIN_WINDOW_S = 1.0  # a last window shorter than this is measured as this long, so one word is not 600 wpm
MIN_RECOMMENDATIONS, MAX_RECOMMENDATIONS = 3, 5
NO_RUBRIC = RubricRef(id="none", version="0")


# -- scores ------------------------------------------------------------------------------------------------------
def _weighted_mean(values: list[float], weights: list[float]) -> float:
    return sum(v * w for v, w in zip(values, weights, strict=True)) / sum(weights)


def _combined_confidence(confidences: list[float], scores: list[float], weights: list[float]) -> float:
    """Each answer's confidence, averaged; more answers raise it, answers that disagree lower it."""
    mean = _weighted_mean(confidences, weights)
    more = mean + (1 - mean) * 0.5 * (1 - 1 / math.sqrt(len(confidences)))
    spread = math.sqrt(_weighted_mean([(s - _weighted_mean(scores, weights)) ** 2 for s in scores], weights))
    agreement = max(0.5, 1 - spread / 50)  # scores 20 points apart (spread 10) keep 80 %
    return round(min(1.0, max(0.0, more * agreement)), 2)


def _dimension(dimension: Dimension, answers: list[AnswerScore]) -> DimensionScore:
    weights = [float(a.features.word_count) for a in answers]
    parts = [getattr(a.scores, dimension) for a in answers]
    values = [float(p.score) for p in parts]
    confidence = _combined_confidence([p.confidence for p in parts], values, weights)
    evidence = [f"{len(answers)} answer{'s' if len(answers) > 1 else ''}, weighted by word count"]
    if len(answers) > 1:
        evidence.append(f"ranged from {min(p.score for p in parts)} to {max(p.score for p in parts)}")
    return DimensionScore(
        score=round(_weighted_mean(values, weights)), confidence=confidence, level=confidence_level(confidence), evidence=evidence
    )


def _no_scores(reason: str) -> Scores:
    empty = DimensionScore(score=0, confidence=0.0, level="low", evidence=[reason])
    return Scores(**{d: empty for d in DIMENSIONS})


def overall_scores(answers: list[AnswerScore]) -> Scores:
    """Per dimension, the answers' scores averaged with each answer weighted by its word count."""
    if not answers:
        return _no_scores("No answers were recorded.")
    return Scores(**{d: _dimension(d, answers) for d in DIMENSIONS})


# -- timeline ----------------------------------------------------------------------------------------------------
def answer_timeline(question_index: int, words: list[Word]) -> list[TimelinePoint]:
    """Pace and fillers per minute in 30-second windows from the answer's first word; the last window as long as it lasts."""
    words = sorted(words, key=lambda w: w.start)
    if not words:
        return []
    start, end = words[0].start, max(w.end for w in words)
    points = []
    for k in range(max(1, math.ceil((end - start) / WINDOW_S))):
        low = start + k * WINDOW_S
        inside = [w for w in words if low <= w.start < low + WINDOW_S]
        minutes = max(_MIN_WINDOW_S, min(WINDOW_S, end - low)) / 60
        fillers = sum(1 for w in inside if normalize_word(w.w) in HESITATIONS)
        points.append(
            TimelinePoint(
                question_index=question_index,
                minute=round(k * WINDOW_S / 60, 2),
                pace_wpm=round(len(inside) / minutes, 1),
                fillers_per_min=round(fillers / minutes, 1),
            )
        )
    return points


def _timeline(answers: list[AnswerScore], words_by_question: dict[str, list[Word]]) -> list[TimelinePoint]:
    points: list[TimelinePoint] = []
    for a in answers:
        words = words_by_question.get(a.question_id, [])
        if words:
            points += answer_timeline(a.question_index, words)
        elif a.features.duration_s > 0:  # no word timings: the answer's own averages as one point
            points.append(TimelinePoint(question_index=a.question_index, minute=0.0, pace_wpm=a.features.pace_wpm,
                                        fillers_per_min=a.features.fillers_per_min))  # fmt: skip
    return points


# -- recommendations ---------------------------------------------------------------------------------------------
def _of(count: int, total: int) -> str:
    return f"{count} of {total} answers"


def _structure_advice(answers: list[AnswerScore]) -> str | None:
    n = len(answers)
    no_result = sum(1 for a in answers if not a.features.star.result)
    no_action = sum(1 for a in answers if not a.features.star.action)
    if no_result:
        return f"End every answer with the result: {_of(no_result, n)} had none. Say what changed, with a number."
    if no_action:
        return f"Say what you did yourself: {_of(no_action, n)} did not name your own steps."
    if any(not a.features.star.in_order for a in answers):
        return "Tell each story in order: the situation, your task, what you did, then the result."
    return None


def _content_advice(answers: list[AnswerScore]) -> str | None:
    n = len(answers)
    vague = sum(1 for a in answers if a.features.specificity.numbers == 0 and a.features.specificity.quantified_results == 0)
    missed = [kp.point for a in answers for kp in a.features.key_points if not kp.covered]
    if vague:
        return f"Back each answer with specifics: {_of(vague, n)} had no number. Add one, e.g. 'in two weeks'."
    if missed:
        advice = imperative(missed[0])  # "summarize current role and scope briefly" for a bank point
        example = f"for example, {quote(advice, 10)}" if advice else f"such as {quote(missed[0], 8)}"
        return f"Cover the key points: you missed {len(missed)}; {example}."
    return None


def _clarity_advice(answers: list[AnswerScore]) -> str | None:
    minutes = sum(a.features.duration_s for a in answers) / 60
    fillers = sum(a.features.filler_count for a in answers)
    rate = fillers / minutes if minutes > 0 else 0.0
    pace = sum(a.features.word_count for a in answers) / minutes if minutes > 0 else 0.0
    if rate >= 3 and fillers >= 3:
        said: Counter[str] = Counter()
        for a in answers:
            said.update(a.features.fillers)
        top = f", mostly '{min(said, key=lambda w: (-said[w], w))}'" if said else ""
        return f"Cut filler words: {number(rate)} per minute overall{top}. Pause silently instead."
    if pace > 180:
        return f"Slow down: you averaged {round(pace)} words per minute. Aim for 130 to 160 and pause after key points."
    if 0 < pace < 100:
        return f"Pick up the pace: you averaged {round(pace)} words per minute. Aim for 130 to 160."
    if any(a.features.mean_sentence_words > 25 for a in answers):
        return "Shorten your sentences: one idea each, under 20 words."
    return None


def _confidence_advice(answers: list[AnswerScore]) -> str | None:
    hedges = distinct_said([hedge_in(h) for a in answers for h in a.features.hedges])
    if sum(a.features.hedge_count for a in answers) >= 2 and hedges:
        named = " and ".join(f"'{quote(h, 6)}'" for h, _ in hedges[:2])
        return f"Drop hedges such as {named}: say what you did as a fact."
    if any(a.features.tone is not None and a.features.tone.label == "hesitant" for a in answers):
        return "Lead with your conclusion, then explain it; you sounded hesitant at times."
    if any(a.features.pauses.longest_s >= 5 for a in answers):
        return "If you need time, say 'Let me think for a moment' rather than pausing in silence."
    return None


_ADVICE = {
    "structure": _structure_advice,
    "content": _content_advice,
    "clarity": _clarity_advice,
    "confidence": _confidence_advice,
}


def _unanswered_advice(unanswered: int, total: int) -> str:
    if unanswered == 1:
        return f"Answer every question: 1 of {total} had no answer; it shows as 0 and is left out of the averages."
    return f"Answer every question: {unanswered} of {total} had no answer; they show as 0 and are left out of the averages."


def recommendations(
    questions: list[Question], answers: list[AnswerScore], scores: Scores, weakest: AnswerScore | None
) -> list[str]:
    """Most impact first: unanswered questions, then the weakest dimensions, then the weakest question."""
    advice: list[str] = []
    if len(answers) < len(questions):
        advice.append(_unanswered_advice(len(questions) - len(answers), len(questions)))
    if answers:
        for dimension in sorted(DIMENSIONS, key=lambda d: (getattr(scores, d).score, DIMENSIONS.index(d))):
            if (line := _ADVICE[dimension](answers)) is not None:
                advice.append(line)
    if weakest is not None and len(answers) > 1:
        text = next(q.text for q in questions if q.id == weakest.question_id)
        advice.append(f"Practise '{quote(text, 8)}' again: it scored lowest, {weakest.overall}/100.")
    advice += _general_advice(answers, scores)
    return [shorten(a, 160) for a in list(dict.fromkeys(advice))[:MAX_RECOMMENDATIONS]]


def _general_advice(answers: list[AnswerScore], scores: Scores) -> Iterable[str]:
    """Filler for a short list: keep what worked, and a way to practise."""
    if answers:
        best = max(DIMENSIONS, key=lambda d: (getattr(scores, d).score, -DIMENSIONS.index(d)))
        yield f"Keep what worked: {best} was your strongest area, {getattr(scores, best).score}/100."
    else:
        yield "Answer out loud, even briefly: one sentence of context, what you did, and the result."
    yield "Practise one question a day out loud, then compare your pace and fillers on the timeline."
    yield "Prepare three stories with a clear result and a number; most questions can use one of them."


# -- the report --------------------------------------------------------------------------------------------------
def _breakdown(question: Question, answer: AnswerScore | None, follow_ups: list[FollowUpNote]) -> QuestionBreakdown:
    common = {"question_id": question.id, "question_index": question.index, "question_text": question.text, "follow_ups": follow_ups}
    if answer is None:
        return QuestionBreakdown(**common, overall=0, scores=_no_scores("No answer was recorded."), pace_wpm=0.0,
                                 fillers_per_min=0.0, word_count=0)  # fmt: skip
    f = answer.features
    return QuestionBreakdown(**common, overall=answer.overall, scores=answer.scores, pace_wpm=f.pace_wpm,
                             fillers_per_min=f.fillers_per_min, word_count=f.word_count)  # fmt: skip


def _example_phrasing(answers: list[AnswerScore], evaluations: dict[str, Evaluation]) -> Rewrite | None:
    """The rewrite for the weakest answer; if it has none, for the next weakest that does."""
    for a in sorted(answers, key=lambda a: (a.overall, a.question_index)):
        evaluation = evaluations.get(a.question_id)
        if evaluation is not None and evaluation.rewrite is not None:
            return evaluation.rewrite
    return None


def build_report(
    session_id: str,
    questions: list[Question],
    scores: list[AnswerScore],
    evaluations: list[Evaluation],
    words_by_question: dict[str, list[Word]],
    rubric: RubricRef | None = None,
    summaries: Iterable[QuestionSummary] = (),
) -> Report:
    """The whole interview in one document. Unanswered questions show as 0 and stay out of every average. Each
    question's row shows the follow-ups asked and what they revealed, from its summary."""
    questions = sorted(questions, key=lambda q: (q.index, q.id))
    by_question = {s.question_id: s for s in scores}  # a redelivered score replaces the earlier copy
    evaluation_of = {e.question_id: e for e in evaluations}
    answers = [by_question[q.id] for q in questions if answered(by_question.get(q.id))]
    weights = [float(a.features.word_count) for a in answers]
    overall = overall_scores(answers)
    weakest = min(answers, key=lambda a: (a.overall, a.question_index)) if answers else None
    answered_ids = {a.question_id for a in answers}
    follow_ups = {s.question_id: list(s.follow_ups) for s in summaries}
    return Report(
        id=report_id(session_id),
        session_id=session_id,
        rubric=rubric or (answers[0].rubric if answers else scores[0].rubric if scores else NO_RUBRIC),
        scores=overall,
        overall=round(_weighted_mean([float(a.overall) for a in answers], weights)) if answers else 0,
        questions=[_breakdown(q, by_question[q.id] if q.id in answered_ids else None, follow_ups.get(q.id, [])) for q in questions],
        timeline=_timeline(answers, words_by_question),
        recommendations=recommendations(questions, answers, overall, weakest),
        example_phrasing=_example_phrasing(answers, evaluation_of),
        weakest_question_id=weakest.question_id if weakest else None,
        evaluator="llm" if any(e.source == "llm" for e in evaluations) else "deterministic",
    )
