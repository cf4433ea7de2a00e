"""Accurate per-phrase finals with Whisper (CTranslate2 via faster-whisper), int8 on the CPU."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rehearse.domain.analysis_model import Word
from rehearse.domain.fillers import HESITATIONS
from rehearse.interview.turn_text import TRUSTED_CONFIDENCE

if TYPE_CHECKING:
    from faster_whisper.transcribe import Segment

# Whisper drops hesitations unless its context shows them; a prompt written with fillers keeps them.
FILLER_PROMPT = "Um, so, uh, I think that, like, we, um, shipped it. Uh, you know, I mean, it was, hmm, fine."


# Whisper pads every input to a 30 s window; encoding that costs ~0.7 s here whatever the phrase length. A phrase
# is short, so the encoder gets the phrase plus a margin (at least 10 s): ~0.1-0.3 s, with the same words heard.
MIN_WINDOW_S = 10.0
MARGIN_S = 2.0


def _window_frames(samples: int, min_window_s: float) -> int:
    seconds = max(min_window_s, samples / 16000 + MARGIN_S)
    return min(3000, int(seconds * 100) // 2 * 2)


def decode_phrase(model, pcm: np.ndarray, offset_s: float, min_window_s: float, beam_size: int = 1, initial_prompt: str | None = None) -> list[Word]:
    """One greedy decode of a phrase (16 kHz int16 from stream time `offset_s`) by a `windowed_model`, its encoder
    window the phrase plus MARGIN_S (at least `min_window_s`): the words `phrase_words` keeps. The caller holds the
    model's lock."""
    model.frames = _window_frames(pcm.size, min_window_s)
    segments, _ = model.transcribe(
        pcm.astype(np.float32) / 32768.0,
        language="en",
        beam_size=beam_size,
        word_timestamps=True,
        initial_prompt=initial_prompt,
        condition_on_previous_text=False,
        vad_filter=False,
        temperature=0.0,
        max_new_tokens=max_new_tokens(pcm.size),
    )
    return phrase_words(list(segments), pcm, offset_s)


def windowed_model(model_dir: Path, cpu_threads: int):
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
PHRASE_LOOP_RUN = 3  # a phrase of 2-8 words this often in a row is one too ("Ten of clubs. Ten of clubs. Ten of ...")
_LONGEST_LOOP = 8
# A decode needs about 1.5 tokens a word and 4 words a second at most; a loop runs on to the limit. Whisper's own
# sampling limit (224) bounds a long phrase.
_TOKENS_AT_LEAST, _TOKENS_PER_S, _TOKENS_AT_MOST = 16, 10, 224


def max_new_tokens(samples: int) -> int:
    return min(_TOKENS_AT_MOST, _TOKENS_AT_LEAST + int(_TOKENS_PER_S * samples / 16000))


def without_loops(words: list[Word]) -> list[Word]:
    """Cut decoding loops: a phrase of several words repeated PHRASE_LOOP_RUN times or more down to once, with the
    start of one more repeat that the decode was cut in ("Ten of clubs. Ten of clubs. Ten of clubs. Ten" -> "Ten of
    clubs."), and a word repeated more than LOOP_RUN times in a row down to LOOP_RUN ("so, so, so, so, so" -> "so, so,
    so")."""
    kept: list[Word] = []
    run = 0
    for word in _without_phrase_loops(words):
        same = bool(kept) and _bare(word.w) == _bare(kept[-1].w) and _bare(word.w) != ""
        run = run + 1 if same else 1
        if run <= LOOP_RUN:
            kept.append(word)
    return kept


def _without_phrase_loops(words: list[Word]) -> list[Word]:
    bare = [_bare(w.w) for w in words]
    kept: list[Word] = []
    i = 0
    while i < len(words):
        size, repeats = _phrase_loop_at(bare, i)
        if not size:
            kept.append(words[i])
            i += 1
            continue
        kept += words[i : i + size]
        i += size * repeats
        rest = bare[i:]
        if len(rest) < size and rest == bare[i - size : i - size + len(rest)]:
            break  # the decode stopped inside one more repeat
    return kept


def _phrase_loop_at(bare: list[str], i: int) -> tuple[int, int]:
    """(words in the phrase, repeats) of a phrase that loops from word i, or (0, 0)."""
    for size in range(2, _LONGEST_LOOP + 1):
        unit = bare[i : i + size]
        if len(unit) < size or not all(unit):
            break
        if len(set(unit)) == 1:
            continue  # one word over and over: LOOP_RUN's
        repeats = 1
        while bare[i + repeats * size : i + (repeats + 1) * size] == unit:
            repeats += 1
        if repeats >= PHRASE_LOOP_RUN:
            return size, repeats
    return 0, 0


