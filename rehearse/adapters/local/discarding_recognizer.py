"""A recognizer stage that counts the audio it is fed and discards it: the relay's own cost, without speech recognition.

Chosen with REHEARSE_RECOGNIZER=forward_only (bench/load.py measures the relay with it). It keeps the port's
promises: flush() returns at once because no final is ever pending, results() yields nothing and ends once the
stream is closed. When a stream closes it logs how much audio reached it, so a load test can check from the
server's log that every frame the relay decoded was handed on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

import numpy as np

from rehearse.ports import Hypothesis

log = logging.getLogger("rehearse.recognizer")

SAMPLE_RATE = 16000
CLOSED_LOG = "forward-only stream %d closed: %d samples in %d chunks"  # bench/load.py parses this line


class DiscardingRecognizer:
    def __init__(self) -> None:
        self._opened = 0

    def open_stream(self) -> DiscardingStream:
        self._opened += 1
        return DiscardingStream(self._opened)


class DiscardingStream:
    def __init__(self, stream_no: int) -> None:
        self.stream_no = stream_no
        self.samples = 0
        self.chunks = 0
        self._closed = asyncio.Event()

    @property
    def seconds(self) -> float:
        return self.samples / SAMPLE_RATE

    def feed(self, pcm: np.ndarray, voiced: Sequence[bool] | None = None) -> None:  # cuts phrases by itself (or not at all)
        if not self._closed.is_set():
            self.samples += pcm.size
            self.chunks += 1

    async def flush(self) -> None:
        return  # nothing is ever pending

    async def results(self) -> AsyncIterator[Hypothesis]:
        await self._closed.wait()
        return
        yield  # an async generator that ends without a hypothesis

    async def aclose(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        log.info(CLOSED_LOG, self.stream_no, self.samples, self.chunks)
