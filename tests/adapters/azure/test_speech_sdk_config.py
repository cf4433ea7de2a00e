"""The Speech SDK as the Azure adapters wire it, offline: configs, the push stream, and sessions against a local double of the service."""

from __future__ import annotations

import asyncio
import gc
import json
import time
import uuid
import wave
from dataclasses import dataclass
from types import SimpleNamespace

import azure.cognitiveservices.speech as speechsdk
import numpy as np
import pytest
from aiohttp import WSMsgType, web

from rehearse.adapters.azure.speech_check import run_check
from rehearse.adapters.azure.speech_mapping import SpeechServiceError, SpeechSettingsError, speech_auth
from rehearse.adapters.azure.speech_recognizer import (
    AzureSpeechRecognizer,
    RecognitionTimings,
    push_stream,
    recognition_config,
    speech_config_for,
)
from rehearse.adapters.azure.speech_synthesizer import OUTPUT_RATE, AzureSpeechSynthesizer, synthesis_config
from rehearse.ports import Hypothesis
from rehearse.settings import Settings

KEY = "0123456789abcdef0123456789abcdef"
RESOURCE_ID = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/speech"
)
FAST = RecognitionTimings(flush_silence_s=0.8, flush_settle_s=1.0, flush_timeout_s=3.0, close_timeout_s=5.0)
RATE = 16000
TICKS = 10_000_000


# -- the SDK's objects, configured without the service ----------------------------------------------------------------
def test_recognition_config_asks_for_detailed_results_with_word_timings():
    config = recognition_config(speech_auth("westeurope", KEY), "en-GB", segmentation_silence_ms=500)
    assert config.output_format == speechsdk.OutputFormat.Detailed
    assert config.get_property(speechsdk.PropertyId.SpeechServiceResponse_RequestWordLevelTimestamps) == "true"
    assert config.get_property(speechsdk.PropertyId.SpeechServiceResponse_RequestDetailedResultTrueFalse) == "true"
    assert config.get_property(speechsdk.PropertyId.Speech_SegmentationSilenceTimeoutMs) == "500"
    assert config.speech_recognition_language == "en-GB"
    assert config.region == "westeurope" and config.subscription_key == KEY
    # Disfluency removal (TrueText) is not asked for: the hesitations are evidence.
    assert config.get_property(speechsdk.PropertyId.SpeechServiceResponse_PostProcessingOption) == ""


def test_synthesis_config_asks_for_the_neural_voice_as_raw_48khz_pcm():
    config = synthesis_config(speech_auth("eastus", KEY), "en-US-AvaMultilingualNeural")
    assert config.speech_synthesis_voice_name == "en-US-AvaMultilingualNeural"
    assert config.get_property(speechsdk.PropertyId.SpeechServiceConnection_SynthOutputFormat) == "raw-48khz-16bit-mono-pcm"


def test_entra_config_carries_an_aad_token_for_the_resource():
    config = speech_config_for(speech_auth("westeurope", resource_id=RESOURCE_ID), f"aad#{RESOURCE_ID}#token")
    assert config.authorization_token == f"aad#{RESOURCE_ID}#token"
    assert config.subscription_key == ""


def test_push_stream_takes_16khz_audio_without_the_service():
    stream = push_stream()
    stream.write(np.zeros(RATE, np.int16).tobytes())
    stream.write((np.ones(320, np.int16) * 1000).tobytes())
    stream.close()


# -- a local double of the service --------------------------------------------------------------------------------------
def _message(path: str, request_id: str, body: dict | None = None) -> str:
    head = f"X-RequestId:{request_id}\r\nPath:{path}\r\nContent-Type:application/json; charset=utf-8\r\n\r\n"
    return head + (json.dumps(body) if body is not None else "")


