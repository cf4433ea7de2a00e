"""The partial pass calls pocketsphinx's C library through ctypes (so decoding lets the GIL go); it must hear exactly
what the wheel's own Cython binding hears, with the same default model and configuration."""

from __future__ import annotations

import numpy as np
import pytest
from pocketsphinx import Config, Decoder

from rehearse.adapters.local.pocketsphinx_partials import PocketsphinxPartials
from tests.support.audio import ANSWER, speak


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return speak(ANSWER, 48000)[::3].astype(np.int16)  # 16 kHz


def _cython_hypotheses(pcm: np.ndarray) -> list[list[tuple[str, int, int]]]:
    decoder = Decoder(Config(samprate=16000, loglevel="FATAL"))
    decoder.start_utt()
    seen = []
    for i, start in enumerate(range(0, pcm.size, 320)):
        decoder.process_raw(pcm[start : start + 320].tobytes(), False, False)
        if i % 3 == 2:
            seen.append([(s.word, s.start_frame, s.end_frame) for s in decoder.seg()] if decoder.hyp() else [])
    return seen


def test_the_partials_are_the_wheels_own_decoding(speech):
    partials = PocketsphinxPartials()
    partials.begin(0.0)
    mine = []
    for i, start in enumerate(range(0, speech.size, 320)):
        partials.feed(speech[start : start + 320])
        if i % 3 == 2:
            mine.append([(w.w, round(w.start * 100), round(w.end * 100) - 1) for w in partials.hypothesis()])
    final = partials.finish()
    partials.close()
    expected = [[(w, s, e) for w, s, e in hyp if w not in ("<s>", "</s>", "<sil>") and not w.startswith(("[", "++"))] for hyp in _cython_hypotheses(speech)]
    assert mine == [[(w.split("(")[0], s, e) for w, s, e in hyp] for hyp in expected]
    assert len(final) >= 15 and all(0.0 <= w.conf <= 1.0 for w in final)
    assert "weeks" in [w.w for w in final]


def test_words_carry_the_phrases_offset_and_a_closed_decoder_hears_nothing(speech):
    partials = PocketsphinxPartials()
    partials.begin(12.5)
    partials.feed(speech)
    words = partials.finish()
    assert words and words[0].start >= 12.5
    partials.close()
    partials.close()  # twice is harmless
    partials.begin(0.0)
    partials.feed(speech)
    assert partials.hypothesis() == [] and partials.finish() == []
