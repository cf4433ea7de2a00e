"""The MiniLM embedder on onnxruntime, with the real model that `make models` builds."""

from pathlib import Path

import numpy as np
import pytest

from rehearse.adapters.local.onnx_embedder import OnnxEmbedder
from rehearse.domain.errors import ModelUnavailable

MODEL_DIR = Path(__file__).resolve().parents[3] / ".rehearse-data" / "models" / "minilm"


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder(MODEL_DIR)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder):
    claim, paraphrase, unrelated = embedder.embed(
        ["I reduced page load time by 40 percent", "I made the page load much faster", "My favourite food is pasta"]
    )
    assert claim @ paraphrase > 0.5
    assert claim @ paraphrase > claim @ unrelated + 0.3


def test_rows_are_float32_and_unit_length(embedder):
    vectors = embedder.embed(["We shipped it.", "", "word " * 400, "Um, I guess, maybe?"])
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embedding_is_deterministic_and_independent_of_the_batch(embedder):
    text = "I led the migration and cut hosting costs by a third."
    alone = embedder.embed([text])[0]
    # Many texts of mixed length: the text lands in a padded batch, sorted among others.
    batch = embedder.embed([f"filler sentence number {i} " * (i % 7 + 1) for i in range(40)] + [text])
    np.testing.assert_array_equal(alone, embedder.embed([text])[0])
    np.testing.assert_allclose(alone, batch[-1], atol=1e-5)


def test_an_empty_list_gives_no_rows(embedder):
    vectors = embedder.embed([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_a_missing_model_says_how_to_build_it(tmp_path):
    with pytest.raises(ModelUnavailable, match="make models"):
        OnnxEmbedder(tmp_path / "nowhere")
