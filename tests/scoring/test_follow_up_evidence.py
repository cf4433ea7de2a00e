"""Scoring covers the whole exchange, follow-ups included: what was said only after a follow-up counts, a little less
for content, and its evidence says it came after a prompt."""

from __future__ import annotations

import pytest

from rehearse.domain.analysis_model import AnswerText, FollowUpTurn, KeyPointCoverage
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.scoring import load_rubric, score_answer
from rehearse.feedback.scoring.coverage import PROMPTED_WEIGHT, covered_share
from rehearse.feedback.scoring.features import extract_features
from rehearse.feedback.scoring.text import split_answer
from tests.scoring.conftest import answer_from_text, timed_answer

FIRST = "The hardest project was migrating forty million user records to a new database without downtime. I wrote the dual-write layer and the backfill jobs myself."
AFTER = "In the end, p95 latency fell from 900 milliseconds to 200 milliseconds and we saved thirty percent on hosting."
RESULT_POINT = "names a measurable result such as latency or cost"


def asked(first: str, n: int = 1, targets: str = "result") -> FollowUpTurn:
    """A follow-up asked after `first`, as answer_text() marks it: by word and by character."""
    return FollowUpTurn(n=n, text="What changed, in numbers?", targets=targets, from_word=len(first.split()), from_char=len(first) + 1)


def swe_02():
    return next(q for q in default_bank().role("software_engineer").questions if q.id == "swe-02")


def swe_answer(text: str, follow_ups: list[FollowUpTurn] | None = None) -> AnswerText:
    question = swe_02()
    return AnswerText(question_text=question.text, key_points=question.key_points, key_point_examples=question.examples,
                      question_id=question.id, text=text, role="software_engineer", follow_ups=follow_ups or [])  # fmt: skip


def test_a_follow_up_ends_the_sentence_before_it_and_each_sentence_knows_its_turn():
    first = "I rolled it back"  # no full stop: without the follow-up it would run into the answer to it
    answer = answer_from_text(f"{first} errors fell by half.", follow_ups=[asked(first)])
    transcript = split_answer(answer)
    assert [s.text for s in transcript.sentences] == ["I rolled it back", "errors fell by half."]
    assert [transcript.sentence_after_follow_up(s) for s in transcript.sentences] == [0, 1]


def test_timed_words_mark_the_turns_by_word_index():
    first = "We shipped it."
    second = "I wrote the cache."
    turns = [asked(first), FollowUpTurn(n=2, text="And you?", targets="ownership", from_word=len(f"{first} {second}".split()))]
    answer = timed_answer(f"{first} {second} It cut costs.", follow_ups=turns)
    transcript = split_answer(answer)
    assert [transcript.sentence_after_follow_up(s) for s in transcript.sentences] == [0, 1, 2]


def test_an_unanswered_follow_up_hands_the_words_to_the_next_one():
    first = "We shipped it."
    answer = answer_from_text(f"{first} I wrote the cache.", follow_ups=[asked(first), asked(first, n=2, targets="ownership")])
    transcript = split_answer(answer)
    assert [transcript.sentence_after_follow_up(s) for s in transcript.sentences] == [0, 2]


def test_without_follow_ups_nothing_changes():
    text = f"{FIRST} {AFTER}"
    assert split_answer(answer_from_text(text)).follow_up_starts == ()
    assert split_answer(answer_from_text(text, follow_ups=[])) == split_answer(answer_from_text(text))


def test_a_result_told_only_after_a_follow_up_is_marked_as_prompted():
    rubric = load_rubric("software_engineer")
    plain, prompted = swe_answer(f"{FIRST} {AFTER}"), swe_answer(f"{FIRST} {AFTER}", [asked(FIRST)])
    before, after = (extract_features(a, None, None) for a in (plain, prompted))
    assert before.star.after_follow_up == {} and after.star.after_follow_up == {"result": 1}
    assert after.star.result and after.star.evidence == before.star.evidence  # it counts: the same parts, the same quotes
    scores = score_answer(prompted, after, rubric)
    assert any(line.startswith("Result: ") and line.endswith('" (after a prompt)') for line in scores.content.evidence)
    assert "STAR parts: action, result (result after a follow-up)" in scores.structure.evidence
    assert all("prompt" not in line and "follow-up" not in line for line in score_answer(plain, before, rubric).structure.evidence)


def test_a_result_told_before_the_follow_up_is_not_prompted():
    first = f"{FIRST} {AFTER}"
    answer = answer_from_text(f"{first} We also cut the on-call load.", follow_ups=[asked(first)])
    features = extract_features(answer, None, None)
    assert features.star.result and "result" not in features.star.after_follow_up


def test_a_point_made_only_after_a_prompt_counts_a_little_less():
    made = KeyPointCoverage(point="a", similarity=0.6, covered=True, probability=0.9, state="covered")
    missed = KeyPointCoverage(point="b", similarity=0.1, covered=False, probability=0.1, state="missed")
    assert covered_share([made, missed]) == 0.5
    prompted = made.model_copy(update={"after_follow_up": 1})
    assert covered_share([prompted, missed]) == round((0.9 * PROMPTED_WEIGHT + 0.1) / 2, 3)
    assert 0.85 <= PROMPTED_WEIGHT < 1.0  # a little less, never nothing


def test_a_key_point_covered_only_after_a_follow_up_says_so(embedder):
    plain = swe_answer(f"{FIRST} {AFTER}")
    prompted = swe_answer(f"{FIRST} {AFTER}", [asked(FIRST, targets=f"key_point:{RESULT_POINT}")])
    before, after = (extract_features(a, embedder, None) for a in (plain, prompted))
    by_point = {kp.point: kp for kp in after.key_points}
    assert by_point[RESULT_POINT].state == "covered" and by_point[RESULT_POINT].after_follow_up == 1
    assert all(kp.after_follow_up == 0 for kp in after.key_points if kp.point != RESULT_POINT)
    assert all(kp.after_follow_up == 0 for kp in before.key_points)
    # The same points made, the prompted one counting PROMPTED_WEIGHT of its probability.
    assert [kp.state for kp in after.key_points] == [kp.state for kp in before.key_points]
    lost = by_point[RESULT_POINT].probability * (1 - PROMPTED_WEIGHT) / len(after.key_points)
    assert after.coverage == pytest.approx(before.coverage - lost, abs=0.002)
    rubric = load_rubric("software_engineer")
    evidence = score_answer(prompted, after, rubric).content.evidence
    assert any(line.startswith("Covered ") and line.endswith(f'(after a follow-up: "{RESULT_POINT}")') for line in evidence)
    assert not any(RESULT_POINT in line for line in evidence if line.startswith("Best covered"))  # the best is one volunteered
    assert score_answer(prompted, after, rubric).content.score <= score_answer(plain, before, rubric).content.score


def test_a_point_made_before_and_again_after_the_follow_up_is_not_prompted(embedder):
    first = f"{FIRST} {AFTER}"
    answer = swe_answer(f"{first} Latency fell from 900 milliseconds to 200 milliseconds.", [asked(first)])
    features = extract_features(answer, embedder, None)
    assert all(kp.after_follow_up == 0 for kp in features.key_points)
