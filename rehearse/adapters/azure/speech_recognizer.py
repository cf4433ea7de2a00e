"""The Recognizer port on Azure Speech: continuous recognition of a push stream, results handed to the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import azure.cognitiveservices.speech as speechsdk
import numpy as np

from rehearse.adapters.azure.speech_mapping import (
    EntraTokens,
    PhraseTracker,
    SpeechAuth,
    SpeechServiceError,
    TokenCredential,
    describe_cancellation,
    entra_tokens,
    speech_auth,
    voice_locale,
)
from rehearse.domain.analysis_model import Prosody
from rehearse.interview.prosody import measure_prosody
from rehearse.ports import Hypothesis

if TYPE_CHECKING:
    from rehearse.settings import Settings

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
_POLL_S = 0.05
_TOKEN_RETRY_S = 30.0


@dataclass(frozen=True)
class RecognitionTimings:
    flush_silence_s: float = 0.8  # longer than the segmentation silence, so the service ends the phrase
    flush_settle_s: float = 1.2  # with no phrase open, how long the silence may take to reach the service and be heard
    flush_timeout_s: float = 5.0  # then an open phrase is finalized from its last partial
    close_timeout_s: float = 10.0  # aclose(): how long the service gets to send its last finals
    keep_audio_s: float = 120.0  # audio kept for the prosody of finals; longer phrases are measured on their end


def speech_config_for(auth: SpeechAuth, authorization_token: str | None = None) -> speechsdk.SpeechConfig:
    """The SDK's config for the resource: a key or an Entra ID token; the region's endpoint, the resource's own
    (custom domain, private endpoint) or a container's host."""
    if auth.host or auth.endpoint:
        where = {"host": auth.host} if auth.host else {"endpoint": auth.endpoint}
        config = speechsdk.SpeechConfig(subscription=auth.key, **where)
        if not auth.key and authorization_token:
            config.authorization_token = authorization_token
        return config
    if auth.key:
        return speechsdk.SpeechConfig(subscription=auth.key, region=auth.region)
    # The real token is set on each recognizer or synthesizer before it connects (fetching it may block).
    return speechsdk.SpeechConfig(auth_token=authorization_token or "pending", region=auth.region)


def recognition_config(
    auth: SpeechAuth, language: str, segmentation_silence_ms: int | None = None, disfluency_mode: str | None = None
) -> speechsdk.SpeechConfig:
    """Detailed results with timed words; never the TrueText post-processing, which removes hesitations.

    disfluency_mode ("Raw": keep hesitations) sets the field the SDK itself sets to "Removed" for TrueText, through
    `speechcontext-` service properties (the way Microsoft documents for diarization and sentiment options). How the
    service answers it is not verified yet (docs/speech-live-check.md), so it is off unless asked for."""
    config = speech_config_for(auth)
    config.speech_recognition_language = language
    config.output_format = speechsdk.OutputFormat.Detailed  # NBest with lexical form, confidence and timed words
    config.request_word_level_timestamps()
    if segmentation_silence_ms is not None:
        config.set_property(speechsdk.PropertyId.Speech_SegmentationSilenceTimeoutMs, str(segmentation_silence_ms))
    if disfluency_mode is not None:
        for field in ("disfluencyMode", "intermediatedisfluencymode"):  # finals, partials (the SDK's own spelling)
            config.set_service_property(
                f"speechcontext-phraseDetection.enrichment.conversation.{field}",
                disfluency_mode,
                speechsdk.ServicePropertyChannel.UriQueryParameter,
            )
    return config


def push_stream() -> speechsdk.audio.PushAudioInputStream:
    audio_format = speechsdk.audio.AudioStreamFormat(samples_per_second=SAMPLE_RATE, bits_per_sample=16, channels=1)
    return speechsdk.audio.PushAudioInputStream(stream_format=audio_format)


