"""Recognizer for the embedded default: pocketsphinx partials while a phrase is spoken, a Whisper final after it.

Each stream has one worker thread (voice activity, phrase cutting, streaming partials); finals run one at a time
on a shared executor so the event loop never blocks and finals come out in phrase order. With accurate partials
(whisper_partials.py), Whisper tiny.en reads the phrase so far about once a second and when its pause begins, on a
shared executor of its own; the partial then shows its words for the audio it read and pocketsphinx's after them."""

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
from rehearse.adapters.local.whisper_partials import WhisperPartials
from rehearse.domain.analysis_model import Word
from rehearse.domain.fillers import hesitations_in, merge_fillers, most_of
from rehearse.interview.phrases import FRAME_SAMPLES, PhraseCutter, PhraseEnded, PhraseStarted
from rehearse.interview.prosody import measure_prosody
from rehearse.ports import Hypothesis, VoiceActivity

_STOP = object()
# A partial every 3 frames (60 ms): the candidate sees a word sooner (p95 about 35 ms sooner with two live sessions
# than every 100 ms, bench/load.py), for a hypothesis that costs well under a millisecond.
PARTIAL_EVERY_FRAMES = 3
# Accurate partials: the phrase so far is read once it is this long, then again this long after the last read ended
# (and once more when its pause begins). About 80 ms of one core a read (docs/models.md, "Partials").
READ_FROM_S = 1.0
READ_EVERY_S = 1.0


class DecoderPool:
    """pocketsphinx decoders for the streams, kept when a stream ends and used again by the next one.

    Building a decoder costs about 230 ms of a core and 95 MB (its acoustic model, dictionary and language model are
    read and laid out) and freeing it about 35 ms. Built when a candidate connected, it competed with the synthesis of
    the first question for the two cores and delayed the interviewer's first word by about as much
    (bench/conversation.py, `tts_first_audio_relay_ms`). So a decoder is built ahead, at the finals' lower priority, and
    a stream that ends gives its decoder back for the next stream; a stream that finds none ready builds its own, and
    one more is built ahead (one at a time) for the stream after it. At most `keep` decoders wait unused; more are freed.

    A decoder used before carries the speaker normalisation (cepstral mean) it learned from earlier audio, as it does
    from one phrase to the next of one answer; on the recordings of people its partials are no worse for it (word
    recall 0.83 after an espeak-ng answer, 0.73 from a new decoder), and the normalisation follows the new voice."""

    def __init__(
        self, niceness: int = 0, keep: int = 2, build: Callable[[], PocketsphinxPartials] = PocketsphinxPartials
    ) -> None:
        self._build = build
        self._keep = keep
        self._idle: list[PocketsphinxPartials] = []
        self._lock = threading.Lock()
        self._builder = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="decoder-build", initializer=lower_this_thread, initargs=(niceness,)
        )
        self._ahead = self._builder.submit(self._build_ahead)

    def _build_ahead(self) -> None:
        self.give_back(self._build())

    def take(self) -> PocketsphinxPartials:
        """A decoder with no utterance open, for one stream (called on the stream's own thread)."""
        with self._lock:
            decoder = self._idle.pop() if self._idle else None
            if not self._idle and self._ahead.done():  # the next stream finds one ready
                self._ahead = self._builder.submit(self._build_ahead)
        return decoder if decoder is not None else self._build()

    def give_back(self, decoder: PocketsphinxPartials) -> None:
        decoder.finish()
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(decoder)
                return
        decoder.close()


def surer_reading(final: list[Word], confidence: float, read: list[Word]) -> tuple[list[Word], float] | None:
    """The read of the whole phrase (Whisper tiny.en) when it is surer of its words than the final (Whisper base):
    its words and mean word probability, else None. Two models mishear in different places, and each is surer where
    it heard right. Measured in-process against what was said (docs/models.md, "Finals from the surer reading"): WER on
    the bench's espeak-ng sentences 0.237 -> 0.127 and its recordings of people 0.052 -> 0.043; on sentences and voices
    never used to choose the rule, espeak-ng at 190 wpm 0.188 -> 0.150, en-gb 0.144 and the Piper voice 0.068 unchanged."""
    if not read:
        return None
    surety = float(np.mean([w.conf for w in read]))
    return (read, round(surety, 3)) if surety > confidence else None


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
        reader: WhisperPartials | None = None,
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
        self._decoders = DecoderPool(finals_niceness)  # pocketsphinx's, built ahead and handed from stream to stream
        # the accurate partials' reads, at the finals' priority: what matters most is the final, then pocketsphinx
        self._reads = Reads(reader, ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="partials-read", initializer=lower_this_thread, initargs=(finals_niceness,)
        )) if reader is not None else None  # fmt: skip

    def open_stream(self) -> TwoPassStream:
        return TwoPassStream(
            self._finals,
            self._executor,
            PhraseCutter(self._vad_factory(), silence_s=self._phrase_silence_s),
            self._partial_every,
            self._speculate_frames,
            self._reads,
            self._decoders,
        )


