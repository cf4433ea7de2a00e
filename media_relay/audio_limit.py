"""The audio-limit stage: counts the audio a session streams against its quotas (the longest answer, the longest
interview), adds it to the session's Store counter every few seconds, and says once when a limit is passed; from then
on the recognizer and the recorder get no more of it (rehearse/interview/audio_allowance.py holds the arithmetic)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from media_relay.frames import Frame
from rehearse.interview.audio_allowance import AudioAllowance, Refusal

log = logging.getLogger("rehearse.relay")

SYNC_EVERY_S = 5.0  # one Store write per 5 s of audio: a relay that dies loses at most this much of the count


class AudioLimit:
    def __init__(
        self,
        allowance: AudioAllowance,
        add_audio: Callable[[float], Awaitable[float]],
        on_refused: Callable[[Refusal], None],
        spawn: Callable[[Awaitable[None]], asyncio.Task],
    ) -> None:
        self._allowance = allowance
        self._add_audio = add_audio
        self._on_refused = on_refused
        self._spawn = spawn
        self._question_id: str | None = None

    @property
    def refusing(self) -> bool:
        return self._allowance.refusing

    def __call__(self, frame: Frame) -> None:
        refused = self._allowance.take(frame.pcm.size / 16000)
        if refused is not None:
            self._on_refused(refused)
        if seconds := self._allowance.unsynced_s(at_least=SYNC_EVERY_S):
            self._spawn(self._persist(seconds))

    def answer_opened(self, question_id: str) -> None:
        """A new question's answer has its own limit; the same question asked again goes on counting."""
        if question_id != self._question_id:
            self._question_id = question_id
            self._allowance.new_answer()

    async def flush(self) -> None:
        if seconds := self._allowance.unsynced_s():
            await self._persist(seconds)

    async def _persist(self, seconds: float) -> None:
        try:
            await self._add_audio(seconds)
        except Exception:  # the count is a bound on cost, not the interview: it goes on, and this connection still counts
            log.warning("could not add %.1f s to the session's audio counter", seconds, exc_info=True)
