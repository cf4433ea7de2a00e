"""The final report: word-weighted scores, combined confidence, 30-second timeline windows, recommendations."""

from __future__ import annotations

import pytest

from rehearse.domain.analysis_model import Rewrite
from rehearse.feedback.evaluation.report import answer_timeline, build_report
from tests.evaluation.factories import answer_score, evaluation, question, scores, strong_features, timed_words, weak_features


def scored(question_id: str, index: int, words: int, content: int, *, certainty: float = 0.7, strong: bool = False, **dims):
    features = (strong_features if strong else weak_features)(word_count=words)
    return answer_score(features, scores(content=content, certainty=certainty, **dims), question_id=question_id, index=index)


def test_overall_scores_weight_each_answer_by_its_word_count():
    answers = [scored("q1", 0, 100, 40, structure=50), scored("q2", 1, 300, 80, structure=90)]
    report = build_report("s1", [question("q1", 0), question("q2", 1)], answers, [], {})

    assert report.scores.content.score == 70  # (40*100 + 80*300) / 400
    assert report.scores.structure.score == 80
    assert report.overall == round((answers[0].overall * 100 + answers[1].overall * 300) / 400)
    assert report.id == "s1.report" and report.rubric.id == "behavioural"


def test_unanswered_questions_show_as_zero_and_stay_out_of_the_averages():
    questions = [question("q1", 0), question("q2", 1)]
    report = build_report("s1", questions, [scored("q1", 0, 100, 60)], [], {})

    assert report.scores.content.score == 60
    [first, second] = report.questions
    assert (first.question_id, second.question_id) == ("q1", "q2")
    assert second.overall == 0 and second.word_count == 0 and second.scores.content.score == 0
    assert report.recommendations[0] == (
        "Answer every question: 1 of 2 had no answer; it shows as 0 and is left out of the averages."
    )


def test_confidence_grows_with_agreeing_answers_and_falls_when_they_disagree():
    one = build_report("s1", [question("q1", 0)], [scored("q1", 0, 100, 60)], [], {})
    agreeing = [scored(f"q{i}", i, 100, 60) for i in range(4)]
    four = build_report("s1", [question(f"q{i}", i) for i in range(4)], agreeing, [], {})
    disagreeing = [scored(f"q{i}", i, 100, 20 if i % 2 else 100) for i in range(4)]
    split = build_report("s1", [question(f"q{i}", i) for i in range(4)], disagreeing, [], {})

    assert one.scores.content.confidence == 0.7
    assert four.scores.content.confidence > one.scores.content.confidence
    assert split.scores.content.confidence < four.scores.content.confidence
    assert four.scores.content.level == "high" and split.scores.content.level in {"low", "medium"}


def test_timeline_has_one_point_per_30_seconds_of_each_answer():
    # 150 words, one every 0.5 s from 2.0 s: windows [2, 32), [32, 62) and a last one from 62 s to the last word's end.
    words = timed_words(150, 0.5, start=2.0, filler_every=10)
    points = answer_timeline(1, words)

    assert [p.minute for p in points] == [0.0, 0.5, 1.0]
    assert [p.pace_wpm for p in points[:2]] == [120.0, 120.0]
    assert [p.fillers_per_min for p in points[:2]] == [12.0, 12.0]
    last_window_min = (76.5 + 0.4 - 62.0) / 60
    assert points[2].pace_wpm == pytest.approx(30 / last_window_min, abs=0.1)
    assert points[2].fillers_per_min == pytest.approx(3 / last_window_min, abs=0.1)
    assert all(p.question_index == 1 for p in points)


def test_report_timeline_follows_the_question_order():
    answers = [scored("q2", 1, 40, 60), scored("q1", 0, 40, 60)]
    words = {"q1": timed_words(20, 0.5), "q2": timed_words(140, 0.5)}
    report = build_report("s1", [question("q2", 1), question("q1", 0)], answers, [], words)

    assert [(p.question_index, p.minute) for p in report.timeline] == [(0, 0.0), (1, 0.0), (1, 0.5), (1, 1.0)]


def test_recommendations_start_with_the_weakest_dimension_and_are_three_to_five():
    answers = [scored("q1", 0, 100, 70, structure=30, clarity=60, confidence=80)]
    report = build_report("s1", [question("q1", 0)], answers, [], {})

    assert 3 <= len(report.recommendations) <= 5
    assert report.recommendations[0].startswith("End every answer with the result: 1 of 1 answers had none.")
    assert report.recommendations[1].startswith("Cut filler words: 9 per minute overall, mostly 'um'.")


def test_the_weakest_answer_gives_the_example_phrasing():
    weak_rewrite = Rewrite(original="Um, I think we fixed it.", improved="I fixed it.")
    answers = [scored("q1", 0, 100, 90, strong=True, structure=90, clarity=90, confidence=90), scored("q2", 1, 100, 30)]
    evaluations = [
        evaluation("q1", rewrite=Rewrite(original="a", improved="b")),
        evaluation("q2", rewrite=weak_rewrite, source="llm"),
    ]
    report = build_report("s1", [question("q1", 0), question("q2", 1)], answers, evaluations, {})

    assert report.weakest_question_id == "q2" and report.example_phrasing == weak_rewrite
    assert report.evaluator == "llm"
    assert report.recommendations[-1] == "Practise 'Tell me about a time you improved a…' again: it scored lowest, 60/100."


def test_an_interview_without_answers_still_reports():
    report = build_report("s1", [question("q1", 0), question("q2", 1)], [], [], {})

    assert report.overall == 0 and report.weakest_question_id is None and report.example_phrasing is None
    assert [q.overall for q in report.questions] == [0, 0] and report.timeline == []
    assert 3 <= len(report.recommendations) <= 5 and report.evaluator == "deterministic"


def test_the_same_inputs_give_the_same_report():
    answers = [scored("q1", 0, 120, 50), scored("q2", 1, 80, 70, strong=True)]
    words = {"q1": timed_words(90, 0.4, filler_every=7)}
    made = {
        build_report("s1", [question("q1", 0), question("q2", 1)], answers, [evaluation("q1")], words).model_dump_json()
        for _ in range(3)
    }

    assert len(made) == 1
