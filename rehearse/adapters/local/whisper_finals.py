"""Accurate per-phrase finals with Whisper (CTranslate2 via faster-whisper), int8 on the CPU."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from rehearse.domain.analysis_model import Word

# Whisper drops hesitations unless its context shows them; a prompt written with fillers keeps them.
FILLER_PROMPT = "Um, so, uh, I think that, like, we, um, shipped it. Uh, you know, I mean, it was, hmm, fine."


# Whisper pads every input to a 30 s window; encoding that costs ~0.7 s here whatever the phrase length. A phrase
# is short, so the encoder gets the phrase plus a margin (at least 10 s): ~0.1-0.3 s, with the same words heard.
MIN_WINDOW_S = 10.0
MARGIN_S = 2.0


def _window_frames(samples: int) -> int:
    seconds = max(MIN_WINDOW_S, samples / 16000 + MARGIN_S)
    return min(3000, int(seconds * 100) // 2 * 2)


def _windowed_model(model_dir: Path, cpu_threads: int):
    from faster_whisper import WhisperModel  # heavy import, kept off module import

    class WindowedWhisper(WhisperModel):
        frames = 3000

        def encode(self, features):
            if features.ndim == 2:
                features = features[None]
            return super().encode(features[..., : self.frames])

    return WindowedWhisper(str(model_dir), device="cpu", compute_type="int8", cpu_threads=cpu_threads)


COMPRESSION_RATIO_LIMIT = 2.4  # the threshold Whisper's reference decoder uses to reject a repetitive decode
LOOP_RUN = 3  # the same word more often than this in a row is a decoding loop, not speech


def without_loops(words: list[Word]) -> list[Word]:
    """Cut runs of one word repeated more than LOOP_RUN times down to LOOP_RUN ("so, so, so, so, so" -> "so, so, so")."""
    kept: list[Word] = []
    run = 0
    for word in words:
        same = bool(kept) and _bare(word.w) == _bare(kept[-1].w) and _bare(word.w) != ""
        run = run + 1 if same else 1
        if run <= LOOP_RUN:
            kept.append(word)
    return kept


def _bare(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "'")


class WhisperFinals:
    def __init__(self, model_dir: Path, cpu_threads: int = 2, beam_size: int = 1) -> None:
        self._model = _windowed_model(model_dir, cpu_threads)
        self._beam_size = beam_size
        self._lock = threading.Lock()  # one decode at a time: two would fight over the machine's cores

    def transcribe(self, pcm: np.ndarray, offset_s: float) -> tuple[list[Word], float]:
        """Words with audio-time stamps, and the phrase confidence (mean word probability)."""
        audio = pcm.astype(np.float32) / 32768.0
        with self._lock:
            self._model.frames = _window_frames(pcm.size)
            segments, _ = self._model.transcribe(
                audio,
                language="en",
                beam_size=self._beam_size,
                word_timestamps=True,
                initial_prompt=FILLER_PROMPT,
                condition_on_previous_text=False,
                vad_filter=False,
                temperature=0.0,
            )
            segments = list(segments)
        words: list[Word] = []
        for segment in segments:
            if segment.no_speech_prob > 0.6 and segment.avg_logprob < -1.0:
                continue  # Whisper invents text for noise; this is its own signal that it did
            if segment.compression_ratio > COMPRESSION_RATIO_LIMIT:
                continue  # a decoding loop ("yeah, yeah, yeah, ..."): Whisper's own test for one
            for w in segment.words or []:
                text = w.word.strip()
                if text:
                    words.append(
                        Word(
                            w=text,
                            start=round(offset_s + w.start, 3),
                            end=round(offset_s + w.end, 3),
                            conf=round(float(w.probability), 3),
                        )
                    )
        words = without_loops(words)
        confidence = float(np.mean([w.conf for w in words])) if words else 0.0
        return words, round(confidence, 3)
