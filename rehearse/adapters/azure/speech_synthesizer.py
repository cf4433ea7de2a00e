"""The Synthesizer port on Azure Speech: the interviewer's neural voice as 48 kHz mono int16 PCM."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import azure.cognitiveservices.speech as speechsdk
import numpy as np

from rehearse.adapters.azure.speech_mapping import (
    SpeechAuth,
    SpeechServiceError,
    TokenCredential,
    describe_cancellation,
    entra_tokens,
    speech_auth,
    ssml_for,
    voice_locale,
)
from rehearse.adapters.azure.speech_recognizer import speech_config_for

if TYPE_CHECKING:
    from rehearse.settings import Settings

OUTPUT_RATE = 48000  # Raw48Khz16BitMonoPcm: what the relay's outbound track plays, so no resampling


def synthesis_config(auth: SpeechAuth, voice: str) -> speechsdk.SpeechConfig:
    config = speech_config_for(auth)
    config.speech_synthesis_voice_name = voice
    config.set_speech_synthesis_output_format(speechsdk.SpeechSynthesisOutputFormat.Raw48Khz16BitMonoPcm)
    return config


class AzureSpeechSynthesizer:
    """Speaks questions with one neural voice; repeated questions come from a small cache.

    Synthesizers are pooled: each keeps its connection open between questions, and sessions never wait on each other."""

    def __init__(
        self,
        auth: SpeechAuth,
        voice: str = "en-US-JennyNeural",
        *,
        credential: TokenCredential | None = None,
        cache_size: int = 64,
        timeout_s: float = 20.0,
    ) -> None:
        voice_locale(voice)  # a malformed voice name is a settings error, reported at startup
        self._auth = auth
        self._voice = voice
        self._timeout_s = timeout_s
        self._tokens = entra_tokens(auth, credential)
        self._idle: list[speechsdk.SpeechSynthesizer] = []
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_settings(cls, settings: Settings) -> AzureSpeechSynthesizer:
        auth = speech_auth(
            settings.speech_region, settings.speech_key, settings.speech_resource_id, endpoint=settings.speech_endpoint
        )
        return cls(auth, settings.speech_voice)

    async def stream(self, text: str) -> AsyncIterator[np.ndarray]:
        """The whole text as one piece: the service returns a question's audio in one result."""
        pcm = await self.synthesize(text)
        if pcm.size:
            yield pcm

    async def prepare(self, text: str) -> None:
        """Nothing: every synthesis is billed, and a question the candidate never reaches would be paid for."""

    async def synthesize(self, text: str) -> np.ndarray:
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        if not text.strip():
            return np.zeros(0, np.int16)
        ssml = ssml_for(text, self._voice)
        synthesizer = self._idle.pop() if self._idle else self._new_synthesizer()
        if self._tokens is not None:
            try:
                synthesizer.authorization_token = await asyncio.to_thread(self._tokens.current)
            except Exception as error:  # azure-identity raises many kinds; all mean "no token"
                self._idle.append(synthesizer)
                message = describe_cancellation("synthesis", "AuthenticationFailure", f"no Entra ID token for Speech: {error}")
                raise SpeechServiceError(message, "AuthenticationFailure") from error
        try:
            result = await asyncio.wait_for(asyncio.to_thread(_speak, synthesizer, ssml), self._timeout_s)
        except TimeoutError:
            # Still busy on its thread, it stays out of the pool and is released there: releasing an SDK synthesizer
            # blocks for about a second, which the loop must never do.
            del synthesizer
            message = describe_cancellation("synthesis", "ServiceTimeout", f"no audio within {self._timeout_s:.0f} s")
            raise SpeechServiceError(message, "ServiceTimeout") from None
        except RuntimeError as error:  # the SDK's own failure: back to the pool, as dropping it here would block the loop
            self._idle.append(synthesizer)
            raise SpeechServiceError(describe_cancellation("synthesis", "RuntimeError", str(error)), "RuntimeError") from error
        self._idle.append(synthesizer)  # a canceled result leaves the synthesizer usable
        pcm = _audio_of(result)
        self._cache[text] = pcm
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return pcm

    async def close(self) -> None:
        """Drops the pooled synthesizers on a thread: releasing each closes its connection and blocks for about a second."""
        idle, self._idle = self._idle, []
        await asyncio.to_thread(idle.clear)

    def _new_synthesizer(self) -> speechsdk.SpeechSynthesizer:
        # audio_config=None: the audio stays in the result instead of going to a speaker the server does not have.
        return speechsdk.SpeechSynthesizer(speech_config=synthesis_config(self._auth, self._voice), audio_config=None)


def _speak(synthesizer: speechsdk.SpeechSynthesizer, ssml: str) -> speechsdk.SpeechSynthesisResult:
    return synthesizer.speak_ssml_async(ssml).get()


def _audio_of(result: speechsdk.SpeechSynthesisResult) -> np.ndarray:
    if result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted:
        data = result.audio_data
        return np.frombuffer(data[: len(data) - len(data) % 2], dtype=np.int16).copy()
    details = result.cancellation_details
    if details is None:
        raise SpeechServiceError(f"Azure Speech synthesis ended with {result.reason.name} and no audio")
    code = details.error_code.name
    raise SpeechServiceError(describe_cancellation("synthesis", code, details.error_details), code)
