"""Recognizer for the embedded default: pocketsphinx partials while a phrase is spoken, a Whisper final after it.

Each stream has one worker thread (voice activity, phrase cutting, streaming partials); finals run one at a time
on a shared executor so the event loop never blocks and finals come out in phrase order."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from rehearse import tracing
from rehearse.adapters.local.pocketsphinx_partials import PocketsphinxPartials
from rehearse.adapters.local.thread_priority import lower_this_thread
from rehearse.adapters.local.whisper_finals import WhisperFinals
from rehearse.domain.analysis_model import Word
from rehearse.domain.fillers import hesitations_in, merge_fillers
from rehearse.interview.phrases import FRAME_SAMPLES, PhraseCutter, PhraseEnded, PhraseStarted
from rehearse.interview.prosody import measure_prosody
from rehearse.ports import Hypothesis, VoiceActivity

_STOP = object()
# A partial every 3 frames (60 ms): the candidate sees a word sooner (p95 about 35 ms sooner with two live sessions
# than every 100 ms, bench/load.py), for a hypothesis that costs well under a millisecond.
PARTIAL_EVERY_FRAMES = 3


class _Flush:
    """Travels through the pipeline behind the audio fed before it; done once results() reaches it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.done = loop.create_future()


class TwoPassRecognizer:
    def __init__(
        self,
        finals: WhisperFinals,
        vad_factory: Callable[[], VoiceActivity],
        phrase_silence_s: float = 0.5,
        partial_every_frames: int = PARTIAL_EVERY_FRAMES,
        speculate_after_s: float = 0.2,
        finals_niceness: int = 0,
    ) -> None:
        self._finals = finals
        self._vad_factory = vad_factory
        self._phrase_silence_s = phrase_silence_s
        self._partial_every = partial_every_frames
        self._speculate_frames = max(1, round(speculate_after_s / 0.02))
        # finals wait behind every session's partials and media (thread_priority.py): later finals, no stalls
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="whisper", initializer=lower_this_thread, initargs=(finals_niceness,)
        )

    def open_stream(self) -> TwoPassStream:
        return TwoPassStream(
            self._finals, self._executor, PhraseCutter(self._vad_factory(), silence_s=self._phrase_silence_s),
            self._partial_every, self._speculate_frames,
        )


