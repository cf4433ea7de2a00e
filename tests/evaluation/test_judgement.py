"""An LLM's judgement combined with the measured features: quotes verified, the documented rule, disagreement shown."""

from __future__ import annotations

import pytest

from rehearse.domain.analysis_model import AnswerScore, AnswerText, JudgedPoint, Judgement, RubricRef
from rehearse.feedback.evaluation.judgement import combined_features, rescored, said, validated
from rehearse.feedback.scoring import extract_features, load_rubric, score_answer
from tests.scoring.conftest import MODEL_DIR

QUESTION = "Tell me about a time you improved the performance of a system."
KEY_POINTS = ["baseline measurement", "root cause", "change made", "quantified result"]
STRONG = (
    "Our search page took four seconds to load at the ninety-fifth percentile. "
    "I traced it and found we were running one database query per result. "
    "I rewrote it as a single batched query and added an index on the product table. "
    "After the release, the page loaded in six hundred milliseconds."
)


@pytest.fixture(scope="module")
def embedder():
    if not (MODEL_DIR / "model.onnx").is_file():
        pytest.skip("the sentence embedder is not built; run `make models`")
    from rehearse.adapters.local.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(MODEL_DIR)


def scored(text: str, embedder) -> tuple[AnswerText, AnswerScore]:
    answer = AnswerText(question_text=QUESTION, key_points=KEY_POINTS, text=text)
    features = extract_features(answer, embedder, None)
    rubric = load_rubric(None)
    scores = score_answer(answer, features, rubric)
    doc = AnswerScore(
        id="s1.q1.score", session_id="s1", question_id="q1", rubric=RubricRef(id=rubric.id, version=rubric.version),
        features=features, scores=scores, overall=scores.overall(),
    )  # fmt: skip
    return answer, doc


def test_a_quote_counts_only_when_the_candidate_said_it():
    assert said("um, I traced it and found", "Then I traced it, and found the bug.")
    assert not said("I traced the bug quickly", "Then I traced it, and found the bug.")
    assert not said("traced it", "Then I traced it.")  # too short to prove anything


def test_validation_keeps_known_points_with_real_quotes(embedder):
    answer, _ = scored(STRONG, embedder)
    judgement = validated(
        [("Root cause", True, "found we were running one database query per result"), ("change made", True, "I rewrote the whole service in Rust"), ("salary", False, "")],
        "yes", "fine", answer,
    )  # fmt: skip
    assert [p.point for p in judgement.key_points] == ["root cause"]
    assert len(judgement.discarded) == 2


def test_agreement_keeps_confidence_and_a_disputed_answer_loses_it(embedder):
    answer, doc = scored(STRONG, embedder)
    agree = Judgement(
        answers_question="yes",
        key_points=[JudgedPoint(point=p.point, covered=True, quote=p.best_sentence) for p in doc.features.key_points],
    )
    disagree = Judgement(answers_question="no", reason="talks about something else", key_points=[JudgedPoint(point=p, covered=False) for p in KEY_POINTS])
    agreed, disputed = rescored(doc, answer, agree, "gpt-test"), rescored(doc, answer, disagree, "gpt-test")

    assert agreed.judged_by == "gpt-test" and agreed.feature_scores == doc.scores
    assert agreed.scores.content.confidence == pytest.approx(doc.scores.content.confidence, abs=0.01)
    assert disputed.scores.content.confidence < 0.6 * doc.scores.content.confidence
    assert disputed.scores.content.score < agreed.scores.content.score
    assert "disagree" in disputed.scores.content.evidence[0]
    assert all(p.disagreement for p in disputed.features.key_points if p.point in {k.point for k in doc.features.key_points if k.covered})


def test_the_combination_rule_weighs_the_model_sixty_percent(embedder):
    answer, doc = scored(STRONG, embedder)
    point = doc.features.key_points[0]
    combined = combined_features(doc.features, Judgement(answers_question="yes", key_points=[JudgedPoint(point=point.point, covered=False)]))
    assert combined.key_points[0].probability == pytest.approx(0.6 * 0.05 + 0.4 * point.probability, abs=0.001)
    assert combined.key_points[0].source == "combined"


def test_a_redelivered_judgement_changes_nothing(embedder):
    answer, doc = scored(STRONG, embedder)
    once = rescored(doc, answer, Judgement(answers_question="no"), "gpt-test")
    assert rescored(once, answer, Judgement(answers_question="yes"), "gpt-test") == once
