"""Real speech for tests: espeak-ng renders known text to WAV; helpers pad it and score word recall."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from rehearse.adapters.local.wav import decode_wav, write_wav  # noqa: F401  (write_wav: for the tests' callers)

ANSWER = (
    "In my last role I led a small team that moved our billing service to a new platform. "
    "We planned the work in stages, tested every step, and finished two weeks early."
)


def speak(text: str, rate: int = 16000, words_per_minute: int = 160, voice: str = "en-us") -> np.ndarray:
    """espeak-ng's rendering of text as mono int16 PCM at the given rate."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text], check=True, capture_output=True).stdout
    return decode_wav(out, rate)


def answer_wav(path: Path, text: str = ANSWER, rate: int = 48000, lead_s: float = 0.5, tail_s: float = 4.5) -> Path:
    """The answer with silence before and after (the tail lets the relay hear the end of the answer)."""
    speech = speak(text, rate)
    silence = lambda s: np.zeros(int(s * rate), np.int16)  # noqa: E731
    return write_wav(path, np.concatenate((silence(lead_s), speech, silence(tail_s))), rate)


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def recall(expected: str, heard: str) -> float:
    """Fraction of expected words found in what was heard (multiset)."""
    want = words_of(expected)
    have = words_of(heard)
    found = 0
    for word in want:
        if word in have:
            have.remove(word)
            found += 1
    return found / len(want) if want else 1.0
