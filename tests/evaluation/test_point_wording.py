"""Key points inside sentences to the candidate: the bank's "what a good answer does" reads as advice ("Also explain
...") and as praise ("You explained ..."), never "Also cover explains ..."."""

from __future__ import annotations

import re

import pytest

from rehearse.domain.analysis_model import KeyPointCoverage
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.evaluation.deterministic import evaluate_answer, strengths_of
from rehearse.feedback.evaluation.point_wording import done, imperative
from tests.evaluation.factories import answer, answer_score, scores, strong_features, weak_features

BANK_POINTS = sorted({p for role in default_bank().roles() for q in role.questions for p in q.key_points})


@pytest.mark.parametrize(
    ("point", "advice", "praise"),
    [
        ("explains how they measured the problem", "explain how you measured the problem", "explained how you measured the problem"),
        ("separates own contribution from the team's work", "separate your own contribution from the team's work",
         "separated your own contribution from the team's work"),
        ("chooses a key value store and justifies it", "choose a key value store and justify it", "chose a key value store and justified it"),
        ("builds and executes a clear recovery plan", "build and execute a clear recovery plan", "built and executed a clear recovery plan"),
        ("clarifies requirements like traffic", "clarify requirements like traffic", "clarified requirements like traffic"),
        ("spots early warning signs of churn risk", "spot early warning signs of churn risk", "spotted early warning signs of churn risk"),
        ("watches support ticket volume", "watch support ticket volume", "watched support ticket volume"),
        ("ties reliability work to business outcomes", "tie reliability work to business outcomes", "tied reliability work to business outcomes"),
        ("acknowledged the merits of the other view", "acknowledge the merits of the other view", "acknowledged the merits of the other view"),
        ("committed to the final decision", "commit to the final decision", "committed to the final decision"),
        ("double-checked data and methods", "double-check data and methods", "double-checked data and methods"),
        ("names the languages and systems used most", "name the languages and systems used most", "named the languages and systems used most"),
        ("presented findings clearly with visuals and caveats", "present findings clearly with visuals and caveats",
         "presented findings clearly with visuals and caveats"),
        ("uses dashboards, logs and traces to narrow scope", "use dashboards, logs and traces to narrow scope",
         "used dashboards, logs and traces to narrow scope"),
    ],
)  # fmt: skip
def test_a_point_opening_with_a_verb_becomes_advice_and_praise(point, advice, praise):
    assert imperative(point) == advice
    assert done(point) == praise


@pytest.mark.parametrize("point", ["baseline measurement", "quantified result", "tests and monitoring", "names of stakeholders", "process changes", "analysis of the data", "root cause"])
def test_a_noun_phrase_is_left_to_the_caller(point):
    assert imperative(point) is None and done(point) is None


def test_every_bank_point_reads_as_advice_with_no_third_person_verb_left():
    for point in BANK_POINTS:
        advice, praise = imperative(point), done(point)
        assert advice is not None and praise is not None, point
        if point.split()[0].endswith("s"):  # "summarizes" -> "summarize", "focuses" -> "focus"
            assert advice.split()[0] != point.split()[0] and praise.split()[0] != point.split()[0], (point, advice, praise)
        assert " they " not in f" {advice} " and " their " not in f" {advice} ", (point, advice)


def test_the_evaluator_advises_and_praises_bank_points_in_plain_sentences():
    features = weak_features(
        key_points=[
            KeyPointCoverage(point="explains the specific constraint that made it hard", similarity=0.8, covered=True,
                             probability=0.9, state="covered",
                             best_sentence="We could not lose a single upload during the switch."),
            KeyPointCoverage(point="compares alternatives considered and why rejected", similarity=0.1, covered=False,
                             probability=0.05, state="missed"),
        ]
    )  # fmt: skip
    evaluation = evaluate_answer(answer(), answer_score(features, scores(structure=90, clarity=90, content=30)))
    lines = evaluation.improvements + evaluation.strengths
    assert "Also compare alternatives considered and why rejected; interviewers listen for it in this question." in lines
    strengths = strengths_of(features, scores(content=90))
    assert any(s.startswith("You explained the specific constraint that made it hard") for s in strengths), strengths
    assert not any(re.search(r"\b(cover|covered|Make) (explains|compares)\b", line) for line in lines + strengths)


def test_a_custom_point_that_is_a_noun_phrase_keeps_its_wording():
    features = strong_features(
        key_points=[KeyPointCoverage(point="baseline measurement", similarity=0.8, covered=True, probability=0.9, state="covered",
                                     best_sentence="Before touching anything I profiled the endpoint.")],
        specificity=weak_features().specificity,
    )  # fmt: skip
    strengths = strengths_of(features, scores(content=95, structure=20, clarity=20, confidence=20))
    assert any(s.startswith("You covered baseline measurement") for s in strengths), strengths


def test_the_report_recommends_a_missed_bank_point_as_advice():
    from rehearse.feedback.evaluation.report import build_report
    from tests.evaluation.factories import question

    features = strong_features(
        key_points=[KeyPointCoverage(point="summarizes current role and scope briefly", similarity=0.1, covered=False)],
    )
    score = answer_score(features, scores(content=30, structure=90, clarity=90, confidence=90), question_id="q1", index=0)
    report = build_report("s1", [question("q1", 0)], [score], [], {})
    assert "Cover the key points: you missed 1; for example, summarize current role and scope briefly." in report.recommendations
