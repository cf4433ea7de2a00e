"""An answer's gaps, most important first: what a follow-up may target, measured by the scoring core.

The order (docs/follow-ups.md): an answer to another question first, since nothing else in it counts for this one;
then the key points not made, in the bank's order; then, for a story, no result, then "we" with no "I"; then no
specifics at all. Only what was measured as missing is a gap: a point the scorer may have heard made is left alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehearse.domain.analysis_model import AnswerFeatures, AnswerText, KeyPointCoverage
from rehearse.domain.follow_ups import OWNERSHIP, RELEVANCE, RESULT, SPECIFICS, key_point_target
from rehearse.domain.model import Question
from rehearse.feedback.scoring.features import TextAnalysis, analyse_text, features_from
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
# A covered point that already says the result, or the candidate's own part: never ask for them again.
_RESULT_POINT = re.compile(r"\b(?:results?|outcomes?|impact|metrics?|measur\w*|quantif\w*|numbers?|resolution)\b")
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
# An answer whose sentences mostly say nothing of their own is key words read out (dev: 0.07-0.2; any other answer
# 0.67 or more).
_SUBSTANCE_SHARE = 0.4
_MIN_LISTED = 3
RESULT_SAID_AT = 0.5  # a point about the result this likely made: the result may have been said, so it is not asked


@dataclass(frozen=True)
class Gap:
    """One thing the answer left out, as a follow-up target, with the candidate's words the wording may quote."""

    targets: str
    reason: str
    quote: str = ""  # verified to be said, in this order, with no hesitation inside
    wording: str = ""  # a variant of the target's wording: "topics" for key words read out


@dataclass(frozen=True)
class Assessment:
    """What the scoring core measured of the answer, and its gaps in order of importance."""

    gaps: tuple[Gap, ...]
    points: tuple[KeyPointCoverage, ...]  # empty without an embedder: key points are then not judged
    answer_text: str


def assess(question: Question, answer: AnswerText, embedder: Embedder | None) -> Assessment:
    """The answer's gaps. Without an embedder neither relevance nor key points are measured, so neither is a gap."""
    answer = with_question(answer, question)
    analysis = analyse_text(answer)
    spoken = " ".join(t.norm for t in analysis.transcript.tokens)
    if not analysis.transcript.spoken_words:
        return Assessment((), (), "")
    features = features_from(answer, analysis, embedder, None)
    text = " ".join(t.raw for t in analysis.transcript.tokens)
    relevance = features.relevance
    if relevance is not None and relevance.state == "off_topic" and relevance.substance:
        reason = "answers another question" + (f': "{relevance.closest_question}"' if relevance.closest_question else "")
        return Assessment((Gap(RELEVANCE, reason),), tuple(features.key_points), text)
    if (relevance is not None and not relevance.substance) or _listed_topics(analysis, answer):
        # Key words read out: no point is made, so asking for one would only get more key words.
        return Assessment((Gap(SPECIFICS, "names topics without saying what was done", wording="topics"),), tuple(features.key_points), text)
    covered = [p.point for p in features.key_points if p.state == "covered"]
    story = asks_for_story(question)
    gaps = []
    if story and (we := _we_without_i(analysis)) and not any(_OWN_PART_POINT.search(p) for p in covered):
        gaps.append(Gap(OWNERSHIP, f'"we" {we} times and no action of their own'))
    missing = sorted(
        (p for p in features.key_points if not_made(p) and probeable(question, p.point)),
        key=lambda p: (p.state != "missed", p.probability if p.state != "missed" else 0.0),
    )  # the clearly missed in the bank's order, then the least likely made
    gaps += [Gap(key_point_target(p.point), f'key point not made: "{p.point}"') for p in missing]
    if story and _needs_result(question, features, {g.targets for g in gaps}):
        gaps.append(Gap(RESULT, "no result stated", _subject_quote(analysis, spoken)))
    if gap := _specifics_gap(features, spoken, story):
        gaps.append(gap)
    return Assessment(tuple(gaps), tuple(features.key_points), text)


def not_made(point: KeyPointCoverage) -> bool:
    """Missed, or so unlikely made that asking for it cannot ask for what was said (PROBE_BELOW, tuned on the dev
    set: made points measure as low as 0.28 there)."""
    return point.state == "missed" or (point.state == "unclear" and point.probability < PROBE_BELOW)


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


def _needs_result(question: Question, features: AnswerFeatures, gaps: set[str]) -> bool:
    """No result stated, in a story whose ending the question does not give; no point about the result may have been
    made (RESULT_SAID_AT) or is already a gap."""
    if features.star.result or features.specificity.quantified_results > 0 or _OUTCOME_GIVEN.search(question.text.lower()):
        return False
    points = features.key_points
    result_points = [p for p in points if _RESULT_POINT.search(p.point.lower())]
    return not any(p.probability >= RESULT_SAID_AT or key_point_target(p.point) in gaps for p in result_points)


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