def _headers(text: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


@dataclass
class _Turn:
    """What the double has heard of one recognition connection."""

    request_id: str = ""
    samples: int = 0  # audio received on this connection
    pending: bytes = b""
    speech_start: int | None = None
    last_loud: int = 0
    loud_frames: int = 0


class FakeSpeechService:
    """Speaks enough of the service's protocol (USP over a websocket) for the SDK, on ws://127.0.0.1.

    Recognition hears a script: each stretch of loud audio is the script's next phrase, its words spread over the
    stretch; a hypothesis every 300 ms of speech; the final after 500 ms of quiet, or at the end of audio.
    Synthesis answers any known voice with a tone as long as the text."""

    def __init__(
        self,
        script: list[str] | None = None,
        *,
        finals: bool = True,
        drop_at_s: float | None = None,
        voices: tuple[str, ...] = ("en-US-JennyNeural",),
    ) -> None:
        self.script = script or []
        self.finals = finals
        self.drop_at_s = drop_at_s  # the first connection is closed by the service when this much audio has come
        self.phrase = 0  # the script's next phrase, across connections
        self.voices = voices
        self.key = KEY
        self.token: str | None = None  # an accepted "Authorization: Bearer ..." value, for Entra ID
        self.handshakes: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.contexts: list[dict] = []
        self.wav_headers: list[bytes] = []
        self.ssml: list[str] = []
        self._sockets: set[web.WebSocketResponse] = set()

    async def __aenter__(self) -> FakeSpeechService:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._connect)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.host = f"ws://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in list(self._sockets):  # the SDK keeps synthesis connections open for the next request
            await ws.close()
        await self._runner.cleanup()

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        headers = dict(request.headers)
        self.handshakes.append(headers)
        self.urls.append(request.path_qs)
        signed = headers.get("Ocp-Apim-Subscription-Key") == self.key or (
            self.token and headers.get("Authorization") == f"Bearer {self.token}"
        )
        if not signed:
            return web.Response(status=401, text="Access denied due to invalid subscription key or wrong API endpoint.")
        ws = web.WebSocketResponse(protocols=("USP",))
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            if request.path.endswith("/cognitiveservices/websocket/v1"):
                await self._synthesis(ws)
            else:
                await self._recognition(ws)
        finally:
            self._sockets.discard(ws)
        return ws

    # -- recognition --
    async def _recognition(self, ws: web.WebSocketResponse) -> None:
        turn = _Turn()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                head, _, body = msg.data.partition("\r\n\r\n")
                if _headers(head).get("Path") == "speech.context":
                    self.contexts.append(json.loads(body))
                continue
            if msg.type != WSMsgType.BINARY:
                continue
            size = int.from_bytes(msg.data[:2], "big")
            headers, body = _headers(msg.data[2 : 2 + size].decode()), msg.data[2 + size :]
            if headers.get("X-RequestId") != turn.request_id:
                turn.request_id = headers["X-RequestId"]
                await ws.send_str(_message("turn.start", turn.request_id, {"context": {"serviceTag": uuid.uuid4().hex}}))
            if body.startswith(b"RIFF"):  # the turn's first audio message is a WAV header
                self.wav_headers.append(body[:44])
                body = body[44:]
            if not msg.data[2 + size :]:  # an empty audio message: the end of the stream
                if turn.speech_start is not None:
                    await self._final(ws, turn)
                end = {"RecognitionStatus": "EndOfDictation", "Offset": turn.samples * TICKS // RATE, "Duration": 0}
                await ws.send_str(_message("speech.phrase", turn.request_id, end))
                await ws.send_str(_message("speech.endDetected", turn.request_id, {"Offset": turn.samples * TICKS // RATE}))
                await ws.send_str(_message("turn.end", turn.request_id))
                continue
            turn.pending += body
            while len(turn.pending) >= 640:
                frame, turn.pending = np.frombuffer(turn.pending[:640], np.int16), turn.pending[640:]
                turn.samples += 320
                await self._frame(ws, turn, float(np.sqrt(np.mean(frame.astype(np.float64) ** 2))) > 300)

    async def _frame(self, ws: web.WebSocketResponse, turn: _Turn, loud: bool) -> None:
        if self.drop_at_s is not None and turn.samples >= self.drop_at_s * RATE:
            self.drop_at_s = None
            await ws.close(code=1011, message=b"going away")
            return
        if loud:
            if turn.speech_start is None:
                turn.speech_start, turn.loud_frames = turn.samples - 320, 0
            turn.last_loud = turn.samples
            turn.loud_frames += 1
            if turn.loud_frames % 15 == 0:
                words = self._words()[: 2 * turn.loud_frames // 15]
                hypothesis = {
                    "Text": " ".join(words),
                    "Offset": turn.speech_start * TICKS // RATE,
                    "Duration": (turn.samples - turn.speech_start) * TICKS // RATE,
                }
                await ws.send_str(_message("speech.hypothesis", turn.request_id, hypothesis))
        elif turn.speech_start is not None and turn.samples - turn.last_loud >= RATE // 2 and self.finals:
            await self._final(ws, turn)

    def _words(self) -> list[str]:
        return (self.script[self.phrase] if self.phrase < len(self.script) else "something else").split()

    async def _final(self, ws: web.WebSocketResponse, turn: _Turn) -> None:
        words = self._words()
        start, end = turn.speech_start * TICKS // RATE, turn.last_loud * TICKS // RATE
        step = (end - start) // len(words)
        lexical = " ".join(words)
        display = lexical[0].upper() + lexical[1:] + "."
        timed = [
            {"Word": w, "Offset": start + i * step, "Duration": step - 100_000, "Confidence": 0.9} for i, w in enumerate(words)
        ]
        phrase = {
            "Id": uuid.uuid4().hex,
            "RecognitionStatus": "Success",
            "Offset": start,
            "Duration": end - start,
            "DisplayText": display,
            "NBest": [
                {"Confidence": 0.93, "Lexical": lexical, "ITN": lexical, "MaskedITN": lexical, "Display": display, "Words": timed}
            ],
        }
        await ws.send_str(_message("speech.phrase", turn.request_id, phrase))
        turn.speech_start, self.phrase = None, self.phrase + 1

    # -- synthesis --
    async def _synthesis(self, ws: web.WebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            head, _, ssml = msg.data.partition("\r\n\r\n")
            headers = _headers(head)
            if headers.get("Path") != "ssml":
                continue
            self.ssml.append(ssml)
            request_id = headers["X-RequestId"]
            voice = ssml.split('<voice name="', 1)[1].split('"', 1)[0]
            if voice not in self.voices:
                await ws.close(code=1007, message=f"Unsupported voice {voice}.".encode())
                return
            await ws.send_str(_message("turn.start", request_id, {"context": {"serviceTag": "fake"}}))
            audio = (np.sin(np.arange(len(ssml) * 480) * 2 * np.pi * 220 / OUTPUT_RATE) * 8000).astype(np.int16).tobytes()
            head = f"X-RequestId:{request_id}\r\nPath:audio\r\nContent-Type:audio/raw-48khz-16bit-mono-pcm\r\n".encode()
            for at in range(0, len(audio), 9600):
                await ws.send_bytes(len(head).to_bytes(2, "big") + head + audio[at : at + 9600])
            await ws.send_str(_message("turn.end", request_id))


def voiced(seconds: float, pitch_hz: float = 140.0) -> np.ndarray:
    """A speech-like sound: a gliding pitch with harmonics, loud enough to be heard and measured."""
    t = np.arange(round(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(pitch_hz * (1 + 0.15 * np.sin(2 * np.pi * 1.5 * t))) / RATE
    wave = sum(np.sin(k * phase) / k for k in (1, 2, 3))
    return (wave * 6000).astype(np.int16)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), np.int16)


async def run_stream(stream, pcm: np.ndarray, *, flush_at_end: bool = False) -> list[Hypothesis]:
    """Feeds the audio in 20 ms chunks at about 8x real time, then flushes (if asked) and closes; a stream that
    never ends fails the test within 30 s instead of hanging the suite."""
    return await asyncio.wait_for(_run_stream(stream, pcm, flush_at_end=flush_at_end), 30)


async def _run_stream(stream, pcm: np.ndarray, *, flush_at_end: bool = False) -> list[Hypothesis]:
    heard: list[Hypothesis] = []

    async def collect():
        async for hyp in stream.results():
            heard.append(hyp)

    collector = asyncio.create_task(collect())
    for at in range(0, pcm.size, 320):
        stream.feed(pcm[at : at + 320])
        if at % 3200 == 0:
            await asyncio.sleep(0.0025 * 4)
    if flush_at_end:
        await stream.flush()
    await stream.aclose()
    await collector
    return heard


def check_port_order(heard: list[Hypothesis]) -> None:
    """Phrase ids increase; each phrase's partials come before its one final; finals in phrase order."""
    finals = [h.phrase_id for h in heard if h.final]
    assert finals == sorted(set(finals))
    for hyp in heard:
        if not hyp.final:
            assert hyp.phrase_id not in [h.phrase_id for h in heard[: heard.index(hyp)] if h.final]


# -- recognition --------------------------------------------------------------------------------------------------------
async def test_speech_comes_back_as_partials_then_one_timed_final_per_phrase():
    script = ["um I led the billing migration", "we finished two weeks early"]
    async with FakeSpeechService(script) as service:
        recognizer = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), segmentation_silence_ms=500, timings=FAST)
        pcm = np.concatenate((quiet(0.5), voiced(1.6), quiet(1.0), voiced(1.4), quiet(1.0)))
        heard = await run_stream(recognizer.open_stream(), pcm)

    check_port_order(heard)
    finals = [h for h in heard if h.final]
    assert [f.text for f in finals] == ["Um I led the billing migration.", "We finished two weeks early."]
    assert [f.phrase_id for f in finals] == [1, 2]
    assert any(not h.final and h.phrase_id == 1 for h in heard)
    first = finals[0]
    assert first.fillers == ("um",) and first.confidence == pytest.approx(0.93)
    assert first.words[0].w == "Um" and first.words[-1].w == "migration."
    assert 0.45 <= first.start <= 0.55 and 2.05 <= first.end <= 2.15  # the speech's place in the fed audio
    assert all(first.start <= w.start < w.end <= first.end for w in first.words)
    assert first.prosody is not None and 120 < first.prosody.pitch_hz_mean < 160
    assert 3.05 <= finals[1].start <= 3.15
    # The service was asked for what the adapter maps: 16 kHz 16-bit mono, detailed results with word timings.
    riff = service.wav_headers[0]
    assert int.from_bytes(riff[22:24], "little") == 1 and int.from_bytes(riff[24:28], "little") == RATE
    assert int.from_bytes(riff[34:36], "little") == 16
    context = service.contexts[0]
    assert context["phraseOutput"]["format"] == "Detailed"
    assert "WordTimings" in context["phraseOutput"]["detailed"]["options"]
    assert context["phraseDetection"]["CONVERSATION"]["segmentation"]["segmentationSilenceTimeoutMs"] == 500


async def test_raw_disfluency_mode_is_asked_for_only_when_configured():
    async with FakeSpeechService(["um yes"]) as service:
        for mode in (None, "Raw"):
            recognizer = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), disfluency_mode=mode, timings=FAST)
            await run_stream(recognizer.open_stream(), np.concatenate((quiet(0.2), voiced(0.6), quiet(0.6))))
    default, raw = service.urls
    assert "disfluency" not in default.lower() and "postprocessing" not in default.lower()  # TrueText would drop "um"
    assert "speechcontext-phraseDetection.enrichment.conversation.disfluencyMode=Raw" in raw
    assert "speechcontext-phraseDetection.enrichment.conversation.intermediatedisfluencymode=Raw" in raw


async def test_flush_returns_once_the_final_of_speech_without_trailing_silence_is_out():
    async with FakeSpeechService(["first answer ends here", "second answer"]) as service:
        recognizer = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), timings=FAST)
        stream = recognizer.open_stream()
        heard: list[Hypothesis] = []

        async def collect():
            async for hyp in stream.results():
                heard.append(hyp)

        collector = asyncio.create_task(collect())
        for chunk in np.array_split(np.concatenate((quiet(0.3), voiced(1.2))), 30):
            stream.feed(chunk)
            await asyncio.sleep(0.01)
        began = time.monotonic()
        await stream.flush()
        flushed_after = time.monotonic() - began
        finals_at_flush = [h.text for h in heard if h.final]
        stream.feed(np.concatenate((quiet(0.5), voiced(1.0), quiet(0.8))))  # after flush, on the caller's clock
        await stream.aclose()
        await collector

    assert finals_at_flush == ["First answer ends here."]
    assert flushed_after < FAST.flush_timeout_s
    second = [h for h in heard if h.final][1]
    assert second.text == "Second answer." and second.phrase_id == 2
    assert 2.0 - 0.05 <= second.start <= 2.0 + 0.05  # 1.5 s fed, 0.5 s quiet: the flush silence is not counted


