"""Key-point coverage: paraphrase and spoken language recognised, key words without a story not rewarded."""

import numpy as np
import pytest

from rehearse.domain.analysis_model import AnswerText
from rehearse.feedback.scoring.coverage import covered_share
from rehearse.feedback.scoring.features import extract_features
from tests.scoring.conftest import answer_from_text

KEY_POINTS = ["checks recent deploys and configuration changes first", "writes a blameless postmortem with follow-up actions"]
ANSWER = (
    "The first thing I check is what was deployed recently and whether any configuration changed. "
    "If it was, I would roll it back right away. "
    "I would keep the support team posted in the incident channel."
)
INCIDENT = "You get paged at 2 a.m. because the error rate of a service doubled. What do you do?"
PERFORMANCE = "Tell me about a time you improved the performance of a system."
PERFORMANCE_POINTS = ["baseline measurement", "root cause", "change made", "quantified result"]
STRONG = (
    "Our search page took four seconds to load at the ninety-fifth percentile, and users were leaving. "
    "I traced it and found we were running one database query per result. "
    "I rewrote it as a single batched query and added an index on the product table. "
    "After the release, the page loaded in six hundred milliseconds and searches per visit went up by a fifth."
)
KEY_WORDS = (
    "Baseline measurement, root cause, change made, quantified result. "
    "I made sure to cover the baseline measurement and the root cause. "
    "First, second, finally."
)


class CountingEmbedder:
    """Unit vectors from a fixed random projection of letter counts; counts calls to check batching."""

    def __init__(self) -> None:
        self.calls = 0
        self._projection = np.random.default_rng(0).normal(size=(26, 8))

    def embed(self, texts):
        self.calls += 1
        counts = np.array([[t.lower().count(chr(97 + i)) for i in range(26)] for t in texts], np.float32) + 0.1
        vectors = counts @ self._projection
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_after_the_first_answer_each_answer_costs_one_embedder_call():
    embedder = CountingEmbedder()
    extract_features(answer_from_text(ANSWER, key_points=KEY_POINTS), embedder, None)
    before = embedder.calls
    extract_features(answer_from_text(ANSWER + " Then I would write it up.", key_points=KEY_POINTS), embedder, None)
    assert embedder.calls == before + 1


def test_without_embedder_or_key_points_coverage_is_none():
    assert extract_features(answer_from_text(ANSWER, key_points=KEY_POINTS), None, None).coverage is None
    assert extract_features(answer_from_text(ANSWER), CountingEmbedder(), None).coverage is None
    assert covered_share([]) is None


def test_a_strong_spoken_answer_covers_descriptor_key_points_of_a_custom_question(embedder):
    answer = AnswerText(question_text=PERFORMANCE, key_points=PERFORMANCE_POINTS, text=STRONG)
    states = {p.point: p.state for p in extract_features(answer, embedder, None).key_points}
    assert states == dict.fromkeys(PERFORMANCE_POINTS, "covered")


def test_the_key_points_listed_as_words_cover_nothing(embedder):
    answer = AnswerText(question_text=PERFORMANCE, key_points=PERFORMANCE_POINTS, text=KEY_WORDS)
    features = extract_features(answer, embedder, None)
    assert [p.state for p in features.key_points] == ["missed"] * 4
    assert features.coverage == 0


def test_ownership_said_in_the_first_person_is_not_reported_missed(embedder):
    point = "separates own contribution from the team's work"
    answer = AnswerText(
        question_text="Tell me about a migration you led.", key_points=[point, "names the risk and how it was reduced"],
        text="We moved billing to a new database last year. I owned the migration plan; two teammates built the backfill. "
        "I ran a rehearsal on a copy of production first, so a failed cutover could not lose data.",
    )  # fmt: skip
    [ownership, risk] = extract_features(answer, embedder, None).key_points
    assert ownership.state != "missed" and ownership.best_sentence.startswith("I owned the migration plan")
    assert risk.state != "missed"


@pytest.mark.parametrize("recognised", [STRONG.lower().replace(",", "").replace(".", "").replace("query", "quarry")])
def test_recognizer_style_text_still_covers_points(embedder, recognised):
    answer = AnswerText(question_text=PERFORMANCE, key_points=PERFORMANCE_POINTS, text=recognised)
    features = extract_features(answer, embedder, None)
    assert features.coverage is not None and features.coverage >= 0.6
