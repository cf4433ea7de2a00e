"""Speaking time, pace in words per minute, and the long pauses between words."""

from __future__ import annotations

from dataclasses import dataclass

from rehearse.domain.analysis_model import PauseStats
from rehearse.domain.pace import MIN_SPEAKING_S, speaking_seconds, words_per_minute
from rehearse.feedback.scoring.text import Transcript

ESTIMATED_WPM = 150.0  # conversational English; used only when the recognizer gave no timings
PAUSE_OVER_S = 1.0


@dataclass(frozen=True)
class Timing:
    duration_s: float
    pace_wpm: float
    estimated: bool  # True when the duration was guessed from the word count


def speaking_time(transcript: Transcript) -> Timing:
    """Pace as rehearse/domain/pace.py defines it (the live cue measures it the same way); without timings, the word
    count at 150 wpm."""
    words = len(transcript.spoken_words)
    if transcript.timed:
        start, end = float(transcript.tokens[0].start or 0.0), float(transcript.tokens[-1].end or 0.0)
        duration = speaking_seconds(start, end)
        return Timing(duration_s=round(duration, 2), pace_wpm=words_per_minute(words, start, end), estimated=False)
    duration = max(words / ESTIMATED_WPM * 60.0, MIN_SPEAKING_S) if words else 0.0
    return Timing(duration_s=round(duration, 2), pace_wpm=ESTIMATED_WPM if words else 0.0, estimated=True)


def long_pauses(transcript: Transcript) -> PauseStats:
    """Gaps longer than PAUSE_OVER_S between consecutive words; none can be known without timings."""
    if not transcript.timed:
        return PauseStats()
    gaps = []
    for before, after in zip(transcript.tokens, transcript.tokens[1:], strict=False):
        gap = float(after.start or 0.0) - float(before.end or 0.0)
        if gap > PAUSE_OVER_S:
            gaps.append(gap)
    return PauseStats(count=len(gaps), longest_s=round(max(gaps, default=0.0), 2), total_s=round(sum(gaps), 2))


def per_minute(count: float, duration_s: float) -> float:
    return round(count / max(duration_s, MIN_SPEAKING_S) * 60.0, 2) if count else 0.0