async def test_aclose_delivers_the_phrase_still_being_spoken_then_ends_results():
    async with FakeSpeechService(["I was still talking"]) as service:
        recognizer = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), timings=FAST)
        heard = await run_stream(recognizer.open_stream(), np.concatenate((quiet(0.2), voiced(1.0))))
    assert [h.text for h in heard if h.final] == ["I was still talking."]
    check_port_order(heard)


async def test_a_service_late_with_its_final_gets_the_last_partial_as_final_on_flush():
    async with FakeSpeechService(["the service never finalizes this"], finals=False) as service:
        timings = RecognitionTimings(flush_silence_s=0.8, flush_settle_s=0.6, flush_timeout_s=1.0, close_timeout_s=5.0)
        recognizer = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), timings=timings)
        heard = await run_stream(recognizer.open_stream(), np.concatenate((quiet(0.2), voiced(1.2))), flush_at_end=True)
    finals = [h for h in heard if h.final]
    assert len(finals) == 1 and finals[0].confidence == 0.0
    assert finals[0].text == [h for h in heard if not h.final][-1].text
    check_port_order(heard)


async def test_a_connection_the_service_drops_is_resumed_on_the_same_clock():
    async with FakeSpeechService(["before the drop", "after the drop"], drop_at_s=2.5) as service:
        recognizer = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), timings=FAST)
        pcm = np.concatenate((quiet(0.3), voiced(1.0), quiet(1.0), voiced(1.0), quiet(1.0)))
        heard = await run_stream(recognizer.open_stream(), pcm)
    finals = [h for h in heard if h.final]
    assert [f.text for f in finals] == ["Before the drop.", "After the drop."]
    assert 2.25 <= finals[1].start <= 2.35  # the SDK resumed with the stream's offsets
    assert "continuation" in service.contexts[-1]  # a second connection, continuing the first
    check_port_order(heard)