class AzureSpeechRecognizer:
    """One continuous recognition per candidate stream, against a Speech resource (or a Speech container's host)."""

    def __init__(
        self,
        auth: SpeechAuth,
        language: str = "en-US",
        *,
        credential: TokenCredential | None = None,
        segmentation_silence_ms: int | None = None,
        disfluency_mode: str | None = None,
        timings: RecognitionTimings = RecognitionTimings(),  # noqa: B008 (frozen)
    ) -> None:
        self._auth = auth
        self._language = language
        self._segmentation_ms = segmentation_silence_ms
        self._disfluency_mode = disfluency_mode
        self._timings = timings
        self._tokens = entra_tokens(auth, credential)

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureSpeechRecognizer:
        auth = speech_auth(
            settings.speech_region, settings.speech_key, settings.speech_resource_id, endpoint=settings.speech_endpoint
        )
        language = "-".join(voice_locale(settings.speech_voice).split("-")[:2])  # the interviewer's language is the candidate's
        # Phrases end after the same silence as in the embedded world, so both cut answers alike.
        return cls(auth, language, segmentation_silence_ms=round(settings.phrase_silence_s * 1000))

    def open_stream(self) -> AzureRecognitionStream:
        config = recognition_config(self._auth, self._language, self._segmentation_ms, self._disfluency_mode)
        return AzureRecognitionStream(config, self._tokens, self._timings)


