"""The deterministic decision: the most important gap not yet asked, at most max_follow_ups, never what was said."""

from __future__ import annotations

import re

import pytest

from rehearse.domain.analysis_model import KeyPointCoverage
from rehearse.domain.follow_ups import FollowUp
from rehearse.domain.model import Question
from rehearse.feedback.follow_up import decide_follow_up
from rehearse.feedback.follow_up.gaps import (
    OWN_WORDS,
    PointEvidence,
    measure,
    not_made,
    own_words,
    with_question,
)
from rehearse.feedback.scoring.features import analyse_text, features_from
from rehearse.feedback.scoring.substance import stem
from tests.follow_up.conftest import COMPLETE_STORY, NO_RESULT, PROJECT, VAGUE, WE_ONLY, answer, bank_question, without_points

STORY = without_points(PROJECT)  # no key points: only the gaps the text alone shows
BANK = bank_question("swe-02")  # with the bank's spoken examples, which the coverage model needs
OVERFITTING = bank_question("ds-04")
CHURN = bank_question("cs-02")


def _words_in(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def test_a_story_without_a_result_is_asked_for_it_quoting_the_candidates_words():
    follow_up = decide_follow_up(STORY, answer(NO_RESULT, STORY))

    assert follow_up is not None and follow_up.targets == "result"
    assert follow_up.text.startswith("You mentioned the ") and follow_up.text.endswith("in numbers?")
    quoted = follow_up.text.removeprefix("You mentioned ").split(".")[0]
    assert f" {quoted} " in f" {_words_in(NO_RESULT)} "


def test_we_with_no_i_is_asked_for_the_candidates_own_part():
    follow_up = decide_follow_up(STORY, answer(WE_ONLY, STORY))

    assert follow_up == FollowUp(
        text=follow_up.text, targets="ownership", reason=follow_up.reason
    ) and "your own part" in follow_up.text or "yourself" in follow_up.text


def test_a_vague_answer_is_asked_for_specifics_quoting_a_vague_phrase_it_said():
    question = Question(id="custom", text="How do you handle a difficult week?", kind="technical")
    follow_up = decide_follow_up(question, answer(VAGUE, question))

    assert follow_up is not None and follow_up.targets == "specifics"
    quoted = re.search(r"'([^']+)'", follow_up.text)
    assert quoted is not None and quoted.group(1) in VAGUE


def test_a_complete_story_gets_no_follow_up():
    assert decide_follow_up(STORY, answer(COMPLETE_STORY, STORY)) is None


def test_zero_follow_ups_turns_them_off():
    assert decide_follow_up(STORY, answer(NO_RESULT, STORY), max_follow_ups=0) is None


def test_no_more_than_max_follow_ups_per_question():
    asked = [FollowUp("What was the result, in numbers?", "result", "no result stated")]
    assert decide_follow_up(STORY, answer(NO_RESULT, STORY), asked=asked, max_follow_ups=1) is None


def test_a_target_already_asked_is_never_asked_again():
    asked = [FollowUp("What was the result, in numbers?", "result", "no result stated")]
    follow_up = decide_follow_up(STORY, answer(WE_ONLY.replace("As a result, invoice runs went from six hours to forty minutes.", ""), STORY), asked=asked, max_follow_ups=2)

    assert follow_up is not None and follow_up.targets == "ownership"


def test_the_same_inputs_give_the_same_follow_up_and_the_seed_varies_the_words():
    first = decide_follow_up(STORY, answer(VAGUE, STORY))
    assert first == decide_follow_up(STORY, answer(VAGUE, STORY))
    texts = {decide_follow_up(STORY, answer(VAGUE, STORY), seed=f"session-{i}").text for i in range(12)}  # type: ignore[union-attr]
    assert len(texts) > 1


def test_a_question_that_gives_the_ending_is_not_asked_for_a_result():
    lost = Question(id="sales-04", kind="behavioral", text="Tell me about a deal you lost. What happened?")
    follow_up = decide_follow_up(lost, answer(NO_RESULT, lost))
    assert follow_up is None or follow_up.targets != "result"


def test_silence_gets_no_follow_up():
    assert decide_follow_up(STORY, answer("", STORY).model_copy(update={"text": "um"})) is None


# -- with the embedder: key points and relevance ------------------------------------------------------------------
def test_a_missing_key_point_is_probed_with_the_banks_probe(embedder):
    text = (
        "I owned the scoring service for our fraud checks while two teammates owned the feature store. "
        "As a result, p99 latency dropped from two hundred to forty milliseconds."
    )
    follow_up = decide_follow_up(BANK, answer(text, BANK), embedder=embedder)

    assert follow_up is not None and follow_up.targets.startswith("key_point:")
    point = follow_up.targets.removeprefix("key_point:")
    assert point not in {"separates own contribution from the team's work", "names a measurable result such as latency or cost"}
    assert follow_up.text in (BANK.probes or PROJECT.probes)[point]


def test_an_answer_to_another_question_is_brought_back_to_the_question(embedder):
    text = (
        "I write unit tests for the logic first, then a few integration tests against a real database, and only a "
        "handful of end to end tests, because they are slow and flaky. I test behaviour, not implementation details."
    )
    follow_up = decide_follow_up(PROJECT, answer(text), embedder=embedder)

    assert follow_up is not None and follow_up.targets == "relevance"
    assert follow_up.text == f"Let me bring you back to the question: {PROJECT.text}"


def test_a_covered_key_point_is_never_asked_for(embedder):
    text = (
        "At my last job our fraud checks had to answer in under fifty milliseconds and took two hundred at peak. "
        "I owned the scoring service while two teammates owned the feature store. "
        "We considered precomputing scores nightly, but that missed new fraud patterns, so we rejected it. "
        "I batched the feature lookups into one Redis call and rewrote the hot path in Go. "
        "As a result, p99 latency dropped from two hundred to forty milliseconds. "
        "Looking back, I would have load tested the batch size before going to production."
    )
    assert decide_follow_up(BANK, answer(text, BANK), embedder=embedder) is None


@pytest.mark.parametrize("count", [1, 2, 3])
def test_follow_ups_never_repeat_a_target_up_to_the_limit(embedder, count):
    asked: list[FollowUp] = []
    for _ in range(count):
        follow_up = decide_follow_up(PROJECT, answer(VAGUE), asked=asked, max_follow_ups=count, embedder=embedder)
        if follow_up is None:
            break
        assert follow_up.targets not in {f.targets for f in asked}
        asked.append(follow_up)
    assert decide_follow_up(PROJECT, answer(VAGUE), asked=asked, max_follow_ups=count, embedder=embedder) is None or len(asked) < count


# -- the evidence per key point (docs/follow-ups.md) -----------------------------------------------------------------
def _coverage(point: str, probability: float, state: str) -> KeyPointCoverage:
    return KeyPointCoverage(point=point, similarity=0.4, covered=state == "covered", best_sentence="", probability=probability, state=state)


def test_an_unclear_point_no_sentence_fits_best_and_none_says_in_its_words_is_not_made():
    point = _coverage("guards against leakage", 0.45, "unclear")
    alone = PointEvidence(contrast=-0.2, own_words=0, after_actions=0.0)

    assert not_made(point, alone)
    assert not not_made(point)  # without the evidence (not the answer's least likely point): probability alone
    assert not not_made(point, PointEvidence(contrast=0.05, own_words=0, after_actions=0.0))  # a sentence of its own
    assert not not_made(point, PointEvidence(contrast=-0.2, own_words=OWN_WORDS, after_actions=0.0))  # its own words
    assert not not_made(_coverage("guards against leakage", 0.7, "covered"), alone)
    assert not_made(_coverage("guards against leakage", 0.2, "unclear"))


def test_own_words_are_a_points_words_that_no_other_point_and_not_the_question_use():
    question = Question(
        id="custom",
        text="How would you prevent overfitting?",
        key_points=["mentions regularization", "guards against leakage"],
        examples={"mentions regularization": ["I add an L2 penalty"], "guards against leakage": ["No future data in features"]},
        probes={"guards against leakage": ["What about future data?"]},
    )
    regularization, leakage = own_words(question, question.key_points)

    assert {stem("regularization"), "l2", stem("penalty")} <= regularization
    assert stem("future") in leakage and stem("leakage") in leakage
    assert not regularization & leakage and stem("overfitting") not in regularization | leakage


def test_the_features_are_the_scoring_cores(embedder):
    text = (
        "I'd say overfitting is a model learning its training data by heart. I keep a test set aside and use "
        "cross-validation, and I watch the gap between training and validation error."
    )
    with_points = with_question(answer(text, OVERFITTING), OVERFITTING)
    analysis = analyse_text(with_points)
    features, evidence = measure(OVERFITTING, with_points, analysis, embedder)

    assert features == features_from(with_points, analysis, embedder, None)
    assert len(evidence) == len(features.key_points)


def test_a_story_whose_result_point_fits_only_the_situation_is_asked_for_the_result(embedder):
    text = (
        "My account at a regional bank had their renewal coming up and the contract was worth about two hundred "
        "thousand a year. Usage had dropped for two months and my champion went quiet. I set up a meeting with their "
        "head of operations and asked what had changed. The root cause was a reporting feature we had removed. I put "
        "together a plan to bring back the report, pulled in our product manager to scope it, and ran a workshop for "
        "their analysts. I kept a standing call with their head of operations every Friday."
    )
    follow_up = decide_follow_up(CHURN, answer(text, CHURN), embedder=embedder)

    assert follow_up is not None and follow_up.targets == "result"


@pytest.mark.parametrize(("probability", "named", "redirected"), [
    (0.39, None, False), (0.39, "How do you approach testing your code?", True), (0.1, None, True),
])  # fmt: skip
def test_the_candidate_is_told_they_answered_another_question_only_when_the_judge_is_sure(monkeypatch, probability, named, redirected):
    """Just under the off-topic line with no question it clearly fits better is a weak answer to this one, not an
    answer to another: "Let me bring you back to the question" would tell the candidate something false."""
    from rehearse.domain.analysis_model import Relevance
    from rehearse.feedback.follow_up import gaps

    def off_topic(question, text, analysis, embedder):
        features = features_from(text, analysis, None, None)
        relevance = Relevance(probability=probability, state="off_topic", closest_question=named, substance=True)
        return features.model_copy(update={"relevance": relevance}), ()

    monkeypatch.setattr(gaps, "measure", off_topic)
    follow_up = decide_follow_up(STORY, answer(NO_RESULT))

    if redirected:
        assert follow_up is not None and follow_up.targets == "relevance"
    else:
        assert follow_up is not None and follow_up.targets == "result"  # the story's own gap, not a redirect