async def test_a_rejected_key_ends_results_with_an_error_that_says_what_to_check():
    async with FakeSpeechService() as service:
        recognizer = AzureSpeechRecognizer(speech_auth(None, "wrong-key", host=service.host), timings=FAST)
        stream = recognizer.open_stream()
        stream.feed(voiced(0.5))
        with pytest.raises(SpeechServiceError, match="AuthenticationFailure.*REHEARSE_SPEECH_KEY") as failure:
            async for _ in stream.results():
                pass
        assert failure.value.code == "AuthenticationFailure"
        await asyncio.wait_for(stream.flush(), 1.0)  # never hangs on a failed stream
        await asyncio.wait_for(stream.aclose(), 5.0)


class FakeCredential:
    def __init__(self) -> None:
        self.calls = 0

    def get_token(self, *scopes: str) -> SimpleNamespace:
        assert scopes == ("https://cognitiveservices.azure.com/.default",)
        self.calls += 1
        return SimpleNamespace(token=f"entra-{self.calls}", expires_on=time.time() + 3600)


async def test_entra_id_signs_in_with_an_aad_token_for_the_resource():
    async with FakeSpeechService(["signed in"]) as service:
        service.token = f"aad#{RESOURCE_ID}#entra-1"
        auth = speech_auth(None, resource_id=RESOURCE_ID, host=service.host)
        recognizer = AzureSpeechRecognizer(auth, credential=FakeCredential(), timings=FAST)
        heard = await run_stream(recognizer.open_stream(), np.concatenate((quiet(0.2), voiced(1.0), quiet(0.8))))
        synthesizer = AzureSpeechSynthesizer(auth, credential=FakeCredential())
        pcm = await synthesizer.synthesize("Hello.")
    assert [h.text for h in heard if h.final] == ["Signed in."]
    assert pcm.size > 0
    assert all(h.get("Authorization") == f"Bearer aad#{RESOURCE_ID}#entra-1" for h in service.handshakes)


