"""An answer's gaps, most important first: what a follow-up may target, measured by the scoring core.

The order (docs/follow-ups.md): an answer to another question first, since nothing else in it counts for this one;
then, for a story, "we" with no "I"; then the key points not made; then, for a story, no result; then no specifics
at all. Only what was measured as missing is a gap: a point the scorer may have heard made is left alone.

A key point's coverage probability alone cannot tell a partial answer's missing point (0.3-0.7) from a point made in
a few words (down to 0.28), so each point is judged on three pieces of the scoring core's evidence at once
(`PointEvidence`): its probability, whether any sentence fits it better than the question's other points (the
coverage model's contrast feature), and whether any sentence uses the point's own words (its bank examples and
probes). For a story's result, only the sentences after the last action count: a result comes at the end."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rehearse.domain.analysis_model import AnswerFeatures, AnswerText, KeyPointCoverage
from rehearse.domain.follow_ups import OWNERSHIP, RELEVANCE, RESULT, SPECIFICS, key_point_target
from rehearse.domain.model import Question
from rehearse.feedback.scoring.coverage import (
    FEATURES,
    covered_share,
    default_model,
    pair_features,
    probabilities,
)
from rehearse.feedback.scoring.features import (
    SentenceInputs,
    TextAnalysis,
    analyse_text,
    features_from,
    model_readings,
)
from rehearse.feedback.scoring.star import first_person_action
from rehearse.feedback.scoring.substance import STOPWORDS, content_stems, has_substance
from rehearse.ports import Embedder

# A point about how the answer is delivered, not what it says: nothing to ask about.
_DELIVERY_POINT = re.compile(
    r"\b(?:stays?|keeps?) (?:it )?(?:focused|short|brief|concise|on time|under)\b|\bunder (?:two|three|\d+) minutes\b"
)
# A question that asks for a story of the candidate's own, which ends in a result ("Tell me about yourself" does not).
_STORY_QUESTION = re.compile(
    r"\b(?:tell me about a|tell me about the|describe a (?:time|situation|project)|give (?:me )?an example|"
    r"walk me through (?:a|the|one)|a time (?:when|you)|have you ever)\b"
)
_ABOUT_YOURSELF = re.compile(r"\byourself\b")
# The question already says how it ended (a lost deal, a wrong decision): no result to ask for.
_OUTCOME_GIVEN = re.compile(r"\b(?:lost|lose|wrong|fail\w*|mistake|went badly|did not go|didn't go)\b")
# A point about the story's result, or the candidate's own part: never ask for them again once made. Measuring and
# metrics are methods ("explains how they measured the problem", "defines success metrics before the launch"), not
# the result.
_RESULT_POINT = re.compile(r"\b(?:results?|outcomes?|impact|resolution)\b")
_OWN_PART_POINT = re.compile(r"\b(?:own|role|contribution|part)\b")
_OWN_PART = re.compile(r"\bmy (?:own )?(?:part|role|job|contribution|responsibility|piece|task)\b|\bi was (?:the|responsible|in charge)\b")
_GENERIC_NOUNS = frozenset({
    "way", "end", "time", "times", "thing", "things", "stuff", "point", "moment", "day", "days", "week", "weeks",
    "team", "people", "problem", "issue", "work", "company", "project", "idea", "fact", "case", "whole", "rest",
    "same", "other", "first", "next", "last", "best", "most", "beginning", "start", "situation", "question",
})  # fmt: skip
# Words that are no noun phrase's head: "the new", "the whole".
_NOT_HEADS = frozenset({"new", "old", "big", "small", "main", "final", "real", "only", "bad", "entire", "current", "usual"})
_DETERMINER = "the"
_MIN_WE = 2  # "we" said at least this often, with no action of the candidate's own
# A key point whose coverage probability is below this is probed: "missed" (< 0.1) alone leaves most gaps alone, and
# "unclear" reaches up to the covered threshold (0.62), where asking would often ask for what was said.
PROBE_BELOW = 0.25
# An unclear point (up to the covered threshold) is also probed when NO sentence with substance fits it better than
# the question's other points (the coverage model's contrast feature, best over the sentences, stays below this): its
# probability then comes from sentences that make other points. On dev, points left out reach -0.07 to -0.24, points
# made -0.02 or more, except two that say the point in its own words (OWN_WORDS) and one in a "we"-only story.
CONTRAST_BELOW = -0.05
_CONTRAST = FEATURES.index("contrast")
# A sentence that uses this many of a point's own words (from its text, bank examples and probes, and no other
# point's or the question's) says the point, whatever the model makes of it: "Redis cache" for "adds caching".
OWN_WORDS = 2
# A story's result comes after its actions: a result point that fits a sentence after the last action this well may
# have been said, so no result is asked for (a result point fitting only the situation is not the result).
RESULT_SAID_AT = 0.4
# An answer whose sentences mostly say nothing of their own is key words read out (dev: 0.07-0.2; any other answer
# 0.67 or more).
_SUBSTANCE_SHARE = 0.4
_MIN_LISTED = 3


@dataclass(frozen=True)
class Gap:
    """One thing the answer left out, as a follow-up target, with the candidate's words the wording may quote."""

    targets: str
    reason: str
    quote: str = ""  # verified to be said, in this order, with no hesitation inside
    wording: str = ""  # a variant of the target's wording: "topics" for key words read out


