"""Records one answer: the candidate's 16 kHz mono PCM, written as a growing WAV through the Blobs port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import numpy as np

from rehearse.adapters.local.wav import wav_bytes
from rehearse.app.sessions import RECORDINGS
from rehearse.domain.model import Recording
from rehearse.ports import Blobs

log = logging.getLogger("rehearse.relay")

RATE = 16000
FLUSH_EVERY_S = 15.0  # what a crash can cost: at most this much of the answer's end
MAX_S = 30 * 60  # an answer's audio kept in memory at most (58 MB); the transcript goes on past it


class AnswerRecorder:
    """Collects one answer's audio and writes it whole, again and again as it grows, then once more when it stops.

    feed() runs on the event loop for every 20 ms of audio, so it only appends a reference to the chunk's bytes;
    joining them and building the WAV happen in a thread, every FLUSH_EVERY_S seconds of audio. Writes never
    overlap, so a later, longer WAV is never overwritten by an earlier one."""

    def __init__(
        self,
        blobs: Blobs,
        recording: Recording,
        saved: Callable[[Recording], Awaitable[None]] | None = None,
        flush_every_s: float = FLUSH_EVERY_S,
    ) -> None:
        self.recording = recording
        self._blobs = blobs
        self._saved = saved
        self._flush_every = int(flush_every_s * RATE)
        self._chunks: list[bytes] = []
        self._samples = 0
        self._written = 0  # samples in the last write started
        self._writing: asyncio.Task | None = None
        self._stopped = False

    @property
    def question_id(self) -> str:
        return self.recording.question_id

    def feed(self, pcm: np.ndarray) -> None:
        if self._stopped or self._samples >= MAX_S * RATE:
            return
        self._chunks.append(pcm.astype(np.int16, copy=False).tobytes())
        self._samples += pcm.size
        if self._samples - self._written >= self._flush_every and (self._writing is None or self._writing.done()):
            self._writing = asyncio.get_running_loop().create_task(self._write())

    def stop(self) -> asyncio.Task[Recording | None]:
        """No more audio. The returned task writes the whole answer after any write in progress and gives the
        recording as written (None when there was no audio or the write failed). It is the recorder's own task:
        cancelling whoever awaits it does not lose the answer's end."""
        if not self._stopped:
            self._stopped = True
            self._writing = asyncio.get_running_loop().create_task(self._last_write(self._writing))
        assert self._writing is not None
        return self._writing

    async def _last_write(self, previous: asyncio.Task | None) -> Recording | None:
        if previous is not None:
            await asyncio.wait({previous})
        if self._samples == 0:
            return None
        return await self._write()

    async def _write(self) -> Recording | None:
        chunks, samples = self._chunks[:], self._samples  # a snapshot of references; audio fed later is in the next write
        self._written = samples
        recording = self.recording.model_copy(update={"duration": samples / RATE})
        try:
            data = await asyncio.to_thread(lambda: wav_bytes(b"".join(chunks), RATE))
            await self._blobs.put(RECORDINGS, recording.blob_name, data, "audio/wav")
            if self._saved is not None:
                await self._saved(recording)
        except Exception:  # the interview goes on without its recording rather than stopping
            log.warning("session %s: could not write recording %s", recording.session_id, recording.name, exc_info=True)
            return None
        self.recording = recording
        return recording
