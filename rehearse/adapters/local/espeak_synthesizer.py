"""Synthesizer on espeak-ng: the interviewer's voice, rendered offline and resampled to 48 kHz mono."""

from __future__ import annotations

import asyncio
import shutil
from collections import OrderedDict
from collections.abc import AsyncIterator

import numpy as np

from rehearse.adapters.local.wav import decode_wav
from rehearse.domain.errors import ModelUnavailable

OUTPUT_RATE = 48000


class EspeakSynthesizer:
    def __init__(self, voice: str = "en-us", words_per_minute: int = 165, cache_size: int = 64) -> None:
        self._binary = shutil.which("espeak-ng")
        self._voice = voice
        self._wpm = words_per_minute
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    async def stream(self, text: str) -> AsyncIterator[np.ndarray]:
        """The whole text as one piece: espeak-ng renders a question in a few milliseconds."""
        pcm = await self.synthesize(text)
        if pcm.size:
            yield pcm

    async def prepare(self, text: str) -> None:
        await self.synthesize(text)  # into the cache

    async def synthesize(self, text: str) -> np.ndarray:
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        if self._binary is None:
            raise ModelUnavailable("espeak-ng is not installed: `apt-get install espeak-ng` (make run does it as root)")
        proc = await asyncio.create_subprocess_exec(
            self._binary, "-v", self._voice, "-s", str(self._wpm), "--stdout", "--", text,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"espeak-ng failed: {err.decode(errors='replace').strip()}")
        pcm = await asyncio.to_thread(decode_wav, out, OUTPUT_RATE)
        self._cache[text] = pcm
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return pcm
