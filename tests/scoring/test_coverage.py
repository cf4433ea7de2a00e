import numpy as np
import pytest

from rehearse.scoring.coverage import COVERED_AT, covered_share, key_point_coverage
from rehearse.scoring.features import extract_features
from tests.scoring.conftest import answer_from_text

KEY_POINTS = ["checks recent deploys and configuration changes first", "writes a blameless postmortem with follow-up actions"]
ANSWER = (
    "The first thing I check is what was deployed recently and whether any configuration changed. "
    "If it was, I would roll it back right away. "
    "I would keep the support team posted in the incident channel."
)


class CountingEmbedder:
    """Unit vectors from a fixed random projection of letter counts; counts calls to check batching."""

    def __init__(self) -> None:
        self.calls = 0
        self._projection = np.random.default_rng(0).normal(size=(26, 8))

    def embed(self, texts):
        self.calls += 1
        counts = np.array([[t.lower().count(chr(97 + i)) for i in range(26)] for t in texts], np.float32)
        vectors = counts @ self._projection
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_sentences_and_key_points_are_embedded_in_one_call():
    embedder = CountingEmbedder()
    coverage = key_point_coverage(["We rolled back the deploy.", "Then we wrote a postmortem."], KEY_POINTS, embedder)
    assert embedder.calls == 1
    assert [c.point for c in coverage] == KEY_POINTS


def test_without_embedder_or_key_points_coverage_is_none():
    assert extract_features(answer_from_text(ANSWER, key_points=KEY_POINTS), None, None).coverage is None
    assert extract_features(answer_from_text(ANSWER), CountingEmbedder(), None).coverage is None
    assert covered_share([]) is None


def test_a_paraphrased_key_point_is_covered_and_a_missing_one_is_not(embedder):
    features = extract_features(answer_from_text(ANSWER, key_points=KEY_POINTS), embedder, None)
    deploys, postmortem = features.key_points
    assert deploys.covered and deploys.similarity >= COVERED_AT
    assert deploys.best_sentence.startswith("The first thing I check is what was deployed")
    assert not postmortem.covered
    assert features.coverage == pytest.approx(0.5)
