"""The embedded default Evaluator: specific, kind feedback built from an answer's features and rubric scores, no model."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rehearse.domain.analysis_model import (
    DIMENSIONS,
    AnswerFeatures,
    AnswerScore,
    AnswerText,
    Dimension,
    Evaluation,
    Rewrite,
    Scores,
)
from rehearse.domain.documents import evaluation_id
from rehearse.domain.model import Question
from rehearse.domain.tailoring import pick_questions
from rehearse.feedback.evaluation.point_wording import done, imperative
from rehearse.feedback.evaluation.rewrite import rewrite_answer
from rehearse.feedback.evaluation.wording import distinct_said, hedge_in, number, quote, strip_padding, transcript_of, words_of

MAX_POINTS = 3
PACE_EASY = (120.0, 170.0)  # words per minute a listener follows comfortably
PACE_TOO_FAST = 180.0
PACE_TOO_SLOW = 100.0
FILLERS_PER_MIN_HIGH = 3.0
FILLERS_PER_MIN_LOW = 2.0
LONG_SENTENCE_MEAN = 25.0
SHORT_ANSWER_WORDS = 40
LONG_PAUSE_S = 5.0
_UNIT = re.compile(r"\d|percent|%|\b(?:half|double|twice|triple)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Point:
    """One strength or improvement, tied to the rubric dimension it speaks to."""

    dimension: Dimension
    rank: int  # lower comes first within its dimension
    text: str


def weakest_dimension(scores: Scores) -> Dimension:
    return min(DIMENSIONS, key=lambda d: (getattr(scores, d).score, DIMENSIONS.index(d)))


def _as_phrase(point: str) -> str:
    """'Trade-offs you weighed' reads as 'trade-offs you weighed' inside a sentence; 'API design' stays as it is."""
    point = point.strip().rstrip(".")
    return point[0].lower() + point[1:] if len(point) > 1 and point[1].islower() else point


def _asked_for(points: list[str]) -> str:
    """" It asked you to summarize your current role and highlight one project." for the bank's points (verbs); " It
    asked for baseline measurement and root cause." for points that are noun phrases; "" for none."""
    if not points:
        return ""
    advice = [imperative(p) for p in points]
    if all(advice):
        return " It asked you to " + " and ".join(a for a in advice if a) + "."
    return " It asked for " + " and ".join(_as_phrase(p) for p in points) + "."


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


# -- strengths ---------------------------------------------------------------------------------------------------
def _said(text: str, max_words: int = 12) -> str:
    """The candidate's words without their fillers and hedges: praise quotes the point, not the 'um'."""
    return quote(strip_padding(text)[0], max_words)


def _measurable_quote(features: AnswerFeatures) -> str | None:
    star, examples = features.star, features.specificity.examples
    # The scorer's examples are short phrases; the result's evidence is a whole sentence: quote the shorter first.
    candidates = examples + [star.evidence.get("result", "")]
    return next((c for c in candidates if c and _UNIT.search(c)), examples[0] if examples else None)


def _content_strengths(f: AnswerFeatures) -> Iterable[Point]:
    if f.relevance is not None and f.relevance.state == "off_topic":
        return  # nothing said about the question is a strength of the answer to it
    measurable = _measurable_quote(f) if f.specificity.quantified_results else None
    if measurable:
        yield Point("content", 0, f"You named a measurable result: '{_said(measurable)}'.")
    # A point volunteered before one made only after a follow-up, which says so.
    covered = sorted((kp for kp in f.key_points if kp.state == "covered"), key=lambda kp: (kp.after_follow_up > 0, -kp.probability))
    if covered:
        kp = covered[0]
        said = f": '{_said(kp.best_sentence)}'" if kp.best_sentence else ""
        when = " after the follow-up" if kp.after_follow_up else ""
        did = done(kp.point)  # "You explained how you measured it", else "You covered baseline measurement"
        yield Point("content", 1, f"You {did}{when}{said}." if did else f"You covered {_as_phrase(kp.point)}{when}{said}.")
    examples = [e for e in f.specificity.examples if e != measurable]
    if f.specificity.named_things >= 2 and examples:
        yield Point("content", 2, f"You gave concrete details, such as '{_said(examples[0])}'.")


def _structure_strengths(f: AnswerFeatures) -> Iterable[Point]:
    star = f.star
    if star.situation and star.task and star.action and star.result and star.in_order:
        yield Point("structure", 0, "You told the story in order: the situation, your task, what you did and the result.")
    elif star.result and star.evidence.get("result"):
        ended = "gave the result when asked" if "result" in star.after_follow_up else "ended with the result"
        yield Point("structure", 1, f"You {ended}: '{_said(star.evidence['result'])}'.")
    if star.action and star.evidence.get("action"):
        yield Point("structure", 2, f"You said what you did yourself: '{_said(star.evidence['action'])}'.")


