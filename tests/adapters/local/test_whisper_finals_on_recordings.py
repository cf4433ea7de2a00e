"""Whisper finals on recordings of real people (bench/recordings), with the pause a phrase ends in: nothing lost to a
decoding loop, no word added in the pause."""

import numpy as np
import pytest

from bench.human_speech import RECORDINGS, RECORDINGS_DIR
from rehearse.adapters.local.wav import decode_wav
from rehearse.adapters.local.whisper_finals import WhisperFinals
from tests.support.audio import recall, words_of
from tests.support.server import MODEL_DIR

SHORT = [r for r in RECORDINGS if r.file.startswith("cmu-")][:7]


@pytest.fixture(scope="module")
def finals():
    return WhisperFinals(MODEL_DIR)


def pauses(rate: int = 16000) -> dict[str, np.ndarray]:
    noise = np.random.default_rng(3).normal(0, 60, int(1.5 * rate)).astype(np.int16)
    return {"silence": np.zeros(rate // 2, np.int16), "room noise": noise}


@pytest.mark.parametrize("pause", ["silence", "room noise"])
def test_a_short_phrase_is_heard_once_and_nothing_is_added_in_the_pause(finals, pause):
    for recording in SHORT:
        pcm = np.concatenate((decode_wav(RECORDINGS_DIR / recording.file, 16000), pauses()[pause]))
        words, _ = finals.transcribe(pcm, 0.0)
        heard = " ".join(w.w for w in words)
        assert recall(recording.transcript, heard) >= 0.6, (recording.file, heard)
        assert len(words_of(heard)) <= len(words_of(recording.transcript)), (recording.file, heard)
