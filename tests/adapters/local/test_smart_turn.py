"""The Smart Turn model on real synthesized speech, and the step that takes it out of the pipecat-ai wheel."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rehearse.adapters.local import smart_turn_model
from rehearse.adapters.local.smart_turn import SmartTurnModel
from rehearse.adapters.local.whisper_features import WINDOW_SAMPLES, log_mel_features
from rehearse.domain.errors import ModelUnavailable
from rehearse.settings import Settings
from tests.support.audio import speak

MODEL_DIR = Settings().smart_turn_dir


@pytest.fixture(scope="module")
def model() -> SmartTurnModel:
    return SmartTurnModel(MODEL_DIR)


def spoken_then_quiet(text: str, quiet_s: float = 0.3) -> np.ndarray:
    return np.concatenate((np.zeros(8000, np.int16), speak(text), np.zeros(round(quiet_s * 16000), np.int16)))


def test_a_complete_sentence_sounds_finished(model):
    assert model.complete_probability(spoken_then_quiet("I led the migration of our payments service to a new database.")) > 0.8


def test_a_sentence_cut_after_and_sounds_unfinished(model):
    assert model.complete_probability(spoken_then_quiet("I led the migration of our payments service and")) < 0.2


def test_audio_longer_than_eight_seconds_is_judged_on_its_end(model):
    unfinished = spoken_then_quiet("So the first thing I did was, um")
    long = np.concatenate((spoken_then_quiet("We shipped the first version in six weeks. " * 4), unfinished))
    assert long.size > WINDOW_SAMPLES
    assert model.complete_probability(long) < 0.2
    floats = unfinished.astype(np.float32) / 32768.0
    assert model.complete_probability(floats) == pytest.approx(model.complete_probability(unfinished), abs=1e-4)


def test_features_have_the_shape_the_model_takes():
    features = log_mel_features(np.zeros(16000, np.float32))
    assert features.shape == (80, 800) and features.dtype == np.float32


def test_a_missing_model_says_to_run_make_models(tmp_path):
    with pytest.raises(ModelUnavailable, match="make models"):
        SmartTurnModel(tmp_path)


def test_a_model_without_its_checksum_stamp_is_refused(tmp_path):
    (tmp_path / smart_turn_model.MODEL_NAME).write_bytes(b"not verified")
    with pytest.raises(ModelUnavailable, match="make models"):
        SmartTurnModel(tmp_path)


def wheel_holding(path: Path, model_bytes: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(smart_turn_model.MODEL_MEMBER, model_bytes)
        archive.writestr("pipecat/__init__.py", "")
    return path


def test_a_model_whose_checksum_differs_is_refused_and_not_written(tmp_path):
    wheel = wheel_holding(tmp_path / "pipecat_ai-0-py3-none-any.whl", b"tampered model")
    with pytest.raises(ModelUnavailable, match="SHA-256"):
        smart_turn_model.extract(wheel, tmp_path / "smart-turn")
    assert not (tmp_path / "smart-turn" / smart_turn_model.MODEL_NAME).exists()
    assert not smart_turn_model.is_ready(tmp_path / "smart-turn")


def test_only_the_model_is_taken_from_a_wheel_with_the_right_checksum(tmp_path):
    content = b"stand-in model bytes"
    wheel = wheel_holding(tmp_path / "pipecat_ai-0-py3-none-any.whl", content)
    target = tmp_path / "smart-turn"
    written = smart_turn_model.extract(wheel, target, hashlib.sha256(content).hexdigest())
    assert written.read_bytes() == content
    assert sorted(p.name for p in target.iterdir()) == [".sha256", smart_turn_model.MODEL_NAME]


def test_a_wheel_without_the_model_is_refused(tmp_path):
    wheel = tmp_path / "pipecat_ai-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pipecat/__init__.py", "")
    with pytest.raises(ModelUnavailable, match="holds no"):
        smart_turn_model.extract(wheel, tmp_path / "smart-turn")


def test_the_built_model_is_verified_and_not_fetched_again():
    assert smart_turn_model.is_ready(MODEL_DIR)
    assert smart_turn_model._sha256((MODEL_DIR / smart_turn_model.MODEL_NAME).read_bytes()) == smart_turn_model.MODEL_SHA256
    assert smart_turn_model.ensure(MODEL_DIR) == MODEL_DIR / smart_turn_model.MODEL_NAME  # no pip: it is there
