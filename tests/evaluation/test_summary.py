"""Question summaries: 3-5 short bullets, a 'Try:' line for the rewrite, and a clear line when there was no answer."""

from __future__ import annotations

from rehearse.domain.analysis_model import Rewrite
from rehearse.feedback.evaluation.deterministic import evaluate_answer
from rehearse.feedback.evaluation.rewrite import RESULT_PLACEHOLDER
from rehearse.feedback.evaluation.summary import BULLET_CHARS, NO_ANSWER, summarize_question
from tests.evaluation.factories import (
    STRONG_ANSWER,
    answer,
    answer_score,
    evaluation,
    question,
    scores,
    strong_features,
    weak_features,
)


def assert_short_bullets(bullets: list[str]) -> None:
    assert 3 <= len(bullets) <= 5
    assert all(len(b) < BULLET_CHARS and "\n" not in b for b in bullets)
    assert len(set(bullets)) == len(bullets)


def test_an_evaluated_answer_gets_strong_improve_and_try_bullets():
    score = answer_score(weak_features(), scores(55, 40, 50, 45))
    summary = summarize_question("s1", question(), score, evaluate_answer(answer(), score))

    assert_short_bullets(summary.bullets)
    assert summary.bullets[0] == summary.strong[0]
    assert summary.improve[0] in summary.bullets
    assert summary.bullets[-1] == "Try: My task was to make it faster for everyone [the result]."
    assert summary.id == "s1.q1.summary" and summary.overall == score.overall and summary.question_index == 0


def test_a_long_rewrite_is_cut_to_one_short_bullet():
    long = "I " + " ".join(["rewrote the deploy scripts and the test harness"] * 4) + f" {RESULT_PLACEHOLDER}."
    summary = summarize_question("s1", question(), answer_score(), evaluation(rewrite=Rewrite(original="x", improved=long)))

    assert_short_bullets(summary.bullets)
    assert summary.bullets[-1].startswith("Try: I rewrote") and summary.bullets[-1].endswith("…")


def test_a_strong_answer_still_gets_three_bullets():
    score = answer_score(strong_features(), scores(85, 90, 88, 80))
    summary = summarize_question("s1", question(), score, evaluate_answer(answer(STRONG_ANSWER), score))

    assert_short_bullets(summary.bullets)
    assert not any(b.startswith("Try:") for b in summary.bullets)  # nothing needed rewriting


def test_without_an_evaluation_the_rubric_evidence_is_used():
    score = answer_score(weak_features(), scores(content=80, structure=35))
    summary = summarize_question("s1", question(), score, None)

    assert_short_bullets(summary.bullets)
    assert summary.bullets[0] == "Strongest: content, 80/100."
    assert summary.bullets[1] == "Work on structure, 35/100."


def test_a_question_without_an_answer_says_so():
    summary = summarize_question("s1", question("q9", 3), None, None)

    assert summary.bullets[0] == NO_ANSWER
    assert_short_bullets(summary.bullets)
    assert summary.overall is None and summary.rewrite is None and summary.id == "s1.q9.summary"


def test_an_answer_with_no_words_counts_as_no_answer():
    summary = summarize_question("s1", question(), answer_score(weak_features(word_count=0)), None)

    assert summary.bullets[0] == NO_ANSWER


def test_the_same_inputs_give_the_same_summary():
    score = answer_score(weak_features())
    made = {summarize_question("s1", question(), score, evaluate_answer(answer(), score)).model_dump_json() for _ in range(3)}

    assert len(made) == 1