async def test_the_resources_own_endpoint_carries_recognition_and_synthesis_with_a_key_or_entra_id():
    """REHEARSE_SPEECH_ENDPOINT (custom domain, private endpoint): the SDK puts the service under /stt/ and /tts/ of the
    resource's host, and an Entra ID token goes as it is."""
    async with FakeSpeechService(["through the endpoint", "signed in"]) as service:
        endpoint = service.host.replace("ws://", "http://") + "/"
        keyed = speech_auth(None, KEY, endpoint=endpoint)
        heard = await run_stream(AzureSpeechRecognizer(keyed, timings=FAST).open_stream(), np.concatenate((quiet(0.2), voiced(1.0), quiet(0.8))))
        pcm = await AzureSpeechSynthesizer(keyed).synthesize("Hello.")
        assert [h.text for h in heard if h.final] == ["Through the endpoint."] and pcm.size > 0
        service.token = "entra-1"
        entra = speech_auth(None, resource_id=RESOURCE_ID, endpoint=endpoint)
        recognizer = AzureSpeechRecognizer(entra, credential=FakeCredential(), timings=FAST)
        heard = await run_stream(recognizer.open_stream(), np.concatenate((quiet(0.2), voiced(1.0), quiet(0.8))))
        pcm = await AzureSpeechSynthesizer(entra, credential=FakeCredential()).synthesize("Hello again.")
        assert [h.text for h in heard if h.final] == ["Signed in."] and pcm.size > 0
    paths = [url.split("?")[0] for url in service.urls]
    assert paths == [
        "/stt/speech/universal/v2", "/tts/cognitiveservices/websocket/v1", "/stt/speech/universal/v2", "/tts/cognitiveservices/websocket/v1"
    ], paths
    assert [h.get("Authorization") for h in service.handshakes[2:]] == ["Bearer entra-1", "Bearer entra-1"]