class TwoPassStream:
    def __init__(
        self, finals: WhisperFinals, executor: ThreadPoolExecutor, cutter: PhraseCutter, partial_every: int, speculate_frames: int
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._finals = finals
        self._executor = executor
        self._cutter = cutter
        self._partial_every = partial_every
        self._speculate_frames = speculate_frames
        self._inbox: queue.Queue = queue.Queue()
        self._out: asyncio.Queue[Hypothesis | _Flush | None] = asyncio.Queue()
        self._phrases: asyncio.Queue[tuple[int, PhraseEnded, list[Word], Future | None] | _Flush | None] = asyncio.Queue()
        self._thread = threading.Thread(target=self._work, name="partials", daemon=True)
        self._thread.start()
        self._finals_task = self._loop.create_task(self._run_finals())
        self._closed = False

    def feed(self, pcm: np.ndarray, voiced: Sequence[bool] | None = None) -> None:
        if not self._closed:
            self._inbox.put((pcm, voiced))

    async def flush(self) -> None:
        if self._closed:
            return
        marker = _Flush(self._loop)
        self._inbox.put(marker)
        await marker.done

    async def results(self) -> AsyncIterator[Hypothesis]:
        while (item := await self._out.get()) is not None:
            if isinstance(item, _Flush):
                if not item.done.done():
                    item.done.set_result(None)  # the consumer has handled everything before the marker
                continue
            yield item

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._inbox.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        await self._finals_task

    # -- worker thread -------------------------------------------------------------------------------------------
    def _post(self, target: asyncio.Queue, item) -> None:
        try:
            self._loop.call_soon_threadsafe(target.put_nowait, item)
        except RuntimeError:  # the loop is gone: the process is shutting down
            pass

    def _work(self) -> None:
        partials = PocketsphinxPartials()
        pending = np.zeros(0, np.int16)
        phrase_id = 0
        frames = 0
        shown = ""
        start_s = 0.0
        # A phrase usually ends at its first pause: the final is decoded speculatively once the pause starts, and
        # kept if the pause lasts long enough to end the phrase (the audio after it is only silence).
        speculation: Future | None = None

        def ended(event: PhraseEnded) -> None:
            nonlocal speculation
            words = partials.finish()
            self._post(self._phrases, (phrase_id, event, words, speculation))
            speculation = None

        while True:
            item = self._inbox.get()
            if item is _STOP or isinstance(item, _Flush):
                if (event := self._cutter.cut()) is not None:
                    ended(event)
                if item is _STOP:
                    partials.close()
                    self._post(self._phrases, None)
                    return
                self._post(self._phrases, item)
                continue
            pcm, voiced = item
            # The caller's voice-activity decisions hold for whole frames of its audio; with audio cut otherwise,
            # the cutter decides for itself.
            decisions = list(voiced) if voiced is not None and not pending.size and pcm.size == FRAME_SAMPLES * len(voiced) else []
            pending = np.concatenate((pending, pcm)) if pending.size else pcm
            while pending.size >= FRAME_SAMPLES:
                frame, pending = pending[:FRAME_SAMPLES], pending[FRAME_SAMPLES:]
                was_in_phrase = self._cutter.in_phrase
                if was_in_phrase:
                    partials.feed(frame)
                    frames += 1
                for event in self._cutter.push(frame, decisions.pop(0) if decisions else None):
                    if isinstance(event, PhraseStarted):
                        phrase_id += 1
                        frames, shown, start_s = 0, "", event.offset_s
                        partials.begin(event.offset_s)
                        partials.feed(event.preroll)
                    else:
                        ended(event)
                if self._cutter.in_phrase:
                    quiet = self._cutter.quiet_frames
                    if quiet == 0 and speculation is not None:
                        speculation.cancel()  # the candidate went on: the phrase is not over
                        speculation = None
                    elif quiet == self._speculate_frames and speculation is None:
                        begin_s, _, audio = self._cutter.phrase_so_far()
                        speculation = self._executor.submit(self._finals.transcribe, audio, begin_s)
                if was_in_phrase and self._cutter.in_phrase and frames % self._partial_every == 0:
                    words = partials.hypothesis()
                    text = " ".join(w.w for w in words)
                    if text and text != shown:
                        shown = text
                        end_s = words[-1].end
                        self._post(self._out, Hypothesis(phrase_id, text, start_s, end_s, tuple(words), final=False))

    # -- finals, on the event loop ---------------------------------------------------------------------------------
    async def _run_finals(self) -> None:
        while (item := await self._phrases.get()) is not None:
            if isinstance(item, _Flush):
                self._out.put_nowait(item)
                continue
            phrase_id, event, streaming_words, speculation = item
            speculative = speculation is not None and not speculation.cancelled()
            # one span per phrase (a few per minute of speech): the session id comes from the relay's span, which
            # was current when this stream was opened
            with tracing.span("recognizer.final", None, phrase_id=phrase_id, speculative=speculative, audio_s=round(event.end_s - event.start_s, 2)) as span:
                try:
                    if speculative:
                        words, confidence = await asyncio.wrap_future(speculation)
                    else:
                        words, confidence = await self._loop.run_in_executor(
                            self._executor, self._finals.transcribe, event.audio, event.start_s
                        )
                except Exception:  # a broken decode must not lose the phrase: keep what the fast pass heard
                    words, confidence = streaming_words, 0.0
                    span.set_attribute("rehearse.fallback", True)
                prosody = await asyncio.to_thread(measure_prosody, event.audio)
                fillers = merge_fillers(hesitations_in([w.w for w in words]), hesitations_in([w.w for w in streaming_words]))
                text = " ".join(w.w for w in words)
                self._out.put_nowait(
                    Hypothesis(phrase_id, text, event.start_s, event.end_s, tuple(words), final=True, confidence=confidence, fillers=tuple(fillers), prosody=prosody)
                )
        self._out.put_nowait(None)
