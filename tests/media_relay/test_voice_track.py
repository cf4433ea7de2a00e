"""The interviewer's voice track without WebRTC: speech queued sentence by sentence, paused, resumed, hushed."""

from __future__ import annotations

import asyncio

import numpy as np

from media_relay.tracks import _FRAME, InterviewerVoice


def frames(voice: InterviewerVoice, count: int) -> np.ndarray:
    return np.concatenate([voice.next_pcm(0.0) for _ in range(count)])


def ramp(frames_long: int, start: int = 1) -> np.ndarray:
    return np.arange(start, start + frames_long * _FRAME, dtype=np.int64).astype(np.int16)


def test_sentences_queued_while_speaking_play_back_to_back():
    voice = InterviewerVoice()
    first, second = ramp(3), ramp(2, start=5000)
    voice.say(first)
    head = frames(voice, 2)
    voice.say(second)
    assert np.array_equal(np.concatenate((head, frames(voice, 3))), np.concatenate((first, second)))
    assert not frames(voice, 1).any()


def test_a_pause_is_silence_and_the_speech_goes_on_a_little_before_it():
    voice = InterviewerVoice()
    speech = ramp(40)
    voice.say(speech)
    frames(voice, 30)  # 0.6 s said
    voice.pause()
    assert voice.paused and not frames(voice, 10).any()
    voice.resume()
    again = frames(voice, 1)
    said = 30 * _FRAME - InterviewerVoice.REWIND
    assert np.array_equal(again, speech[said : said + _FRAME])


def test_a_paused_voice_has_not_finished_and_a_hush_ends_it():
    async def scenario():
        voice = InterviewerVoice()
        voice.say(ramp(2))
        voice.pause()
        frames(voice, 5)
        waiting = asyncio.ensure_future(voice.finished())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        voice.hush()
        await asyncio.wait_for(waiting, 1)
        assert not voice.paused and not frames(voice, 2).any()

    asyncio.run(scenario())


def test_the_end_of_speech_is_reported():
    async def scenario():
        voice = InterviewerVoice()
        voice.say(ramp(2))
        frames(voice, 3)
        await asyncio.wait_for(voice.finished(), 1)

    asyncio.run(scenario())


def test_the_audio_tail_keeps_the_last_seconds_in_order():
    from media_relay.frames import AudioTail, Frame

    tail = AudioTail(seconds=0.1)  # five 20 ms frames
    assert tail.pcm().size == 0
    for i in range(7):
        tail.push(Frame(np.full(320, i, np.int16), True, 0))
    assert list(tail.pcm()[::320]) == [2, 3, 4, 5, 6]
    tail.clear()
    tail.push(Frame(np.full(320, 9, np.int16), True, 0))
    assert list(tail.pcm()[::320]) == [9]