class _Flush:
    """Travels behind the results before it; done once results() reaches it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.done: asyncio.Future[None] = loop.create_future()

    def resolve(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


class AzureRecognitionStream:
    """One candidate's audio through one continuous recognition.

    The SDK calls back on its own threads; each callback only copies the result's plain fields and posts them to the
    loop (call_soon_threadsafe), where one task turns them into hypotheses in arrival order (PhraseTracker)."""

    def __init__(self, config: speechsdk.SpeechConfig, tokens: EntraTokens | None, timings: RecognitionTimings) -> None:
        self._loop = asyncio.get_running_loop()
        self._tokens = tokens
        self._timings = timings
        self._tracker = PhraseTracker()
        self._events: asyncio.Queue[tuple[Any, ...] | _Flush] = asyncio.Queue()
        self._out: asyncio.Queue[Hypothesis | _Flush | SpeechServiceError | None] = asyncio.Queue()
        self._audio = _RecentAudio(round(timings.keep_audio_s * SAMPLE_RATE))
        self._pushed = 0  # samples sent to the service: the caller's audio plus flush silence
        self._acked = 0  # the latest commit token the service acknowledged
        self._closed = False
        self._failed = False
        self._push = push_stream()
        self._recognizer = speechsdk.SpeechRecognizer(
            speech_config=config, audio_config=speechsdk.audio.AudioConfig(stream=self._push)
        )
        self._recognizer.recognizing.connect(self._on_recognizing)
        self._recognizer.recognized.connect(self._on_recognized)
        self._recognizer.canceled.connect(self._on_canceled)
        self._recognizer.session_stopped.connect(self._on_session_stopped)
        self._refresh: asyncio.Task[None] | None = None
        self._worker = self._loop.create_task(self._run())
        self._starting = self._loop.create_task(self._start())

    # -- the port --------------------------------------------------------------------------------------------------
    def feed(self, pcm: np.ndarray, voiced: Sequence[bool] | None = None) -> None:  # cuts phrases by itself (or not at all)
        if self._closed or self._failed:
            return
        pcm = np.asarray(pcm, dtype=np.int16).reshape(-1).copy()  # the caller may reuse its buffer
        self._audio.add(pcm)
        self._write(pcm.tobytes(), pcm.size)

    async def flush(self) -> None:
        """The service cuts phrases at silence by itself, so flush asks for a cut (commit(), which the service may
        ignore) and pushes flush_silence_s of silence (which it honours: the segmentation silence is shorter), then
        waits until no phrase is open and the silence has had flush_settle_s to be heard, or the commit is
        acknowledged. A phrase still open after flush_timeout_s gets its last partial as its final (confidence 0), and
        the service's late final for it is dropped. The pushed silence is taken out of later times (SilenceClock)."""
        if self._closed or self._worker.done():
            return
        began = self._loop.time()
        token = self._commit()
        silence = round(self._timings.flush_silence_s * SAMPLE_RATE)
        self._tracker.clock.add_silence(self._pushed / SAMPLE_RATE, silence / SAMPLE_RATE)
        self._write(bytes(2 * silence), silence)
        while not self._worker.done():
            waited = self._loop.time() - began
            if not self._tracker.in_phrase and ((token and self._acked >= token) or waited >= self._timings.flush_settle_s):
                break
            if waited >= self._timings.flush_timeout_s:
                log.warning(
                    "Azure Speech sent no final %.1f s after flush: the open phrase's last partial becomes its final", waited
                )
                self._events.put_nowait(("force",))
                break
            await asyncio.sleep(_POLL_S)
        marker = _Flush(self._loop)
        self._events.put_nowait(marker)
        await asyncio.wait({marker.done, self._worker}, return_when=asyncio.FIRST_COMPLETED)

    async def results(self) -> AsyncIterator[Hypothesis]:
        while (item := await self._out.get()) is not None:
            if isinstance(item, _Flush):
                item.resolve()  # the consumer has handled everything before the marker
            elif isinstance(item, SpeechServiceError):
                raise item
            else:
                yield item

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.wait_for(asyncio.shield(self._starting), self._timings.close_timeout_s + 1)
        try:
            self._push.close()  # end of audio: the service finalizes what it heard, then ends the session
        except RuntimeError:
            log.debug("the push stream was already closed", exc_info=True)
        try:
            await asyncio.wait_for(asyncio.shield(self._worker), self._timings.close_timeout_s)
        except TimeoutError:
            log.warning("Azure Speech did not end the session within %.0f s of the end of audio", self._timings.close_timeout_s)
            self._events.put_nowait(("end",))
            await self._worker
        if self._refresh is not None:
            self._refresh.cancel()
        self._stop_sdk()

    # -- the service -----------------------------------------------------------------------------------------------
    async def _start(self) -> None:
        if self._tokens is not None:
            try:
                self._recognizer.authorization_token = await asyncio.to_thread(self._tokens.current)
            except Exception as exc:  # azure-identity raises many kinds; all mean "no token"
                self._events.put_nowait(("error", "AuthenticationFailure", f"no Entra ID token for Speech: {exc}"))
                return
            self._refresh = self._loop.create_task(self._keep_token_fresh(self._tokens))
        try:
            starting = self._recognizer.start_continuous_recognition_async()
            # the service's refusals arrive later, as a canceled event; a start that never completes is an error too
            await asyncio.wait_for(asyncio.to_thread(starting.get), self._timings.close_timeout_s)
        except TimeoutError:
            self._events.put_nowait(
                ("error", "ConnectionFailure", f"Azure Speech did not start within {self._timings.close_timeout_s:.0f} s")
            )
        except RuntimeError as exc:  # the SDK's own failures (bad properties, no native library support)
            self._events.put_nowait(("error", "RuntimeError", str(exc)))

    async def _keep_token_fresh(self, tokens: EntraTokens) -> None:
        """A token lasts about an hour; the recognizer needs a valid one each time the SDK reconnects."""
        while True:
            await asyncio.sleep(max(1.0, tokens.refresh_in()))
            try:
                self._recognizer.authorization_token = await asyncio.to_thread(tokens.current)
            except Exception:
                log.warning("could not refresh the Entra ID token for Azure Speech; retrying", exc_info=True)
                await asyncio.sleep(_TOKEN_RETRY_S)

    def _stop_sdk(self) -> None:
        for signal in (
            self._recognizer.recognizing,
            self._recognizer.recognized,
            self._recognizer.canceled,
            self._recognizer.session_stopped,
        ):
            signal.disconnect_all()  # nothing more is wanted from this session
        sdk: list[Any] = [self._recognizer, self._push]
        del self._recognizer, self._push  # after aclose() the stream holds no SDK object
        self._loop.run_in_executor(None, _stop_and_release, sdk)

    def _write(self, data: bytes, samples: int) -> None:
        self._pushed += samples
        try:
            self._push.write(data)
        except RuntimeError:
            log.debug("audio after the push stream closed is dropped", exc_info=True)

    def _commit(self) -> int:
        commit = getattr(self._push, "commit", None)  # SDK 1.53+; the service may ignore it, silence still cuts
        try:
            return int(commit()) if commit is not None else 0
        except RuntimeError:
            return 0

    # -- SDK threads: copy the fields, hand them to the loop ------------------------------------------------------
    def _post(self, item: tuple[Any, ...]) -> None:
        try:
            self._loop.call_soon_threadsafe(self._events.put_nowait, item)
        except RuntimeError:  # the loop is gone: the process is shutting down
            pass

    def _on_recognizing(self, evt: speechsdk.SpeechRecognitionEventArgs) -> None:
        result = evt.result
        self._post(("partial", result.text, result.offset, result.duration))

    def _on_recognized(self, evt: speechsdk.SpeechRecognitionEventArgs) -> None:
        result = evt.result
        token = getattr(result, "commit_token", 0)
        if result.reason == speechsdk.ResultReason.RecognizedSpeech:
            self._post(("final", result.json, result.offset, result.duration, token))
        elif result.reason == speechsdk.ResultReason.NoMatch:
            self._post(("no_match", token))

    def _on_canceled(self, evt: speechsdk.SpeechRecognitionCanceledEventArgs) -> None:
        details = evt.cancellation_details
        if details.reason == speechsdk.CancellationReason.EndOfStream:
            self._post(("end",))
        else:
            self._post(("error", details.code.name, details.error_details))

    def _on_session_stopped(self, evt: speechsdk.SessionEventArgs) -> None:
        self._post(("stopped",))

    # -- on the loop: service results to hypotheses, in order -----------------------------------------------------
    async def _run(self) -> None:
        tracker = self._tracker
        try:
            while True:
                item = await self._events.get()
                if isinstance(item, _Flush):
                    self._out.put_nowait(item)
                    continue
                kind = item[0]
                if kind == "partial":
                    hyps = tracker.partial(item[1], item[2], item[3])
                elif kind == "final":
                    hyps = tracker.final(item[1], item[2], item[3])
                    self._acked = max(self._acked, item[4])
                elif kind == "no_match":
                    hyps = tracker.no_match()
                    self._acked = max(self._acked, item[1])
                elif kind == "force":
                    hyps = tracker.force_final()
                else:  # "end", "stopped" or "error"
                    await self._finish(kind, *item[1:])
                    return
                for hyp in hyps:
                    await self._emit(hyp)
        finally:
            while not self._events.empty():  # flushes that came too late still return
                if isinstance(left := self._events.get_nowait(), _Flush):
                    left.resolve()

    async def _finish(self, kind: str, code: str = "", details: str = "") -> None:
        """The session ended or failed: what was heard so far is kept, then results() ends (with the error, if any)."""
        if kind == "stopped" and not self._closed:  # later audio would go unheard: say so, never silently
            kind, code, details = "error", "SessionStopped", "the service ended the session before the audio ended"
        for hyp in self._tracker.force_final():
            await self._emit(hyp)
        if kind == "error":
            self._failed = True
            error = SpeechServiceError(describe_cancellation("recognition", code, details), code)
            log.error("%s", error)
            self._out.put_nowait(error)
        self._out.put_nowait(None)

    async def _emit(self, hyp: Hypothesis) -> None:
        if hyp.final and hyp.text:
            hyp = replace(hyp, prosody=await self._prosody(hyp.start, hyp.end))
        self._out.put_nowait(hyp)

    async def _prosody(self, start_s: float, end_s: float) -> Prosody | None:
        audio = self._audio.between(start_s, end_s)
        if audio.size == 0:
            return None
        try:
            return await asyncio.to_thread(measure_prosody, audio)
        except Exception:  # prosody is a bonus: a phrase is never lost for it
            log.warning("could not measure the prosody of a phrase", exc_info=True)
            return None


