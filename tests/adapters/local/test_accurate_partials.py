"""Accurate partials (rehearse/adapters/local/whisper_partials.py): Whisper tiny.en reads the phrase so far, and the
live partial shows its words followed by pocketsphinx's newest. The complaint: the candidate read "ya est on liberty
locked onto due to my great honor" for most of a second on every phrase before the final replaced it."""

import asyncio
import logging

import numpy as np
import pytest

from bench.human_speech import RECORDINGS, RECORDINGS_DIR
from rehearse.adapters.local.wav import decode_wav
from rehearse.adapters.local.whisper_partials import CUT_MARGIN_S, WhisperPartials, packaged_model_dir
from rehearse.config import _build_recognizer, whisper_partials
from rehearse.settings import Settings
from tests.support.audio import recall, speak, words_of
from tests.support.server import MODEL_DIR

SENTENCES = [
    "We measured latency at every step.",
    "The slowest query took four seconds.",
    "I added an index and cached the results.",
    "Customers noticed the change within a week.",
]


@pytest.fixture(scope="module")
def reader():
    return WhisperPartials(packaged_model_dir())


def shown_share(partial: str, final: str) -> tuple[int, int]:
    want, have = words_of(final), words_of(partial)
    matched = 0
    for word in want:
        if word in have:
            have.remove(word)
            matched += 1
    return matched, len(want)


def test_a_read_of_a_whole_phrase_hears_a_person(reader):
    recording = next(r for r in RECORDINGS if r.file == "cmu-arctic-a0009.wav")
    pcm = decode_wav(RECORDINGS_DIR / recording.file, 16000)
    words = reader.read(pcm, 10.0, whole=True)
    assert recall(recording.transcript, " ".join(w.w for w in words)) >= 0.8, words
    assert all(10.0 <= w.start <= w.end <= 10.0 + pcm.size / 16000 + 0.1 for w in words)


def test_a_read_of_the_phrase_so_far_leaves_the_word_at_the_cut_to_pocketsphinx(reader):
    pcm = speak("The slowest query took four seconds to load the whole page.", 16000)
    cut = pcm[: int(pcm.size * 0.6)]
    words = reader.read(cut, 0.0, whole=False)
    assert words, "the first half of the phrase was read"
    assert words[-1].end <= cut.size / 16000 - CUT_MARGIN_S


def test_the_model_ships_in_its_wheel_and_can_be_turned_off(caplog):
    assert (packaged_model_dir() / "model.bin").stat().st_size > 30_000_000
    assert whisper_partials(Settings(accurate_partials=False)) is None
    with caplog.at_level(logging.WARNING):
        assert whisper_partials(Settings(partials_model_dir="/nonexistent")) is None
    assert "pocketsphinx's partials alone" in caplog.text


async def spoken_in_real_time(recognizer, pcm):
    """Results of a stream fed 100 ms at a time on the wall clock, as the relay feeds it: reads land mid-phrase."""
    stream = recognizer.open_stream()
    results = []

    async def collect():
        async for hyp in stream.results():
            results.append(hyp)

    collector = asyncio.create_task(collect())
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i, start in enumerate(range(0, pcm.size, 1600)):
        stream.feed(pcm[start : start + 1600])
        await asyncio.sleep(max(0.0, started + (i + 1) * 0.1 - loop.time()))
    await stream.flush()
    await stream.aclose()
    await collector
    return results


def last_partials(results) -> list[tuple[str, object]]:
    """(what was shown last before each final, the final)."""
    shown = []
    for final in (h for h in results if h.final):
        partials = [h for h in results[: results.index(final)] if not h.final and h.phrase_id == final.phrase_id]
        assert partials, final.text
        shown.append((partials[-1], final))
    return shown


async def test_the_last_partial_before_each_final_already_shows_most_of_the_words_said():
    gap = np.zeros(int(1.2 * 16000), np.int16)
    pcm = np.concatenate([gap, *(part for s in SENTENCES for part in (speak(s, 16000), gap)), gap])
    shares = {}
    for accurate in (True, False):
        recognizer = _build_recognizer(Settings(whisper_model_dir=MODEL_DIR, accurate_partials=accurate))
        shown = last_partials(await spoken_in_real_time(recognizer, pcm))
        assert len(shown) == len(SENTENCES), [final.text for _, final in shown]
        matched = [shown_share(partial.text, said) for (partial, _), said in zip(shown, SENTENCES, strict=True)]
        shares[accurate] = sum(m for m, _ in matched) / sum(n for _, n in matched)
        for partial, _ in shown:
            starts = [w.start for w in partial.words]
            assert starts == sorted(starts), f"the read's words, then pocketsphinx's after them: {partial.words}"
    # measured: about 0.77 with the reads, 0.3 with pocketsphinx alone on this voice (docs/models.md, "Partials")
    assert shares[True] >= 0.65 and shares[True] >= shares[False] + 0.2, shares
