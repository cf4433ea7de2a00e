"""Prosody measured from audio: synthetic tones with known pitch, real speech (espeak-ng), and silence."""

import time

import numpy as np

from rehearse.interview.prosody import measure_prosody
from tests.support.audio import ANSWER, speak

RATE = 16000


def tone(hz_start: float, hz_end: float, seconds: float = 2.0, amplitude: float = 0.3) -> np.ndarray:
    """A sine whose frequency glides linearly from hz_start to hz_end, as int16."""
    freq = np.linspace(hz_start, hz_end, int(seconds * RATE))
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    return (amplitude * 32767 * np.sin(phase)).astype(np.int16)


def test_a_steady_tone_has_its_pitch_and_little_variation():
    prosody = measure_prosody(tone(150, 150))
    assert prosody is not None
    assert abs(prosody.pitch_hz_mean - 150) < 2
    assert prosody.pitch_variation < 0.02
    assert prosody.energy_db_std < 1


def test_a_gliding_tone_varies_more_than_a_steady_one():
    steady, glide = measure_prosody(tone(150, 150)), measure_prosody(tone(120, 240))
    assert steady is not None and glide is not None
    assert 160 < glide.pitch_hz_mean < 200
    assert glide.pitch_variation > 0.1 > steady.pitch_variation


def test_speech_has_a_voice_pitch_and_varying_energy():
    prosody = measure_prosody(np.concatenate((np.zeros(RATE // 2, np.int16), speak(ANSWER), np.zeros(RATE, np.int16))))
    assert prosody is not None
    assert 70 < prosody.pitch_hz_mean < 300
    assert 0.0 < prosody.pitch_variation < 0.5
    assert prosody.energy_db_std > 2  # syllables rise and fall; the leading and trailing silence is not counted


def test_silence_and_too_little_voice_give_none():
    assert measure_prosody(np.zeros(3 * RATE, np.int16)) is None
    assert measure_prosody(np.zeros(0, np.int16)) is None
    assert measure_prosody(np.concatenate((np.zeros(2 * RATE, np.int16), tone(150, 150, seconds=0.3)))) is None


def test_ten_seconds_are_measured_in_under_20_ms():
    speech = np.resize(speak(ANSWER), 10 * RATE)
    measure_prosody(speech)  # warm caches
    best = min(_seconds(lambda: measure_prosody(speech)) for _ in range(5))
    assert best < 0.020


def _seconds(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started
