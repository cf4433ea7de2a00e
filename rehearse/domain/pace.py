"""Pace, defined once: words per minute from the first word's start to the last word's end, hesitations left out.

The answer's score (rehearse/feedback/scoring/pace.py) and the live "Slow down" cue (rehearse/interview/cues.py) both
measure it this way, so the cue never calls fast what the score calls good."""

from __future__ import annotations

from rehearse.domain.fillers import HESITATIONS, normalize_word

MIN_SPEAKING_S = 1.0  # a rate over less than a second of speech means nothing; never divide by ~0


def counts_towards_pace(word: str) -> bool:
    """Every word but the hesitations (um, uh): those are counted as fillers instead."""
    return normalize_word(word) not in HESITATIONS


def speaking_seconds(first_start_s: float, last_end_s: float) -> float:
    """The time the words took, pauses between them included."""
    return max(last_end_s - first_start_s, MIN_SPEAKING_S)


def words_per_minute(words: int, first_start_s: float, last_end_s: float) -> float:
    """`words` (hesitations left out) said between the first word's start and the last word's end, to 0.1 wpm."""
    return round(words / speaking_seconds(first_start_s, last_end_s) * 60.0, 1)
