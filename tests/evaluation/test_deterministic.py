"""The deterministic evaluator: specific strengths and improvements, one rewritten sentence, the same output every time."""

from __future__ import annotations

import re

from rehearse.domain.analysis_model import StarStructure
from rehearse.feedback.evaluation.deterministic import MISSING_RESULT, DeterministicEvaluator, evaluate_answer
from rehearse.feedback.evaluation.rewrite import RESULT_PLACEHOLDER
from rehearse.feedback.evaluation.wording import padding_in
from tests.evaluation.factories import (
    STRONG_ANSWER,
    WEAK_ANSWER,
    answer,
    answer_score,
    scores,
    strong_features,
    weak_features,
)

PADDING_WORDS = re.compile(r"\b(um|uh|like|kind of|you know|i think|maybe|so)\b", re.IGNORECASE)


async def test_the_sentence_with_most_fillers_and_hedges_is_rewritten_without_them():
    evaluation = await DeterministicEvaluator().evaluate(answer(WEAK_ANSWER), answer_score(weak_features()))

    assert evaluation.rewrite is not None
    assert evaluation.rewrite.original == "Um, so I think my task was, like, to kind of make it faster, you know, for everyone."
    improved = evaluation.rewrite.improved.removesuffix(f" {RESULT_PLACEHOLDER}.")
    assert improved == "My task was to make it faster for everyone"
    assert not PADDING_WORDS.search(improved) and padding_in(improved) == []


def test_a_missing_result_is_the_first_improvement_and_gets_a_placeholder():
    evaluation = evaluate_answer(answer(), answer_score(weak_features(), scores(structure=90, clarity=30)))

    assert evaluation.improvements[0] == MISSING_RESULT
    assert evaluation.rewrite is not None and evaluation.rewrite.improved.endswith(f"{RESULT_PLACEHOLDER}.")


def test_an_answer_with_a_result_is_not_asked_for_one():
    evaluation = evaluate_answer(answer(STRONG_ANSWER), answer_score(strong_features(), scores(85, 90, 88, 80)))

    assert not any("result" in line.lower() and line.startswith("Add") for line in evaluation.improvements)
    assert evaluation.rewrite is None  # nothing in the answer needs rewriting and it already has numbers


def test_a_measurable_result_is_quoted_as_a_strength():
    evaluation = evaluate_answer(answer(STRONG_ANSWER), answer_score(strong_features(), scores(95, 80, 80, 80)))

    assert evaluation.strengths[0] == "You named a measurable result: 'we cut costs by 30 percent'."


def test_fillers_are_quoted_with_their_count_and_rate():
    features = weak_features(filler_count=9, fillers={"um": 9}, fillers_per_min=4.5)
    evaluation = evaluate_answer(answer(), answer_score(features, scores(clarity=20)))

    assert "You said 'um' 9 times (4.5 per minute); pause silently instead." in evaluation.improvements


def test_hedges_are_quoted_in_the_order_said():
    evaluation = evaluate_answer(answer(), answer_score(weak_features(), scores(confidence=20)))

    assert "Drop the hedges: you said 'I think' and 'kind of'; say what you did plainly." in evaluation.improvements


def test_improvements_start_with_the_weakest_dimension_after_the_result():
    features = weak_features(fillers_per_min=9.0, mean_sentence_words=12.0)
    evaluation = evaluate_answer(answer(), answer_score(features, scores(content=80, structure=80, clarity=30, confidence=60)))

    assert evaluation.improvements[0] == MISSING_RESULT
    assert evaluation.improvements[1].startswith("You said 'um' twice")  # clarity, the weakest dimension
    assert evaluation.improvements[2].startswith("Drop the hedges")  # confidence, the next weakest


def test_one_to_three_strengths_and_improvements_each_short():
    cases = [
        (WEAK_ANSWER, weak_features(), scores(55, 40, 50, 45)),
        (STRONG_ANSWER, strong_features(), scores(85, 90, 88, 80)),
        (
            "We did it.",
            weak_features(word_count=3, key_points=[], hedges=[], hedge_count=0, filler_count=0, fillers={}),
            scores(20, 20, 20, 20),
        ),
    ]
    for text, features, score in cases:
        evaluation = evaluate_answer(answer(text), answer_score(features, score))
        assert 1 <= len(evaluation.strengths) <= 3 and 1 <= len(evaluation.improvements) <= 3
        assert all(len(line) < 160 and line.endswith((".", "'")) for line in evaluation.strengths + evaluation.improvements)
        assert evaluation.example_phrasing and evaluation.source == "deterministic" and evaluation.fallback_reason is None


def test_without_fillers_or_hedges_the_longest_sentence_is_rewritten():
    text = "I joined the platform team. The build was slow and flaky for everyone on the team. I fixed it."
    features = weak_features(hedges=[], hedge_count=0, filler_count=0, fillers={})
    evaluation = evaluate_answer(answer(text), answer_score(features))

    assert evaluation.rewrite is not None
    assert evaluation.rewrite.original == "The build was slow and flaky for everyone on the team."
    assert evaluation.rewrite.improved == f"The build was slow and flaky for everyone on the team {RESULT_PLACEHOLDER}."


def test_saying_we_much_more_than_i_is_pointed_out():
    text = "We planned it. We built it. We shipped it. We measured it."
    features = weak_features(star=StarStructure(action=True, result=True, situation=True, task=True, in_order=True))
    evaluation = evaluate_answer(answer(text), answer_score(features, scores(structure=20)))

    assert "Say 'I' for your own part: you said 'we' 4 times and 'I' 0 times." in evaluation.improvements


def test_example_phrasing_speaks_to_the_weakest_dimension():
    structure = evaluate_answer(answer(), answer_score(weak_features(), scores(structure=10)))
    clarity = evaluate_answer(answer(), answer_score(weak_features(), scores(clarity=10)))
    confidence = evaluate_answer(answer(), answer_score(weak_features(), scores(confidence=10)))

    assert structure.example_phrasing.startswith("Try this order.")
    assert "Task: 'My task was to make it faster for everyone'" in structure.example_phrasing
    assert "Result: [what changed, with a number]" in structure.example_phrasing
    assert clarity.example_phrasing == "Say it in short, plain sentences: 'My task was to make it faster for everyone.'"
    assert "not 'I think …'" in confidence.example_phrasing


def test_no_answer_gets_one_clear_next_step():
    evaluation = evaluate_answer(answer(""), answer_score(weak_features(word_count=0)))

    assert evaluation.strengths == [] and evaluation.rewrite is None
    assert evaluation.improvements[0].startswith("Answer out loud")


def test_the_same_answer_always_gets_the_same_evaluation():
    first = evaluate_answer(answer(), answer_score(weak_features(), scores(55, 40, 50, 45)))
    again = [evaluate_answer(answer(), answer_score(weak_features(), scores(55, 40, 50, 45))) for _ in range(5)]

    assert all(e.model_dump() == first.model_dump() for e in again)
    assert first.id == "s1.q1.evaluation"