def _stop_and_release(sdk: list[Any]) -> None:
    """On a thread: stopping waits for the service, and releasing the SDK's recognizer closes its connection, which
    blocks for about a second; on the loop, that would stall every live session. The list holds the only references."""
    try:
        sdk[0].stop_continuous_recognition_async().get()
    except RuntimeError:
        log.warning("Azure Speech recognition did not stop cleanly", exc_info=True)
    finally:
        sdk.clear()


class _RecentAudio:
    """The caller's latest audio, addressed by the caller's clock, for the prosody of each final's phrase."""

    def __init__(self, keep_samples: int) -> None:
        self._keep = keep_samples
        self._chunks: deque[np.ndarray] = deque()
        self._first = 0  # sample index of the first kept chunk
        self._end = 0

    def add(self, pcm: np.ndarray) -> None:
        self._chunks.append(pcm)
        self._end += pcm.size
        while self._chunks and self._end - self._first - self._chunks[0].size >= self._keep:
            self._first += self._chunks.popleft().size

    def between(self, start_s: float, end_s: float) -> np.ndarray:
        lo, hi = max(round(start_s * SAMPLE_RATE), self._first), min(round(end_s * SAMPLE_RATE), self._end)
        parts, at = [], self._first
        for chunk in self._chunks:
            if at >= hi:
                break
            if at + chunk.size > lo:
                parts.append(chunk[max(0, lo - at) : hi - at])
            at += chunk.size
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)
