"""Maps a stream's audio time to the wall clock at which the relay received that audio."""

from __future__ import annotations

import bisect

SAMPLE_RATE = 16000


class AudioTimeline:
    """Appends (samples so far, received at) per chunk; answers 'when did sample N arrive?'."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, keep: int = 200_000) -> None:
        self._rate = sample_rate
        self._ends: list[int] = []
        self._received_ms: list[int] = []
        self._keep = keep
        self.samples = 0

    def add(self, n_samples: int, received_ms: int) -> None:
        self.samples += n_samples
        self._ends.append(self.samples)
        self._received_ms.append(received_ms)
        if len(self._ends) > self._keep:  # about an hour of 20 ms chunks; older entries are never asked for
            drop = len(self._ends) - self._keep
            del self._ends[:drop], self._received_ms[:drop]

    @property
    def seconds(self) -> float:
        return self.samples / self._rate

    def received_ms(self, audio_s: float) -> int:
        """Wall clock (Unix ms) when the chunk containing audio time audio_s was received; 0 if unknown."""
        if not self._ends:
            return 0
        sample = int(round(audio_s * self._rate))
        i = bisect.bisect_left(self._ends, max(sample, 1))
        return self._received_ms[min(i, len(self._received_ms) - 1)]
