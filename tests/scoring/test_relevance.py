"""Relevance: an answer to another question, however polished, is capped and told so; key words read out are not an
answer; a vague, fluent answer scores low on content and the evidence says why."""

from __future__ import annotations

import pytest

from eval.pairs import timed_words
from rehearse.domain.analysis_model import AnswerText, Relevance
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.evaluation.deterministic import improvements_of
from rehearse.feedback.scoring import extract_features, load_rubric, score_answer
from rehearse.feedback.scoring.relevance import Measured, addressed, judge, relevance_model

INCIDENT_ID = "swe-05"  # paged at night for an error spike: how would you investigate and resolve it?
ON_TOPIC = (
    "First I'd open the error dashboard and check what changed in the last hour, because nine times out of ten it's a "
    "deploy or a config flag. If a release went out at eleven, I'd roll it back straight away and watch whether the "
    "five hundred errors drop, and only then dig into the logs and traces to find the actual bug. While that's going "
    "on I'd post updates in the incident channel every twenty minutes so support knows what to tell customers. The "
    "next day I'd write a blameless postmortem with two or three follow-up tickets, like adding a canary stage."
)
OTHER_QUESTION = (
    "At my last company our design system had grown to three competing button components, and every team picked a "
    "different one. I proposed we consolidate, and I wrote a short RFC comparing the three, with usage counts from a "
    "script I ran across forty repositories. I paired with the two teams who owned the other versions, and we agreed "
    "on one API in a week. I then wrote a codemod that migrated about nine hundred call sites automatically. Within a "
    "month we deleted the other two components, the bundle shrank by sixty kilobytes, and new pages took less time to "
    "build because nobody argued about buttons anymore."
)
KEY_WORDS = (
    "Recent deploys and configuration changes. Mitigation before root cause, rolling back. Dashboards, logs and "
    "traces. Stakeholder updates. Blameless postmortem, follow-up actions. First, second, third, finally."
)
VAGUE = (
    "I think in a situation like that the most important thing is to stay calm and be methodical about it. You want "
    "to understand what is going on before you do anything, and make sure you look at all the different things that "
    "could be causing it. Communication is really important too, so I would make sure everyone is on the same page. "
    "Then once things are stable you want to learn from it so it does not happen again, which is really valuable."
)


def _answer(text: str) -> tuple[AnswerText, str]:
    role, question = next((r.id, q) for r in default_bank().roles() for q in r.questions if q.id == INCIDENT_ID)
    answer = AnswerText(
        question_text=question.text, key_points=list(question.key_points), key_point_examples=dict(question.examples),
        question_id=question.id, words=timed_words(text, 150), text=text, role=role,
    )  # fmt: skip
    return answer, role


def _scored(text: str, embedder):
    answer, role = _answer(text)
    features = extract_features(answer, embedder, None)
    return features, score_answer(answer, features, load_rubric(role))


def test_an_answer_to_another_question_is_capped_below_an_on_topic_answer_and_told_so(embedder):
    """The judge is not sure of this one (0.33, under the 0.42 line, no bank question named): it is capped as off
    topic, and told it hardly answers the question rather than that it answered another."""
    on_features, on_topic = _scored(ON_TOPIC, embedder)
    off_features, off_topic = _scored(OTHER_QUESTION, embedder)

    assert on_features.relevance.state == "on_topic"
    assert off_features.relevance.state == "off_topic" and not off_features.relevance.clearly_elsewhere
    assert off_topic.content.score <= 35 and off_topic.overall() < on_topic.overall()
    assert off_topic.content.evidence[0].startswith("Hardly answers the question, which asked:")
    answer, _ = _answer(OTHER_QUESTION)
    first = improvements_of(off_features, off_topic, OTHER_QUESTION, answer.question_text)[0]
    assert first.startswith("This answer hardly touched what the question asked")


HARD_PROJECT_ANSWER = (
    "The hardest project I've worked on was moving our image processing off a single big server onto a queue of "
    "workers. What made it hard was that about three hundred customers were uploading photos all day, and we couldn't "
    "lose a single upload during the switch. I designed the job format and wrote the worker service myself. I looked "
    "at just buying a bigger machine, and at a managed batch service, but the bigger machine only bought us a few "
    "months, so I went with a queue. Processing time at peak dropped from around four minutes to under twenty seconds, "
    "and the server bill went down by about a third."
)