async def test_closing_and_dropping_a_stream_never_stalls_the_event_loop():
    """The SDK blocks for about a second when its recognizer is released; that must not happen on the shared loop."""
    gc.collect()  # what earlier tests left (their SDK objects) is released now, not inside the measurement
    gaps: list[float] = []

    async def tick():
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            gaps.append(time.monotonic() - before)

    async with FakeSpeechService(["short"]) as service:
        stream = AzureSpeechRecognizer(speech_auth(None, KEY, host=service.host), timings=FAST).open_stream()
        await run_stream(stream, np.concatenate((quiet(0.2), voiced(0.8), quiet(0.8))))
        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0.05)
        del stream
        gc.collect()
        await asyncio.sleep(1.2)  # the release runs meanwhile, on a thread
        ticker.cancel()
    assert max(gaps) < 0.3, max(gaps)


class RefusingCredential:
    def get_token(self, *scopes: str) -> SimpleNamespace:
        raise RuntimeError("DefaultAzureCredential failed to retrieve a token from the included credentials")


async def test_no_entra_token_is_an_authentication_failure_for_both_adapters():
    auth = speech_auth(None, resource_id=RESOURCE_ID, host="ws://127.0.0.1:9")
    stream = AzureSpeechRecognizer(auth, credential=RefusingCredential(), timings=FAST).open_stream()
    with pytest.raises(SpeechServiceError, match="no Entra ID token.*DefaultAzureCredential failed") as failure:
        async for _ in stream.results():
            pass
    assert failure.value.code == "AuthenticationFailure"
    await stream.aclose()
    synthesizer = AzureSpeechSynthesizer(auth, credential=RefusingCredential())
    with pytest.raises(SpeechServiceError, match="AuthenticationFailure.*Cognitive Services Speech User"):
        await synthesizer.synthesize("Why this role?")