def _clarity_strengths(f: AnswerFeatures) -> Iterable[Point]:
    if f.word_count >= SHORT_ANSWER_WORDS and f.fillers_per_min < FILLERS_PER_MIN_LOW:
        if f.filler_count == 0:
            yield Point("clarity", 0, "You spoke cleanly, without filler words.")
        else:
            yield Point("clarity", 0, f"You spoke cleanly, with few fillers ({number(f.fillers_per_min)} per minute).")
    if f.duration_s >= 10 and PACE_EASY[0] <= f.pace_wpm <= PACE_EASY[1]:
        yield Point("clarity", 1, f"Your pace was easy to follow: {round(f.pace_wpm)} words per minute.")
    if f.sentence_count >= 3 and 6 <= f.mean_sentence_words <= 20:
        yield Point("clarity", 2, "You kept your sentences short and clear.")


def _confidence_strengths(f: AnswerFeatures) -> Iterable[Point]:
    if f.tone is not None and f.tone.label == "confident":
        yield Point("confidence", 0, "You sounded confident.")
    if f.word_count >= SHORT_ANSWER_WORDS and f.hedge_count == 0:
        yield Point("confidence", 1, "You stated your points directly, without hedging.")
    if f.duration_s >= 20 and f.pauses.count == 0:
        yield Point("confidence", 2, "You kept going without long pauses.")


# -- improvements ------------------------------------------------------------------------------------------------
MISSING_RESULT = "Add the result: say what changed because of your work, with a number if you have one."


def _structure_improvements(f: AnswerFeatures, text: str) -> Iterable[Point]:
    star = f.star
    if not star.action:
        yield Point("structure", 0, "Say what you did yourself: name two or three concrete steps you took.")
    if not star.situation and not star.task:
        yield Point("structure", 1, "Open with one sentence of context: where you were and what you had to achieve.")
    elif not star.situation:
        yield Point("structure", 1, "Open with one sentence of context: where you were and what was at stake.")
    elif not star.task:
        yield Point("structure", 1, "Say what your task was: what you were asked, or chose, to achieve.")
    parts = sum((star.situation, star.task, star.action, star.result))
    if parts >= 3 and not star.in_order:
        yield Point("structure", 2, "Keep the order: the situation, your task, what you did, then the result.")
    said = [w.strip(".,;:!?'\"").lower() for w in words_of(text)]
    we, i = said.count("we"), said.count("i")
    if we >= 3 and we > 2 * i:
        yield Point("structure", 3, f"Say 'I' for your own part: you said 'we' {_times(we)} and 'I' {_times(i)}.")


def _content_improvements(f: AnswerFeatures) -> Iterable[Point]:
    missed = [kp for kp in f.key_points if kp.state == "missed"]
    unclear = [kp for kp in f.key_points if kp.state == "unclear"]
    if missed:
        advice = imperative(missed[0].point)
        also = advice or f"cover {_as_phrase(missed[0].point)}"
        yield Point("content", 0, f"Also {also}; interviewers listen for it in this question.")
    elif unclear:
        advice = imperative(unclear[0].point)
        yield Point(
            "content", 0,
            f"Make it explicit, in one plain sentence: {advice}." if advice
            else f"Make {_as_phrase(unclear[0].point)} explicit: say it in one plain sentence.",
        )  # fmt: skip
    if f.specificity.numbers == 0 and f.specificity.quantified_results == 0:
        if f.vague_phrases:
            yield Point(
                "content", 1, f"Replace '{f.vague_phrases[0]}' with what it was: the system, the number, the person."
            )
        else:
            yield Point(
                "content", 1, "Add one concrete detail, such as a number, a tool or a name: 'for 40 customers', 'in two weeks'."
            )
    if 0 < f.word_count < SHORT_ANSWER_WORDS:
        yield Point("content", 2, f"Say more: {f.word_count} words is short; aim for one to two minutes with one real example.")


def _filler_sentence(f: AnswerFeatures) -> str:
    rate = f"{number(f.fillers_per_min)} per minute"
    top = sorted(f.fillers.items(), key=lambda item: (-item[1], item[0]))[:2]
    if not top:
        return f"You used {f.filler_count} filler words ({rate}); pause silently instead."
    said = " and ".join(f"'{word}' {_times(count)}" for word, count in top)
    return f"You said {said} ({rate}); pause silently instead."


