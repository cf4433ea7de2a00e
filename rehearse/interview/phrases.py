"""Cuts a stream of 20 ms frames into phrases by voice activity, and tells when an answer has gone quiet."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from rehearse.ports import VoiceActivity

FRAME_SAMPLES = 320  # 20 ms at 16 kHz
FRAME_S = 0.02


@dataclass
class PhraseStarted:
    offset_s: float
    preroll: np.ndarray


@dataclass
class PhraseEnded:
    start_s: float
    end_s: float  # audio time of the last voiced frame
    audio: np.ndarray = field(repr=False)


class PhraseCutter:
    """Speech starts after `start_frames` voiced frames out of 5, ends after `silence_s` without voice."""

    def __init__(
        self,
        vad: VoiceActivity,
        silence_s: float = 0.6,
        max_phrase_s: float = 20.0,
        preroll_s: float = 0.2,
        start_frames: int = 3,
    ) -> None:
        self._vad = vad
        self._silence_frames = max(1, round(silence_s / FRAME_S))
        self._max_frames = round(max_phrase_s / FRAME_S)
        self._start_frames = start_frames
        self._recent: deque[tuple[np.ndarray, bool]] = deque(maxlen=max(5, round(preroll_s / FRAME_S)))
        self._frames = 0
        self._phrase: list[np.ndarray] | None = None
        self._start_s = 0.0
        self._last_voiced_s = 0.0
        self._quiet = 0

    @property
    def in_phrase(self) -> bool:
        return self._phrase is not None

    @property
    def quiet_frames(self) -> int:
        """Unvoiced frames since the last voiced one in the open phrase."""
        return self._quiet if self._phrase is not None else 0

    def phrase_so_far(self) -> tuple[float, float, np.ndarray]:
        """Start, last voiced time and audio of the open phrase (for a speculative final)."""
        return self._start_s, self._last_voiced_s, np.concatenate(self._phrase or [np.zeros(0, np.int16)])

    def push(self, frame: np.ndarray, voiced: bool | None = None) -> list[PhraseStarted | PhraseEnded]:
        """`voiced`: the frame's voice-activity decision when the caller has made it already (the relay decides once
        per frame for every stage); otherwise this cutter's own VAD decides."""
        now_s = self._frames * FRAME_S
        self._frames += 1
        if voiced is None:
            voiced = self._vad.is_speech(frame)
        events: list[PhraseStarted | PhraseEnded] = []
        if self._phrase is None:
            self._recent.append((frame, voiced))
            if sum(v for _, v in list(self._recent)[-5:]) >= self._start_frames:
                preroll = np.concatenate([f for f, _ in self._recent])
                self._start_s = now_s + FRAME_S - len(self._recent) * FRAME_S
                self._phrase = [preroll]
                self._recent.clear()
                self._quiet = 0
                self._last_voiced_s = now_s + FRAME_S
                events.append(PhraseStarted(self._start_s, preroll))
            return events
        self._phrase.append(frame)
        if voiced:
            self._quiet = 0
            self._last_voiced_s = now_s + FRAME_S
        else:
            self._quiet += 1
        if self._quiet >= self._silence_frames or len(self._phrase) >= self._max_frames:
            events.append(self._close())
        return events

    def cut(self) -> PhraseEnded | None:
        """End the open phrase now, if any."""
        return self._close() if self._phrase is not None else None

    def _close(self) -> PhraseEnded:
        audio = np.concatenate(self._phrase or [np.zeros(0, np.int16)])
        self._phrase = None
        self._quiet = 0
        return PhraseEnded(self._start_s, self._last_voiced_s, audio)
