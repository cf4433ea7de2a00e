"""The forward-only recognizer stage: counts the audio, keeps the port's promises, yields no transcript."""

import asyncio
import logging

import numpy as np
import pytest

from rehearse.adapters.local.discarding_recognizer import CLOSED_LOG, DiscardingRecognizer
from rehearse.config import _build_recognizer
from rehearse.settings import Settings
from tests.support.audio import speak


def test_forward_only_setting_builds_it_without_any_model(monkeypatch, tmp_path):
    monkeypatch.setenv("REHEARSE_RECOGNIZER", "forward_only")
    settings = Settings(data_dir=tmp_path / "no-models-here")
    assert isinstance(_build_recognizer(settings), DiscardingRecognizer)
    assert Settings().recognizer == "forward_only"


def test_the_default_is_the_speech_recognizer():
    assert Settings.model_fields["recognizer"].default == "speech"


def test_an_unknown_recognizer_is_refused(monkeypatch):
    monkeypatch.setenv("REHEARSE_RECOGNIZER", "whisper_only")
    with pytest.raises(ValueError):
        Settings()


async def test_speech_is_counted_and_no_hypothesis_comes_out(caplog):
    pcm = speak("We planned the migration in small stages.")
    stream = DiscardingRecognizer().open_stream()
    results = []

    async def collect():
        async for hyp in stream.results():
            results.append(hyp)

    collector = asyncio.create_task(collect())
    chunks = [pcm[i : i + 320] for i in range(0, pcm.size, 320)]
    for chunk in chunks:
        stream.feed(chunk)
    await asyncio.wait_for(stream.flush(), 1)
    assert not collector.done()  # results() lasts as long as the stream
    with caplog.at_level(logging.INFO, logger="rehearse.recognizer"):
        await stream.aclose()
        await stream.aclose()  # closing twice is harmless
    await asyncio.wait_for(collector, 1)
    assert results == []
    assert stream.samples == pcm.size and stream.chunks == len(chunks)
    assert stream.seconds == pytest.approx(pcm.size / 16000)
    closed = [r for r in caplog.records if r.msg == CLOSED_LOG]
    assert len(closed) == 1 and closed[0].args == (stream.stream_no, pcm.size, len(chunks))


async def test_audio_after_close_is_not_counted_and_flush_still_returns():
    recognizer = DiscardingRecognizer()
    first, second = recognizer.open_stream(), recognizer.open_stream()
    assert first.stream_no != second.stream_no
    first.feed(np.zeros(320, np.int16))
    await first.aclose()
    first.feed(np.zeros(320, np.int16))
    await asyncio.wait_for(first.flush(), 1)
    assert first.samples == 320 and second.samples == 0
    assert [h async for h in first.results()] == []
