"""The embedded recognizer on real speech (espeak-ng), fed in real time order in 20 ms chunks."""


import numpy as np
import pytest

from rehearse.config import _build_recognizer
from rehearse.settings import Settings
from tests.support.audio import ANSWER, recall, speak
from tests.support.recognition import recognize
from tests.support.server import MODEL_DIR


@pytest.fixture(scope="module")
def recognizer():
    return _build_recognizer(Settings(whisper_model_dir=MODEL_DIR))


async def test_finals_recall_the_spoken_words_and_partials_come_first(recognizer):
    pcm = np.concatenate((np.zeros(8000, np.int16), speak(ANSWER), np.zeros(16000, np.int16)))
    results = await recognize(recognizer, pcm)
    finals = [h for h in results if h.final]
    partials = [h for h in results if not h.final]
    assert finals and partials
    assert results.index(partials[0]) < results.index(finals[0])
    heard = " ".join(h.text for h in finals)
    assert recall(ANSWER, heard) >= 0.8, heard
    words = [w for h in finals for w in h.words]
    assert all(0 <= w.start <= w.end <= pcm.size / 16000 + 0.5 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert all(0 < h.confidence <= 1 for h in finals)


async def test_two_phrases_separated_by_a_pause_give_two_finals_in_order(recognizer):
    gap = np.zeros(16000, np.int16)
    pcm = np.concatenate((gap, speak("The first phrase is about planning."), gap, speak("The second one is about testing."), gap))
    finals = [h for h in await recognize(recognizer, pcm) if h.final]
    assert len(finals) == 2
    assert "planning" in finals[0].text.lower() and "testing" in finals[1].text.lower()
    assert finals[0].phrase_id < finals[1].phrase_id


async def test_silence_gives_no_transcript(recognizer):
    assert await recognize(recognizer, np.zeros(16000 * 3, np.int16)) == []


async def test_hesitations_are_kept_as_filler_evidence(recognizer):
    pcm = np.concatenate((np.zeros(8000, np.int16), speak("Um, I think, uh, we shipped it on time."), np.zeros(16000, np.int16)))
    finals = [h for h in await recognize(recognizer, pcm) if h.final]
    assert any(f in ("um", "uh") for h in finals for f in h.fillers), [h.text for h in finals]