class Reads:
    """Whisper tiny.en reads of phrases so far, for every stream, one at a time."""

    def __init__(self, reader: WhisperPartials, executor: ThreadPoolExecutor) -> None:
        self.reader = reader
        self.executor = executor

    def submit(self, pcm: np.ndarray, offset_s: float, whole: bool) -> Future:
        return self.executor.submit(self.reader.read, pcm, offset_s, whole)


class _PhraseReading:
    """One phrase's accurate partial: the words of its last read, and pocketsphinx's words after them."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads
        self._pending: Future | None = None
        self._pending_whole = False
        self._whole_until: float | None = None  # the stream time where the audio of the last read of the whole phrase ends
        self._read_at_frame = -1
        self.words: list[Word] = []  # of the last read, in stream time
        self.until: float | None = None  # set when those words are of the whole phrase up to this stream time

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def last_read(self) -> Future | None:
        """At the phrase's end: the read of the whole phrase (of the same audio as the speculative final), still under
        way (its words may show until the final is ready: the final comes about 0.15 s after the phrase ends) or done,
        or None; any other read is dropped."""
        pending, whole = self._pending, self._pending_whole
        self._pending = None
        if pending is not None and not whole:
            pending.cancel()
            return None
        if pending is None and self.until is not None and self.words:  # read whole in the pause, and shown already
            pending = Future()
            pending.set_result(self.words)
        return pending

    def maybe_read(
        self, frames: int, audio_s: float, so_far: Callable[[], tuple[float, np.ndarray]], whole: bool = False
    ) -> None:
        """Ask for a read: when the pause begins (`whole`), or once the phrase is long enough and the last read is
        far enough behind."""
        if not whole and (
            self._pending is not None or audio_s < READ_FROM_S or frames - self._read_at_frame < READ_EVERY_S / 0.02
        ):
            return
        self.cancel()  # a read not begun yet is overtaken by this one
        offset_s, pcm = so_far()
        self._pending, self._pending_whole = self._reads.submit(pcm, offset_s, whole), whole
        if whole:
            self._whole_until = offset_s + pcm.size / 16000
        self._read_at_frame = frames

    def collect(self, frames: int) -> bool:
        """Take a finished read's words; True when there were new ones."""
        pending = self._pending
        if pending is None or not pending.done():
            return False
        self._pending = None
        self._read_at_frame = frames
        if pending.cancelled() or pending.exception() is not None:
            return False  # pocketsphinx's words stand until the next read
        self.take(pending.result(), self._pending_whole)
        return True

    def take(self, words: list[Word], whole: bool) -> None:
        self.words, self.until = words, (self._whole_until if whole else None)

    def shown(self, streaming: list[Word]) -> list[Word]:
        """The read's words, then pocketsphinx's that lie after them (a word whose middle is past the read's last).
        After a read of the whole phrase, pocketsphinx's words over the audio it read are left out (at the end of a
        phrase they were words it added in the pause: "…in confidence. and"); those of speech after it still show."""
        if not self.words:
            return streaming
        if self.until is not None:
            return [*self.words, *(w for w in streaming if w.start >= self.until)]
        edge = self.words[-1].end
        return [*self.words, *(w for w in streaming if (w.start + w.end) / 2 > edge)]