def _clarity_improvements(f: AnswerFeatures) -> Iterable[Point]:
    if f.fillers_per_min >= FILLERS_PER_MIN_HIGH and f.filler_count >= 3:
        yield Point("clarity", 0, _filler_sentence(f))
    if f.pace_wpm > PACE_TOO_FAST:
        yield Point("clarity", 1, f"Slow down a little: you spoke at {round(f.pace_wpm)} words per minute; aim for 130 to 160.")
    elif f.duration_s >= 15 and 0 < f.pace_wpm < PACE_TOO_SLOW:
        yield Point("clarity", 1, f"Pick up the pace a little: {round(f.pace_wpm)} words per minute; aim for 130 to 160.")
    if f.mean_sentence_words > LONG_SENTENCE_MEAN:
        yield Point(
            "clarity", 2, f"Shorten your sentences: they averaged {round(f.mean_sentence_words)} words; aim for under 20."
        )


def _confidence_improvements(f: AnswerFeatures) -> Iterable[Point]:
    hedges = distinct_said([hedge_in(h) for h in f.hedges])
    if f.hedge_count >= 2 and len(hedges) >= 2:
        said = " and ".join(f"'{quote(h, 6)}'" for h, _ in hedges[:2])
        yield Point("confidence", 0, f"Drop the hedges: you said {said}; say what you did plainly.")
    elif f.hedge_count >= 2 and hedges:
        yield Point(
            "confidence", 0, f"Drop the hedge: you said '{quote(hedges[0][0], 6)}' {_times(f.hedge_count)}; say it plainly."
        )
    if f.tone is not None and f.tone.label == "hesitant":
        yield Point("confidence", 1, "You sounded hesitant at times; lead with your conclusion, then explain it.")
    elif f.tone is not None and f.tone.label == "negative":
        yield Point("confidence", 1, "Keep the tone constructive: say what you learned, not only what went wrong.")
    if f.pauses.longest_s >= LONG_PAUSE_S:
        yield Point(
            "confidence",
            2,
            f"Your longest pause was {number(f.pauses.longest_s)} s; if you need time, say 'Let me think for a moment'.",
        )


# -- choosing ----------------------------------------------------------------------------------------------------
def _pick(points: list[Point], order: list[Dimension], limit: int = MAX_POINTS) -> list[str]:
    """The best point of each dimension in `order` first, then the next best of each, until `limit`."""
    by_dimension = {d: sorted((p for p in points if p.dimension == d), key=lambda p: p.rank) for d in order}
    chosen: list[str] = []
    for round_ in range(max((len(ps) for ps in by_dimension.values()), default=0)):
        for d in order:
            if round_ < len(by_dimension[d]) and len(chosen) < limit:
                chosen.append(by_dimension[d][round_].text)
    return chosen


def _by_score(scores: Scores, strongest_first: bool) -> list[Dimension]:
    return sorted(DIMENSIONS, key=lambda d: ((-1 if strongest_first else 1) * getattr(scores, d).score, DIMENSIONS.index(d)))


def strengths_of(f: AnswerFeatures, scores: Scores) -> list[str]:
    makers: tuple[Callable[[AnswerFeatures], Iterable[Point]], ...] = (
        _content_strengths, _structure_strengths, _clarity_strengths, _confidence_strengths,
    )  # fmt: skip
    points = [p for make in makers for p in make(f)]
    return _pick(points, _by_score(scores, strongest_first=True)) or [
        "You stayed with the question and gave an answer to build on."
    ]


def off_topic_note(f: AnswerFeatures, question: str) -> str | None:
    """What an answer judged off topic must hear first: which question was asked, and what it asked for. That it did
    not address the question is said only when the judge is sure (`Relevance.clearly_elsewhere`); just under the
    line, the answer is a thin one to this question and hears that it hardly touched it."""
    relevance = f.relevance
    if relevance is None or relevance.state != "off_topic":
        return None
    asked = quote(question, 16)
    wanted = [kp.point for kp in f.key_points[:2]]
    focus = _asked_for(wanted)
    if not relevance.substance:
        return f"This answer named topics without telling what happened; the question was '{asked}'.{focus} Tell one real example."
    if not relevance.clearly_elsewhere:  # just under the line, no other question named: a thin answer to this one
        return f"This answer hardly touched what the question asked, '{asked}'.{focus}"
    return f"This answer did not address the question, which was '{asked}'.{focus}"


def improvements_of(f: AnswerFeatures, scores: Scores, text: str, question: str = "") -> list[str]:
    """Most important first: an answer to another question, then a missing result, then the weakest dimensions."""
    points = [
        *_structure_improvements(f, text),
        *_content_improvements(f),
        *_clarity_improvements(f),
        *_confidence_improvements(f),
    ]
    first = [note] if (note := off_topic_note(f, question)) else []
    if not f.star.result and not first:
        first.append(MISSING_RESULT)  # a missing result costs an on-topic answer most
    chosen = first + _pick(points, _by_score(scores, strongest_first=False), MAX_POINTS - len(first))
    return chosen or ["To go further, end with what you learned or would do differently next time."]


