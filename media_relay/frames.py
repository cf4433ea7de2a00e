"""The candidate's audio as 20 ms frames, each with ONE voice-activity decision, handed to a list of stages in turn
(timeline and link, recognizer, recorder, turn detection): every stage sees the same frame and the same decision."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rehearse.interview.phrases import FRAME_SAMPLES
from rehearse.ports import VoiceActivity


@dataclass(frozen=True)
class Frame:
    pcm: np.ndarray  # FRAME_SAMPLES of 16 kHz mono int16
    voiced: bool
    received_ms: int  # wall clock (Unix ms) at which the relay received the packet it came in


FrameStage = Callable[[Frame], None]


class AudioFanOut:
    """Cuts decoded audio into frames, decides voice activity once per frame, and calls each stage in order."""

    def __init__(self, vad: VoiceActivity, stages: Sequence[FrameStage]) -> None:
        self._vad = vad
        self._stages = tuple(stages)
        self._pending = np.zeros(0, np.int16)

    def push(self, pcm: np.ndarray, received_ms: int) -> None:
        pending = np.concatenate((self._pending, pcm)) if self._pending.size else pcm
        whole = pending.size - pending.size % FRAME_SAMPLES
        for start in range(0, whole, FRAME_SAMPLES):
            samples = pending[start : start + FRAME_SAMPLES]
            frame = Frame(samples, self._vad.is_speech(samples), received_ms)
            for stage in self._stages:
                stage(frame)
        self._pending = pending[whole:].copy()


class AudioTail:
    """The last `seconds` of the candidate's 16 kHz audio, for the end-of-turn model (a ring of frames)."""

    def __init__(self, seconds: float = 8.0) -> None:
        self._frames = max(1, round(seconds * 16000 / FRAME_SAMPLES))
        self._ring = np.zeros((self._frames, FRAME_SAMPLES), np.int16)
        self._next = 0
        self._filled = 0

    def push(self, frame: Frame) -> None:
        self._ring[self._next] = frame.pcm
        self._next = (self._next + 1) % self._frames
        self._filled = min(self._filled + 1, self._frames)

    def clear(self) -> None:
        self._filled = 0

    def pcm(self) -> np.ndarray:
        """The kept audio, oldest first (shorter than `seconds` until that much has been heard since `clear`)."""
        order = np.roll(np.arange(self._frames), -self._next)[self._frames - self._filled :]
        return self._ring[order].reshape(-1).copy()