@dataclass(frozen=True)
class PointEvidence:
    """What the answer's sentences say of one key point beyond its probability (the module's docstring)."""

    contrast: float  # how much better the best-fitting sentence with substance fits it than the other points; -1: none
    own_words: int  # the most of the point's own words (OWN_WORDS) that one sentence uses
    after_actions: float  # its probability from the sentences after the answer's last action (all, if no action)


@dataclass(frozen=True)
class Assessment:
    """What the scoring core measured of the answer, and its gaps in order of importance."""

    gaps: tuple[Gap, ...]
    points: tuple[KeyPointCoverage, ...]  # empty without an embedder: key points are then not judged
    answer_text: str
    evidence: tuple[PointEvidence, ...] = ()  # one per point of `points`


def assess(question: Question, answer: AnswerText, embedder: Embedder | None) -> Assessment:
    """The answer's gaps. Without an embedder neither relevance nor key points are measured, so neither is a gap."""
    answer = with_question(answer, question)
    analysis = analyse_text(answer)
    spoken = " ".join(t.norm for t in analysis.transcript.tokens)
    if not analysis.transcript.spoken_words:
        return Assessment((), (), "")
    features, evidence = measure(question, answer, analysis, embedder)
    points = tuple(features.key_points)
    text = " ".join(t.raw for t in analysis.transcript.tokens)
    relevance = features.relevance
    if relevance is not None and relevance.substance and relevance.clearly_elsewhere:
        reason = "answers another question" + (f': "{relevance.closest_question}"' if relevance.closest_question else "")
        return Assessment((Gap(RELEVANCE, reason),), points, text, evidence)
    if (relevance is not None and not relevance.substance) or _listed_topics(analysis, answer):
        # Key words read out: no point is made, so asking for one would only get more key words.
        return Assessment((Gap(SPECIFICS, "names topics without saying what was done", wording="topics"),), points, text, evidence)
    covered = [p.point for p in points if p.state == "covered"]
    story = asks_for_story(question)
    gaps = []
    if story and (we := _we_without_i(analysis)) and not any(_OWN_PART_POINT.search(p) for p in covered):
        gaps.append(Gap(OWNERSHIP, f'"we" {we} times and no action of their own'))
    per_point = evidence if len(evidence) == len(points) else (None,) * len(points)
    probed = [(p, e) for p, e in zip(points, per_point, strict=True) if probeable(question, p.point)]
    least = min((p.probability for p, _ in probed), default=None)
    missing = sorted(
        (p for p, e in probed if not_made(p, e if p.probability == least else None)),
        key=lambda p: (p.state != "missed", p.probability if p.state != "missed" else 0.0),
    )  # the clearly missed in the bank's order, then the least likely made
    gaps += [Gap(key_point_target(p.point), f'key point not made: "{p.point}"') for p in missing]
    if story and _needs_result(question, analysis, points, per_point, {g.targets for g in gaps}):
        gaps.append(Gap(RESULT, "no result stated", _subject_quote(analysis, spoken)))
    if gap := _specifics_gap(features, spoken, story):
        gaps.append(gap)
    return Assessment(tuple(gaps), points, text, evidence)


def not_made(point: KeyPointCoverage, evidence: PointEvidence | None = None) -> bool:
    """Missed; or so unlikely made that asking for it cannot ask for what was said (PROBE_BELOW, tuned on the dev
    set: made points measure as low as 0.28 there); or, given its `evidence` (only the least likely made point of an
    answer is given it), unclear with no sentence of its own: none fits it better than the question's other points
    (CONTRAST_BELOW) and none uses its own words (OWN_WORDS)."""
    if point.state == "missed" or (point.state == "unclear" and point.probability < PROBE_BELOW):
        return True
    return (
        point.state == "unclear"
        and evidence is not None
        and evidence.contrast < CONTRAST_BELOW
        and evidence.own_words < OWN_WORDS
    )


