"""Audio stages of a relay session: the interviewer's outbound voice, and the candidate's inbound audio at 16 kHz."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Callable

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

VOICE_RATE = 48000
_FRAME = 960  # 20 ms at 48 kHz


class PacedAudioTrack(MediaStreamTrack):
    """48 kHz mono audio sent in real time, one 20 ms frame at a time; a subclass says what each frame holds."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._start: float | None = None
        self._pts = 0

    def next_pcm(self, at: float) -> np.ndarray:
        """The _FRAME int16 samples due at `at` (time.monotonic() seconds)."""
        raise NotImplementedError

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += _FRAME
            wait = self._start + self._pts / VOICE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        frame = av.AudioFrame.from_ndarray(self.next_pcm(self._start + self._pts / VOICE_RATE).reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = VOICE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, VOICE_RATE)
        return frame


class InterviewerVoice(PacedAudioTrack):
    """Plays queued speech in real time, 20 ms per frame, and silence in between. Speech can be paused (the candidate
    began to speak over it) and resumed a little before the pause, as a person picks up their sentence again."""

    REWIND = VOICE_RATE * 3 // 10  # 0.3 s said again after a pause

    def __init__(self) -> None:
        super().__init__()
        self._speech = np.zeros(0, np.int16)  # what is being said, played and still to play
        self._at = 0  # the next sample of _speech to play
        self._paused = False
        self._done = asyncio.Event()
        self._done.set()
        self.frames_sent = 0
        self._marks: list[tuple[int, Callable[[], None]]] = []  # (sample of _speech, called when it goes out)

    def say(self, pcm: np.ndarray, on_first_frame: Callable[[], None] | None = None) -> None:
        """Queue speech after what is being said; `on_first_frame` is called as its first frame is handed out."""
        if on_first_frame is not None:
            self._marks.append((self._speech.size, on_first_frame))
        self._speech = np.concatenate((self._speech, pcm.astype(np.int16)))
        self._done.clear()

    def hush(self) -> None:
        self._speech, self._at, self._paused = np.zeros(0, np.int16), 0, False
        self._marks.clear()
        self._done.set()

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._at = max(0, self._at - self.REWIND)

    @property
    def paused(self) -> bool:
        return self._paused

    async def finished(self) -> None:
        await self._done.wait()

    def next_pcm(self, at: float) -> np.ndarray:
        self.frames_sent += 1
        if self._paused:
            return np.zeros(_FRAME, np.int16)
        chunk = self._speech[self._at : self._at + _FRAME]
        while self._marks and self._marks[0][0] < self._at + _FRAME:
            self._marks.pop(0)[1]()
        self._at += chunk.size
        if chunk.size < _FRAME:
            chunk = np.concatenate((chunk, np.zeros(_FRAME - chunk.size, np.int16)))
            self._speech, self._at = np.zeros(0, np.int16), 0
            self._done.set()
        return chunk


async def pump_candidate_audio(track: MediaStreamTrack, on_pcm: Callable[[np.ndarray, int], None]) -> None:
    """Decode → 16 kHz mono int16, stamped with the wall clock (Unix ms) of arrival, until the track ends."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        received_ms = int(time.time() * 1000)
        for out in resampler.resample(frame):
            on_pcm(out.to_ndarray().reshape(-1), received_ms)