# -- example phrasing --------------------------------------------------------------------------------------------
_STAR_GAPS = {
    "situation": "[where you were]",
    "task": "[what you had to achieve]",
    "action": "[what you did]",
    "result": "[what changed, with a number]",
}


def _structure_example(f: AnswerFeatures) -> str:
    parts = []
    for part, gap in _STAR_GAPS.items():
        evidence = f.star.evidence.get(part) if getattr(f.star, part) else None
        parts.append(f"{part.capitalize()}: " + (f"'{_said(evidence, 10)}'" if evidence else gap))
    return "Try this order. " + "; ".join(parts) + "."


def _content_example(f: AnswerFeatures) -> str:
    missed = [kp for kp in f.key_points if kp.state != "covered"]
    if missed:
        advice = imperative(missed[0].point)
        if advice:
            return f"For example, to {advice}: 'I [what you did], which [what it changed].'"
        return f"For example: 'On {_as_phrase(missed[0].point)}, I [what you did], which [what it changed].'"
    if f.specificity.numbers == 0:
        return "For example: 'I cut the build from 40 to 12 minutes for a team of eight.'"
    return "For example: 'The decision that mattered most was [the decision], because [the reason].'"


def _clarity_example(rewrite: Rewrite | None) -> str:
    if rewrite is not None:
        plain = quote(rewrite.improved.split(" [", 1)[0], 20)
        return f"Say it in short, plain sentences: '{plain if plain.endswith('…') else plain + '.'}'"
    return "One idea per sentence, for example: 'I led the migration. It took six weeks. We lost no data.'"


def _confidence_example(f: AnswerFeatures) -> str:
    hedges = distinct_said([hedge_in(h) for h in f.hedges])
    if hedges:
        return f"Say it as a fact: 'I decided to [what you did], and it [what changed],' not '{quote(hedges[0][0], 6)} …'."
    return "Lead with your conclusion, for example: 'I would pick option A, for two reasons.'"


def example_phrasing_for(dimension: Dimension, f: AnswerFeatures, rewrite: Rewrite | None) -> str:
    if dimension == "structure":
        return _structure_example(f)
    if dimension == "content":
        return _content_example(f)
    if dimension == "clarity":
        return _clarity_example(rewrite)
    return _confidence_example(f)


# -- the evaluator -----------------------------------------------------------------------------------------------
NO_ANSWER_EXAMPLE = "For example: 'When [where you were], I [what you did], and as a result [what changed].'"


def _no_answer(answer: AnswerText) -> list[str]:
    improvements = ["Answer out loud, even briefly: one sentence of context, what you did, and the result."]
    if answer.key_points:
        advice = imperative(answer.key_points[0])
        mention = advice[0].upper() + advice[1:] if advice else f"Mention {_as_phrase(answer.key_points[0])}"
        improvements.append(f"{mention}; interviewers listen for it in this question.")
    return improvements


def evaluate_answer(answer: AnswerText, score: AnswerScore) -> Evaluation:
    """Deterministic feedback on one answer: the same answer and score always give the same evaluation."""
    ids = {
        "id": evaluation_id(score.session_id, score.question_id),
        "session_id": score.session_id,
        "question_id": score.question_id,
    }
    text, features = transcript_of(answer), score.features
    if not text and features.word_count == 0:
        return Evaluation(**ids, improvements=_no_answer(answer), example_phrasing=NO_ANSWER_EXAMPLE)
    rewrite = rewrite_answer(text, features)
    return Evaluation(
        **ids,
        strengths=strengths_of(features, score.scores),
        improvements=improvements_of(features, score.scores, text, answer.question_text),
        rewrite=rewrite,
        example_phrasing=example_phrasing_for(weakest_dimension(score.scores), features, rewrite),
        source="deterministic",
    )


class DeterministicEvaluator:
    """The Evaluator port without a model: rubric-driven feedback, instant and repeatable."""

    async def evaluate(self, answer: AnswerText, score: AnswerScore) -> Evaluation:
        return evaluate_answer(answer, score)

    async def tailor_questions(
        self, job_description: str, candidates: list[Question], count: int, roles: Mapping[str, str] | None = None
    ) -> list[Question]:
        # tens of milliseconds for a long description: off the event loop the live relay shares on the embedded default
        return await asyncio.to_thread(pick_questions, job_description, candidates, count, roles)