def measure(
    question: Question, answer: AnswerText, analysis: TextAnalysis, embedder: Embedder | None
) -> tuple[AnswerFeatures, tuple[PointEvidence, ...]]:
    """`features_from(answer, analysis, embedder, None)`, and the evidence per key point from the same sentence
    embeddings: ONE embedder call, as for scoring (a second would double the decision's time)."""
    readings = model_readings(answer, analysis, embedder, None)
    features = features_from(answer, analysis, None, None)
    if readings.inputs is None:
        return features, ()
    coverage = readings.coverage
    features = features.model_copy(update={"key_points": coverage, "coverage": covered_share(coverage), "relevance": readings.relevance})
    return features, point_evidence(question, readings.inputs, _after_last_action(analysis, readings.inputs.candidates), readings.gate)


def point_evidence(question: Question, inputs: SentenceInputs, after: Sequence[bool], gate: float) -> tuple[PointEvidence, ...]:
    """Per key point: its best contrast over the sentences with substance, the most of its own words in a sentence,
    and its (gated) probability from the sentences in `after`."""
    if not inputs.specs:
        return ()
    features = pair_features(inputs.specs, inputs.candidates, inputs.norms, inputs.vectors, inputs.static_vectors)
    chances = probabilities(features, inputs.substantial, default_model()) * gate
    substantial = np.asarray(inputs.substantial, dtype=bool)
    late = np.asarray(after, dtype=bool)
    sentence_words = [content_stems(n) for n in inputs.norms]
    own = own_words(question, [spec.text for spec in inputs.specs])
    return tuple(
        PointEvidence(
            contrast=float(features[p, substantial, _CONTRAST].max()) if substantial.any() else -1.0,
            own_words=max((len(words & own[p]) for words in sentence_words), default=0),
            after_actions=round(float(chances[p, late].max()), 3) if late.any() else 0.0,
        )
        for p in range(len(inputs.specs))
    )


def own_words(question: Question, points: Sequence[str]) -> tuple[frozenset[str], ...]:
    """Per point, the content stems of its text, bank examples and probes that neither the question nor any other
    point uses: the words that say this point and no other."""
    texts = tuple((p, tuple(question.examples.get(p, ())), tuple(question.probes.get(p, ()))) for p in points)
    return _own_words(question.text, texts)


@lru_cache(maxsize=256)
def _own_words(question: str, points: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]) -> tuple[frozenset[str], ...]:
    asked = content_stems(question)
    words = [content_stems(" ".join([point, *examples, *probes])) - asked for point, examples, probes in points]
    return tuple(frozenset(w - set().union(*(o for j, o in enumerate(words) if j != i))) for i, w in enumerate(words))


def _after_last_action(analysis: TextAnalysis, candidates: Sequence[str]) -> list[bool]:
    """Per candidate sentence (a subset of the transcript's, in order), whether it comes after the answer's last
    action: where a story's result is. An answer without any action has no place for it: every sentence counts."""
    actions = [r.sentence for r in analysis.roles if r.primary == "action" or "action" in r.parts]
    last = max(actions, default=-1)
    index, out = 0, []
    for i, sentence in enumerate(analysis.transcript.sentences):
        if index < len(candidates) and sentence.text == candidates[index]:
            out.append(i > last)
            index += 1
    return out if len(out) == len(candidates) else [True] * len(candidates)


def with_question(answer: AnswerText, question: Question) -> AnswerText:
    """The question's text, key points and examples fill in what the answer does not already say."""
    points = answer.key_points or list(question.key_points)
    updates: dict[str, object] = {"key_points": points}
    if not answer.question_text:
        updates["question_text"] = question.text
    if not answer.key_point_examples and [p.strip() for p in points] == [p.strip() for p in question.key_points]:
        updates["key_point_examples"] = dict(question.examples)  # the bank's phrasings belong to the bank's points
    if answer.question_id is None and question.id:
        updates["question_id"] = question.id
    return answer.model_copy(update=updates)


def probeable(question: Question, point: str) -> bool:
    """A bank question probes the points it has probes for; a question without any, every point but delivery."""
    if question.probes:
        return bool(question.probes.get(point))
    return not _DELIVERY_POINT.search(point.lower())


def asks_for_story(question: Question) -> bool:
    text = question.text.lower()
    if _ABOUT_YOURSELF.search(text):
        return False
    if question.kind is not None:
        return question.kind == "behavioral"
    return bool(_STORY_QUESTION.search(text))


