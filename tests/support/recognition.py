"""Feeding a recognizer stream as the relay does, and collecting what it says."""

import asyncio

import numpy as np

from tests.support.audio import speak

CHUNK = 1600  # 100 ms at 16 kHz


async def recognize(recognizer, pcm: np.ndarray, real_time: bool = False) -> list:
    """Every hypothesis of one stream fed `pcm` 100 ms at a time: as fast as the loop allows, or `real_time` on the
    wall clock, as the relay feeds it (reads then land mid-phrase), flushed before the stream closes."""
    stream = recognizer.open_stream()
    results = []

    async def collect():
        async for hyp in stream.results():
            results.append(hyp)

    collector = asyncio.create_task(collect())
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i, start in enumerate(range(0, pcm.size, CHUNK)):
        stream.feed(pcm[start : start + CHUNK])
        await asyncio.sleep(max(0.0, started + (i + 1) * 0.1 - loop.time()) if real_time else 0)
    if real_time:
        await stream.flush()
    await stream.aclose()
    await collector
    return results


def with_pauses(sentences: list[str], pause_s: float = 1.2) -> np.ndarray:
    """The sentences in espeak-ng at 16 kHz, each after a pause, and a pause at the end."""
    gap = np.zeros(int(pause_s * 16000), np.int16)
    return np.concatenate([gap, *(part for s in sentences for part in (speak(s, 16000), gap)), gap])