def test_an_answer_the_judge_is_sure_fits_another_question_is_told_it_does_not_answer_and_which_it_fits(embedder):
    features, scores = _scored(HARD_PROJECT_ANSWER, embedder)
    assert features.relevance.clearly_elsewhere, features.relevance
    assert scores.content.evidence[0].startswith("Does not answer the question, which asked:")
    assert scores.content.evidence[1].startswith('Fits another question better: "Tell me about a technically challenging')
    answer, _ = _answer(HARD_PROJECT_ANSWER)
    first = improvements_of(features, scores, HARD_PROJECT_ANSWER, answer.question_text)[0]
    assert first.startswith("This answer did not address the question")


def test_key_words_read_out_are_named_topics_not_an_answer(embedder):
    features, scores = _scored(KEY_WORDS, embedder)
    assert not features.relevance.substance
    assert all(kp.state == "missed" for kp in features.key_points)
    assert scores.content.score <= 35
    assert scores.content.evidence[0].startswith("Names topics without answering")


def test_a_vague_fluent_answer_scores_low_on_content_and_clarity_says_why(embedder):
    _, on_topic = _scored(ON_TOPIC, embedder)
    features, vague = _scored(VAGUE, embedder)
    assert vague.content.score < 50 < on_topic.content.score
    assert any(line.startswith("Vague:") for line in vague.content.evidence)
    assert vague.clarity.score <= 62 and vague.clarity.evidence[0].startswith("Little to picture")
    assert features.specificity.numbers == 0


@pytest.mark.parametrize(
    ("own", "other", "text_margin", "state"),
    [(0.8, 0.3, 0.1, "on_topic"), (0.3, 0.8, -0.2, "off_topic"), (0.5, 0.5, 0.0, "on_topic")],
)
def test_the_relevance_rule_weighs_own_coverage_against_the_closest_other_question(own, other, text_margin, state):
    measured = Measured(own_share=own, own_fit=own, other_share=other, other_fit=other, text_margin=text_margin,
                        custom=False, other_text="Tell me about a time you disagreed with a teammate.")  # fmt: skip
    relevance = judge(measured)
    assert relevance.state == state
    # The rival is named only when the answer clearly makes more of its points.
    assert (relevance.closest_question is not None) == (state != "on_topic" and other > own + 0.15)


def test_an_answer_that_addresses_the_question_keeps_all_its_coverage():
    model = relevance_model()
    assert addressed(Relevance(probability=0.99, state="on_topic")) == 1.0
    assert addressed(Relevance(probability=0.01, state="off_topic")) == 0.0
    middle = (model.on_topic_at + model.off_topic_below) / 2
    assert addressed(Relevance(probability=middle, state="unclear")) == pytest.approx(0.5, abs=0.01)


THIN = (
    "In my last role I led a small team at Moved Our Billing Service to a new platform. We planned the work in stages, "
    "tested every step, and finished two weeks early."
)
HARD_PROJECT_ID = "swe-02"  # the most technically challenging project: what made it hard, how did you approach it


def test_a_thin_answer_just_under_the_line_is_not_told_it_answered_another_question(embedder):
    """A project story that never says what made it hard is a thin answer to the question about a hard project: the
    report says it hardly answers it, and keeps "does not answer" for an answer the judge is sure is elsewhere."""
    role, question = next((r.id, q) for r in default_bank().roles() for q in r.questions if q.id == HARD_PROJECT_ID)
    answer = AnswerText(
        question_text=question.text, key_points=list(question.key_points), key_point_examples=dict(question.examples),
        question_id=question.id, words=timed_words(THIN, 150), text=THIN, role=role,
    )  # fmt: skip
    features = extract_features(answer, embedder, None)
    scores = score_answer(answer, features, load_rubric(role))
    assert features.relevance.state == "off_topic" and not features.relevance.clearly_elsewhere, features.relevance
    assert scores.content.evidence[0].startswith("Hardly answers the question, which asked:")
    first = improvements_of(features, scores, THIN, question.text)[0]
    assert first.startswith("This answer hardly touched what the question asked")
    assert "did not address" not in first and "another question" not in first


@pytest.mark.parametrize(
    ("probability", "closest", "sure"),
    [(0.41, None, False), (0.19, None, True), (0.41, "Tell me about a deal you lost.", True), (0.45, None, False)],
)
def test_the_judge_is_sure_only_far_below_the_line_or_with_the_other_question_named(probability, closest, sure):
    state = "off_topic" if probability < relevance_model().off_topic_below else "unclear"
    assert Relevance(probability=probability, state=state, closest_question=closest).clearly_elsewhere is sure