def _bare(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch == "'")


def _compression_ratio(text: str) -> float:
    data = text.encode()
    return len(data) / len(zlib.compress(data)) if data else 0.0


def phrase_words(segments: Iterable[Segment], pcm: np.ndarray, offset_s: float) -> list[Word]:
    """The words a decode of the phrase `pcm` heard, with stream-time stamps: without what Whisper says is noise,
    without decoding loops, and without the words it invented after the voice stopped."""
    words: list[Word] = []
    for segment in segments:
        if segment.no_speech_prob > 0.6 and segment.avg_logprob < -1.0:
            continue  # Whisper invents text for noise; this is its own signal that it did
        heard = [
            Word(
                w=w.word.strip(),
                start=round(offset_s + w.start, 3),
                end=round(offset_s + w.end, 3),
                conf=round(float(w.probability), 3),
            )
            for w in segment.words or []
            if w.word.strip()
        ]
        if segment.compression_ratio > COMPRESSION_RATIO_LIMIT:
            # a decoding loop (Whisper's own test for one): its first reading is what was said; what is still
            # repetitive once the loops are cut is not speech
            heard = without_loops(heard)
            if _compression_ratio(" ".join(w.w for w in heard)) > COMPRESSION_RATIO_LIMIT:
                continue
        words += heard
    return _without_invented_ending(without_loops(words), pcm, offset_s)


def _without_invented_ending(words: list[Word], pcm: np.ndarray, offset_s: float) -> list[Word]:
    """Drop the words that end the phrase but were not said: any with no voice under it (Whisper fills the pause after
    a phrase with "Thank you.", sure of itself), and any under TRUSTED_CONFIDENCE, as the end-of-turn verdict ignores
    them (interview.turn_text.trusted_text): "I'm sorry.", "So", "the". A voiced hesitation stays however unsure
    Whisper is of it: "...and then we, um" is how people pause."""
    while words:
        last = words[-1]
        voiced = _voiced(pcm, last.start - offset_s, last.end - offset_s)
        if voiced and (last.conf >= TRUSTED_CONFIDENCE or _bare(last.w) in HESITATIONS):
            break
        words = words[:-1]
    return words


_FRAME = 320  # 20 ms
_VOICED_FRAMES = 2
# RMS of int16 samples (-50 dBFS): below anything a microphone makes of a voice, above a quiet room after the
# browser's noise suppression; the voice activity detector may still call such a room speech.
_QUIETEST_VOICE = 100.0


def _voiced(pcm: np.ndarray, start_s: float, end_s: float) -> bool:
    """Is there voice in [start_s, end_s] of the phrase (a frame either side, as Whisper's word times are rough):
    at least _VOICED_FRAMES frames above _QUIETEST_VOICE, three times the phrase's quietest frames and a tenth of its
    loud ones (at most half of them, for a phrase with no quiet in it)?"""
    frames = pcm[: pcm.size // _FRAME * _FRAME].astype(np.float32).reshape(-1, _FRAME)
    if not frames.size:
        return False
    loudness = np.sqrt((frames**2).mean(axis=1))
    quiet, loud = np.percentile(loudness, 5), np.percentile(loudness, 95)
    threshold = max(_QUIETEST_VOICE, min(max(3 * quiet, 0.1 * loud), 0.5 * loud))
    first, last = max(0, int(start_s * 50) - 1), int(np.ceil(end_s * 50)) + 1
    return int((loudness[first:last] > threshold).sum()) >= _VOICED_FRAMES


class WhisperFinals:
    def __init__(self, model_dir: Path, cpu_threads: int = 2, beam_size: int = 1) -> None:
        self._model = windowed_model(model_dir, cpu_threads)
        self._beam_size = beam_size
        self._lock = threading.Lock()  # one decode at a time: two would fight over the machine's cores

    def transcribe(self, pcm: np.ndarray, offset_s: float) -> tuple[list[Word], float]:
        """Words with audio-time stamps, and the phrase confidence (mean word probability)."""
        with self._lock:
            words = decode_phrase(self._model, pcm, offset_s, MIN_WINDOW_S, self._beam_size, FILLER_PROMPT)
        confidence = float(np.mean([w.conf for w in words])) if words else 0.0
        return words, round(confidence, 3)