# -- synthesis ----------------------------------------------------------------------------------------------------------
async def test_question_is_synthesized_as_48khz_int16_from_escaped_ssml():
    async with FakeSpeechService() as service:
        synthesizer = AzureSpeechSynthesizer(speech_auth(None, KEY, host=service.host), "en-US-JennyNeural")
        question = 'Tell me about "R&D" <work> you led.'
        pcm = await synthesizer.synthesize(question)
        again = await synthesizer.synthesize(question)
        await synthesizer.close()
    assert pcm.dtype == np.int16 and pcm.size == len(service.ssml[0]) * 480
    assert np.abs(pcm).max() > 7000
    assert again is pcm and len(service.ssml) == 1  # repeated questions come from the cache
    assert "Tell me about &quot;R&amp;D&quot; &lt;work&gt; you led." in service.ssml[0]
    assert '<voice name="en-US-JennyNeural">' in service.ssml[0]


async def test_a_voice_the_service_refuses_raises_a_clear_error():
    async with FakeSpeechService(voices=("en-US-JennyNeural",)) as service:
        synthesizer = AzureSpeechSynthesizer(speech_auth(None, KEY, host=service.host), "en-US-NobodyNeural")
        with pytest.raises(SpeechServiceError, match="Unsupported voice en-US-NobodyNeural.*REHEARSE_SPEECH_VOICE") as failure:
            await synthesizer.synthesize("Why this role?")
    assert failure.value.code == "BadRequest"  # how the SDK reports the service closing with 1007


async def test_a_rejected_key_fails_synthesis_with_advice():
    async with FakeSpeechService() as service:
        synthesizer = AzureSpeechSynthesizer(speech_auth(None, "wrong-key", host=service.host))
        with pytest.raises(SpeechServiceError, match="AuthenticationFailure.*REHEARSE_SPEECH_KEY"):
            await synthesizer.synthesize("Why this role?")


# -- wiring from settings, and the live-check script --------------------------------------------------------------------
def test_adapters_are_built_from_the_rehearse_speech_settings():
    settings = Settings(speech_region="westeurope", speech_key=KEY, speech_voice="en-GB-SoniaNeural")
    assert isinstance(AzureSpeechRecognizer.from_settings(settings), AzureSpeechRecognizer)
    assert isinstance(AzureSpeechSynthesizer.from_settings(settings), AzureSpeechSynthesizer)
    entra = Settings(speech_region="westeurope", speech_key=None, speech_resource_id=RESOURCE_ID)  # DefaultAzureCredential
    assert isinstance(AzureSpeechRecognizer.from_settings(entra), AzureSpeechRecognizer)
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_REGION"):
        AzureSpeechRecognizer.from_settings(Settings(speech_region=None, speech_key=KEY))
    with pytest.raises(SpeechSettingsError, match="REHEARSE_SPEECH_VOICE"):
        AzureSpeechSynthesizer.from_settings(Settings(speech_region="westeurope", speech_key=KEY, speech_voice="Sonia"))


async def test_speech_check_prints_partials_and_timed_finals_and_writes_the_voice(tmp_path):
    stereo_48k = np.repeat(np.concatenate((quiet(0.3), voiced(1.2), quiet(0.8))), 3).repeat(2)  # 48 kHz, two channels
    wav = tmp_path / "answer.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(stereo_48k.tobytes())
    lines: list[str] = []
    async with FakeSpeechService(["um hello there"]) as service:
        finals = await run_check(
            wav,
            speech_auth(None, KEY, host=service.host),
            "en-US-JennyNeural",
            out=tmp_path / "voice.wav",
            speed=0,
            show=lines.append,
        )
    assert [f.text for f in finals] == ["Um hello there."]
    printed = "\n".join(lines)
    assert "partial #1" in printed and "FINAL   #1" in printed and "fillers=um" in printed and "words: Um@0.30-" in printed
    with wave.open(str(tmp_path / "voice.wav")) as w:
        assert w.getframerate() == OUTPUT_RATE and w.getnframes() > 0
