"""The embedded interviewer voice (Piper en_US-joe-medium on onnxruntime, one thread; phonemes from espeak-ng).

    python -m bench.tts

tts_rtf                synthesis time / audio time over 10 bank questions, the whole text each, nothing cached
tts_first_sentence_ms  text given -> the first sentence's 48 kHz audio ready from `stream` (what the relay waits for
                       before the candidate hears anything), p50/p95 over the same questions, twice
Both include the espeak-ng process that makes the phonemes. Takes ~15 s on 2 cores."""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from bench.stats import percentiles
from rehearse.adapters.local.piper_synthesizer import OUTPUT_RATE, PiperSynthesizer
from rehearse.domain.question_bank import default_bank

QUESTIONS = 10


def _questions() -> list[str]:
    bank = default_bank()
    every = [q.text for role in bank.roles() for q in bank.questions_for(role.id, 100)]
    return every[:: max(len(every) // QUESTIONS, 1)][:QUESTIONS]


THREADS = 2  # as the app runs it (PiperSynthesizer's default)


async def measure() -> dict[str, Any]:
    synth = PiperSynthesizer(cache_size=0, threads=THREADS)  # every sentence is synthesized: a cache hit would measure nothing
    await synth.synthesize("Thank you.")  # warm-up: the model loads and onnxruntime allocates on the first run
    questions = _questions()
    busy_s = audio_s = 0.0
    for text in questions:
        started = time.perf_counter()
        pcm = await synth.synthesize(text)
        busy_s += time.perf_counter() - started
        audio_s += pcm.size / OUTPUT_RATE
    first_ms = []
    for text in questions * 2:
        started = time.perf_counter()
        chunks = aiter(synth.stream(text))
        await anext(chunks)
        first_ms.append((time.perf_counter() - started) * 1000.0)
        async for _ in chunks:  # the rest of the text, so the next question starts on an idle machine
            pass
    return {"rtf": busy_s / audio_s, "audio_s": audio_s, "questions": len(questions), "first_ms": first_ms}


def run() -> list[dict[str, Any]]:
    figures = asyncio.run(measure())
    voice = {"voice": "piper en_US-joe-medium", "onnx_threads": THREADS, "cpus": os.cpu_count()}
    return [
        {"metric": "tts_rtf", "value": round(figures["rtf"], 3), "unit": "x", "questions": figures["questions"],
         "audio_s": round(figures["audio_s"], 1), **voice},
        {"metric": "tts_first_sentence_ms", **percentiles(figures["first_ms"]), **voice},
    ]  # fmt: skip


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line), flush=True)
