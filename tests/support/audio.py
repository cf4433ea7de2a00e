"""Real speech for tests: espeak-ng renders known text to WAV; helpers pad it and score what a recognizer heard
(word recall, word error rate)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from rehearse.adapters.local.wav import decode_wav, write_wav  # noqa: F401  (write_wav: for the tests' callers)
from rehearse.domain.fillers import HESITATIONS

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


_NUMBERS = dict(enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split()
))
_SPELLINGS = {str(n): word for n, word in _NUMBERS.items()} | {"mr": "mister", "mrs": "missus", "dr": "doctor"}


def words_of(text: str) -> list[str]:
    """The words said, as scoring compares them: lower case, no punctuation ("ill-disposed" is two words), digits
    and abbreviations spelled out ("10" is "ten", "Mr." is "mister"), hesitations left out: reference transcripts do
    not write them, the finals' filler prompt makes the recognizer write them, and the scorer counts them apart."""
    words = (_SPELLINGS.get(w, w) for w in re.findall(r"[a-z0-9']+", text.lower()))
    return [w for w in words if w not in HESITATIONS]


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


def word_error_rate(expected: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / words said, on the fewest edits that turn what was said into what was
    heard; words as `words_of` normalises them. Unlike recall, a word nobody said counts."""
    want, have = words_of(expected), words_of(heard)
    if not want:
        return float(len(have) > 0)
    edits = list(range(len(have) + 1))  # edits[j]: turning the words said so far into have[:j]
    for i, said in enumerate(want, 1):
        diagonal, edits[0] = edits[0], i
        for j, word in enumerate(have, 1):
            diagonal, edits[j] = edits[j], min(edits[j] + 1, edits[j - 1] + 1, diagonal + (said != word))
    return edits[-1] / len(want)
