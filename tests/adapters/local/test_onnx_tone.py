"""The tone classifier on onnxruntime (the committed tone.onnx over the real MiniLM embedder), with and without prosody."""

import json
import shutil
from pathlib import Path

import pytest

from rehearse.adapters.local.onnx_embedder import OnnxEmbedder
from rehearse.adapters.local.onnx_tone import DEFAULT_MODEL_PATH, MODEL_NAME, OnnxToneModel
from rehearse.domain.analysis_model import Prosody
from rehearse.domain.errors import ModelUnavailable

ROOT = Path(__file__).resolve().parents[3]
MODEL_DIR = ROOT / ".rehearse-data" / "models" / "minilm"
TRAINING_FILE = ROOT / "training" / "tone" / "utterances.jsonl"

# Written apart from the training data (checked below); each is clearly one tone.
CLEAR = {
    "confident": [
        "I rolled out the new alerting system across all forty services and cut our mean time to recovery in half.",
        "I designed the schema, wrote the migration scripts and moved all customer data over one weekend without downtime.",
        "I made the decision to switch vendors and it saved us a hundred and fifty thousand dollars a year.",
    ],
    "neutral": [
        "The company builds accounting software for restaurants.",
        "The report was generated every Friday and emailed to the managers.",
        "Our stack was Java on the backend and React on the front end.",
    ],
    "hesitant": [
        "Um, I think I was sort of responsible for the testing, maybe, partly.",
        "I'm not really sure how I'd approach that, I guess I'd, uh, ask around?",
        "Hmm, I'm not sure I have a good answer for that, to be honest.",
    ],
    "negative": [
        "My old boss was clueless and made every project miserable.",
        "They cut our budget and then blamed us when the project failed.",
        "Nobody ever listened to me there, so I stopped bothering.",
    ],
}
# Wording that leaves the tone open (a hedge and an owned result), so delivery can tip it.
BORDERLINE = "I think I improved the deploy process, and it got faster."
FLAT_AND_QUIET = Prosody(energy_db_mean=-38.0, energy_db_std=5.0, pitch_hz_mean=110.0, pitch_variation=0.05)
LIVELY_AND_STEADY = Prosody(energy_db_mean=-20.0, energy_db_std=6.0, pitch_hz_mean=160.0, pitch_variation=0.24)
IN_BETWEEN = Prosody(energy_db_mean=-22.0, energy_db_std=7.0, pitch_hz_mean=150.0, pitch_variation=0.12)


@pytest.fixture(scope="module")
def tone() -> OnnxToneModel:
    return OnnxToneModel(OnnxEmbedder(MODEL_DIR))


def test_the_test_sentences_are_not_in_the_training_data():
    trained = {json.loads(line)["text"] for line in TRAINING_FILE.read_text().splitlines() if line.strip()}
    assert not trained & {BORDERLINE, *(text for texts in CLEAR.values() for text in texts)}


@pytest.mark.parametrize(("expected", "text"), [(label, text) for label, texts in CLEAR.items() for text in texts])
def test_clear_utterances_get_their_tone(tone, expected, text):
    estimate = tone.classify(text)
    assert estimate.label == expected
    assert estimate.probabilities[expected] > 0.5
    assert estimate.model == MODEL_NAME
    assert estimate.used_prosody is False


@pytest.mark.parametrize(
    ("expected", "answer"),
    [
        (
            "confident",
            "In my last role I led a small team that moved our billing service to a new platform. We planned the work in "
            "stages, tested every step, and finished two weeks early. I set up the rollout plan myself and we had zero "
            "customer-facing incidents.",
        ),
        (
            "hesitant",
            "So, um, in my last role I was sort of on a team that moved the billing service, I think. We kind of planned "
            "it, maybe in stages, I don't really remember. I guess it went okay in the end, more or less.",
        ),
    ],
)
def test_a_whole_answer_of_several_sentences_gets_its_tone(tone, expected, answer):
    assert tone.classify(answer).label == expected


def test_probabilities_cover_every_label_and_sum_to_one(tone):
    estimate = tone.classify(BORDERLINE)
    assert set(estimate.probabilities) == {"confident", "neutral", "hesitant", "negative"}
    assert sum(estimate.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert all(0.0 <= p <= 1.0 for p in estimate.probabilities.values())


def test_classification_is_deterministic(tone):
    assert tone.classify(BORDERLINE) == tone.classify(BORDERLINE)


def test_flat_quiet_delivery_shifts_toward_hesitant(tone):
    text_only, with_audio = tone.classify(BORDERLINE), tone.classify(BORDERLINE, FLAT_AND_QUIET)
    assert with_audio.used_prosody is True
    assert with_audio.probabilities["hesitant"] > text_only.probabilities["hesitant"] + 0.1
    assert with_audio.probabilities["confident"] < text_only.probabilities["confident"]
    assert sum(with_audio.probabilities.values()) == pytest.approx(1.0, abs=1e-6)


def test_lively_steady_delivery_shifts_toward_confident(tone):
    text_only, with_audio = tone.classify(BORDERLINE), tone.classify(BORDERLINE, LIVELY_AND_STEADY)
    assert with_audio.used_prosody is True
    assert with_audio.probabilities["confident"] > text_only.probabilities["confident"] + 0.1
    assert with_audio.probabilities["hesitant"] < text_only.probabilities["hesitant"]


def test_ordinary_delivery_leaves_the_text_estimate_alone(tone):
    text_only, with_audio = tone.classify(BORDERLINE), tone.classify(BORDERLINE, IN_BETWEEN)
    assert with_audio.used_prosody is True
    assert with_audio.probabilities == pytest.approx(text_only.probabilities)


def test_delivery_does_not_overturn_clear_wording(tone):
    assert tone.classify(CLEAR["hesitant"][0], LIVELY_AND_STEADY).label == "hesitant"
    assert tone.classify(CLEAR["confident"][0], FLAT_AND_QUIET).label == "confident"


def test_a_model_trained_on_other_features_is_refused(tmp_path):
    model = tmp_path / "tone.onnx"
    shutil.copy(DEFAULT_MODEL_PATH, model)
    meta = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text())
    (tmp_path / "tone.json").write_text(json.dumps({**meta, "features": ["something else"]}))
    with pytest.raises(ModelUnavailable, match="train.py"):
        OnnxToneModel(embedder=None, model_path=model)  # type: ignore[arg-type]


def test_a_missing_model_says_how_to_rebuild_it(tmp_path):
    with pytest.raises(ModelUnavailable, match="train.py"):
        OnnxToneModel(embedder=None, model_path=tmp_path / "tone.onnx")  # type: ignore[arg-type]