class TwoPassStream:
    def __init__(
        self, finals: WhisperFinals, executor: ThreadPoolExecutor, cutter: PhraseCutter, partial_every: int, speculate_frames: int,
        reads: Reads | None = None, decoders: DecoderPool | None = None,
    ) -> None:  # fmt: skip
        self._reads = reads
        self._decoders = decoders
        self._loop = asyncio.get_running_loop()
        self._finals = finals
        self._executor = executor
        self._cutter = cutter
        self._partial_every = partial_every
        self._speculate_frames = speculate_frames
        self._inbox: queue.Queue = queue.Queue()
        self._out: asyncio.Queue[Hypothesis | _Flush | None] = asyncio.Queue()
        # each ended phrase: its id, the event, pocketsphinx's words, the speculative final, the read of the whole phrase
        self._phrases: asyncio.Queue[
            tuple[int, PhraseEnded, list[Word], Future | None, tuple[_PhraseReading, Future] | None] | _Flush | None
        ] = asyncio.Queue()
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
        partials = self._decoders.take() if self._decoders is not None else PocketsphinxPartials()
        pending = np.zeros(0, np.int16)
        phrase_id = 0
        frames = 0
        shown = ""
        start_s = 0.0
        # A phrase usually ends at its first pause: the final is decoded speculatively once the pause starts, and
        # kept if the pause lasts long enough to end the phrase (the audio after it is only silence).
        speculation: Future | None = None
        reading: _PhraseReading | None = None
        streaming: list[Word] = []  # pocketsphinx's latest words of the phrase

        def ended(event: PhraseEnded) -> None:
            nonlocal speculation
            last_read = reading.last_read() if reading is not None else None
            words = partials.finish()
            self._post(
                self._phrases, (phrase_id, event, words, speculation, (reading, last_read) if last_read is not None else None)
            )
            speculation = None

        def so_far() -> tuple[float, np.ndarray]:
            begin_s, _, audio = self._cutter.phrase_so_far()
            return begin_s, audio

        def show(words: list[Word]) -> None:
            nonlocal shown
            text = " ".join(w.w for w in words)
            if text and text != shown:
                shown = text
                self._post(self._out, Hypothesis(phrase_id, text, start_s, words[-1].end, tuple(words), final=False))

        while True:
            item = self._inbox.get()
            if item is _STOP or isinstance(item, _Flush):
                if (event := self._cutter.cut()) is not None:
                    ended(event)
                if item is _STOP:
                    if self._decoders is not None:
                        self._decoders.give_back(partials)
                    else:
                        partials.close()
                    self._post(self._phrases, None)
                    return
                self._post(self._phrases, item)
                continue
            pcm, voiced = item
            # The caller's voice-activity decisions hold for whole frames of its audio; with audio cut otherwise,
            # the cutter decides for itself.
            decisions = (
                list(voiced) if voiced is not None and not pending.size and pcm.size == FRAME_SAMPLES * len(voiced) else []
            )
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
                        frames, shown, start_s, streaming = 0, "", event.offset_s, []
                        reading = _PhraseReading(self._reads) if self._reads is not None else None
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
                        if reading is not None:  # the last read, of the whole phrase, shows while the final is made
                            reading.maybe_read(frames, audio.size / 16000, lambda: (begin_s, audio), whole=True)  # noqa: B023
                    elif reading is not None and quiet == 0:
                        reading.maybe_read(frames, frames * 0.02, so_far)
                if not (was_in_phrase and self._cutter.in_phrase):
                    continue
                if reading is not None and reading.collect(frames):
                    show(reading.shown(streaming))
                if frames % self._partial_every == 0:
                    streaming = partials.hypothesis()
                    show(reading.shown(streaming) if reading is not None else streaming)

    # -- finals, on the event loop ---------------------------------------------------------------------------------
    async def _run_finals(self) -> None:
        while (item := await self._phrases.get()) is not None:
            if isinstance(item, _Flush):
                self._out.put_nowait(item)
                continue
            phrase_id, event, streaming_words, speculation, last_read = item
            speculative = speculation is not None and not speculation.cancelled()
            # one span per phrase (a few per minute of speech): the session id comes from the relay's span, which
            # was current when this stream was opened
            with tracing.span(
                "recognizer.final",
                None,
                phrase_id=phrase_id,
                speculative=speculative,
                audio_s=round(event.end_s - event.start_s, 2),
            ) as span:
                if speculative:
                    decode = asyncio.wrap_future(speculation)
                else:
                    decode = self._loop.run_in_executor(self._executor, self._finals.transcribe, event.audio, event.start_s)
                read = None
                if last_read is not None:
                    read = await self._show_read_until(decode, phrase_id, event, streaming_words, *last_read)
                    read = read if speculative else None  # of the same audio as the final only when it was speculative
                try:
                    words, confidence = await decode
                except Exception:  # a broken decode must not lose the phrase: keep what the fast pass heard
                    words, confidence = streaming_words, 0.0
                    span.set_attribute("rehearse.fallback", True)
                heard = hesitations_in([w.w for w in words])
                if read is not None and (chosen := surer_reading(words, confidence, read)) is not None:
                    words, confidence = chosen
                    span.set_attribute("rehearse.final_from_read", True)
                prosody = await asyncio.to_thread(measure_prosody, event.audio)
                # the filler prompt keeps base's "um"s; tiny.en's read, without it, tends to leave them out
                fillers = merge_fillers(most_of(hesitations_in([w.w for w in words]), heard), hesitations_in([w.w for w in streaming_words]))
                text = " ".join(w.w for w in words)
                self._out.put_nowait(
                    Hypothesis(
                        phrase_id,
                        text,
                        event.start_s,
                        event.end_s,
                        tuple(words),
                        final=True,
                        confidence=confidence,
                        fillers=tuple(fillers),
                        prosody=prosody,
                    )
                )
        self._out.put_nowait(None)

    async def _show_read_until(
        self,
        decode: asyncio.Future,
        phrase_id: int,
        event: PhraseEnded,
        streaming: list[Word],
        reading: _PhraseReading,
        read: Future,
    ) -> None:
        """The read of the whole phrase, if it is ready before the final: shown as the phrase's last partial, and
        returned (its words) for the choice of the final; None when the final came first."""
        read_done = asyncio.wrap_future(read)
        await asyncio.wait({decode, read_done}, return_when=asyncio.FIRST_COMPLETED)
        if not read_done.done() or read_done.cancelled() or read_done.exception() is not None:
            read.cancel()  # the final is ready first: it does not wait for the read
            return None
        reading.take(read_done.result(), whole=True)
        words = reading.shown(streaming)
        if words and not decode.done():
            self._out.put_nowait(
                Hypothesis(phrase_id, " ".join(w.w for w in words), event.start_s, words[-1].end, tuple(words), final=False)
            )
        return reading.words