def _needs_result(
    question: Question,
    analysis: TextAnalysis,
    points: Sequence[KeyPointCoverage],
    evidence: Sequence[PointEvidence | None],
    gaps: set[str],
) -> bool:
    """No result told after the story's first action, in a story whose ending the question does not give; no point
    about the result may have been made after the last action (RESULT_SAID_AT) or is already a gap."""
    if _result_told(analysis) or _OUTCOME_GIVEN.search(question.text.lower()):
        return False
    return not any(
        (e.after_actions if e is not None else p.probability) >= RESULT_SAID_AT or key_point_target(p.point) in gaps
        for p, e in zip(points, evidence, strict=True)
        if _RESULT_POINT.search(p.point.lower())
    )


def _result_told(analysis: TextAnalysis) -> bool:
    """A sentence the STAR roles call a result, or a quantified result, after the story's first action: "usage had
    dropped by half" before anything was done is the situation, not how it ended."""
    actions = [r.sentence for r in analysis.roles if r.primary == "action" or "action" in r.parts]
    first = min(actions, default=-1)
    told = [r.sentence for r in analysis.roles if "result" in r.parts] + [q.sentence for q in analysis.quantified_results]
    return any(i > first for i in told)


def _we_without_i(analysis: TextAnalysis) -> int:
    """How often "we" was said when the candidate never says what they did themselves; 0 otherwise."""
    norms = analysis.norms
    if any(first_person_action(n, ("i",)) is not None or _OWN_PART.search(n) for n in norms):
        return 0
    if not any(first_person_action(n, ("we",)) is not None for n in norms):
        return 0
    we = sum(n.split().count("we") + n.split().count("we'd") + n.split().count("we're") for n in norms)
    return we if we >= _MIN_WE else 0


def _listed_topics(analysis: TextAnalysis, answer: AnswerText) -> bool:
    """Key words read out ("Base62. Hashing. Caching, Redis."): most sentences say nothing of their own."""
    if len(analysis.norms) < _MIN_LISTED:
        return False
    borrowed = content_stems(" ".join(answer.key_points))
    said = sum(has_substance(n, borrowed) for n in analysis.norms)
    return said / len(analysis.norms) < _SUBSTANCE_SHARE


def _specifics_gap(features: AnswerFeatures, spoken: str, story: bool) -> Gap | None:
    """A story with no number or name, or any answer that gestures ("a lot of things") and shows little: an
    explanation of a concept ("how would you explain overfitting") needs no number to be complete."""
    details = features.specificity
    vague = [v for v in features.vague_phrases if said(v, spoken)]
    if details.numbers + details.named_things == 0 and (story or vague):
        return Gap(SPECIFICS, "no number or name", vague[0] if vague else "")
    if vague and details.concrete_share < 0.2:
        return Gap(SPECIFICS, f'vague ("{vague[0]}") and few details', vague[0])
    return None


def said(phrase: str, spoken: str) -> bool:
    """The phrase occurs in the answer word for word, hesitations included (so never across an "um")."""
    return bool(phrase) and f" {phrase.lower()} " in f" {spoken} "


def _subject_quote(analysis: TextAnalysis, spoken: str) -> str:
    """A short noun phrase of the candidate's ("the migration") from their last action, or "" when none is clear:
    "the" and one or two nouns, with the phrase ending where the nouns do, so "the fraud scoring service" is not cut."""
    transcript = analysis.transcript
    actions = [r.sentence for r in analysis.roles if r.primary == "action" or "action" in r.parts]
    for index in reversed(actions):
        tokens = transcript.in_sentence(transcript.sentences[index])
        for i, token in enumerate(tokens):
            if token.norm != _DETERMINER or token.comma_after:
                continue
            nouns = []
            for following in tokens[i + 1 : i + 4]:
                if following.is_hesitation or not _is_noun_like(following.norm):
                    break
                nouns.append(following)
                if following.comma_after or following.ends_sentence:
                    break
            phrase = " ".join([token.norm, *(n.norm for n in nouns)])
            if 1 <= len(nouns) <= 2 and nouns[-1].norm not in _NOT_HEADS and said(phrase, spoken):
                return phrase
    return ""


def _is_noun_like(word: str) -> bool:
    return (
        word.isalpha()
        and len(word) >= 3
        and word not in STOPWORDS
        and word not in _GENERIC_NOUNS
        and not word.endswith(("ly", "ing", "ed"))
    )
