"""Fast streaming partials with pocketsphinx (its wheel ships the en-us model): shown at once, replaced by finals."""

from __future__ import annotations

import re

import numpy as np
from pocketsphinx import Config, Decoder

from rehearse.domain.analysis_model import Word

_ALTERNATE = re.compile(r"\(\d+\)$")
_NOT_WORDS = {"<s>", "</s>", "<sil>", "[noise]", "[speech]", "++noise++"}


class PocketsphinxPartials:
    """One utterance at a time; `hypothesis()` is cheap enough to call every 60 ms."""

    def __init__(self) -> None:
        config = Config(samprate=16000, loglevel="FATAL")
        self._decoder = Decoder(config)
        self._logmath = self._decoder.get_logmath()
        self._offset_s = 0.0
        self._open = False

    def begin(self, offset_s: float) -> None:
        if self._open:
            self._decoder.end_utt()
        self._offset_s = offset_s
        self._decoder.start_utt()
        self._open = True

    def feed(self, pcm: np.ndarray) -> None:
        if self._open:
            self._decoder.process_raw(pcm.astype(np.int16, copy=False).tobytes(), False, False)

    def hypothesis(self) -> list[Word]:
        if not self._open or self._decoder.hyp() is None:
            return []
        return self._words()

    def finish(self) -> list[Word]:
        if not self._open:
            return []
        self._decoder.end_utt()
        self._open = False
        return self._words() if self._decoder.hyp() is not None else []

    def _words(self) -> list[Word]:
        words = []
        for seg in self._decoder.seg():
            token = _ALTERNATE.sub("", seg.word)
            if token.lower() in _NOT_WORDS or token.startswith("["):
                continue
            words.append(
                Word(
                    w=token,
                    start=round(self._offset_s + seg.start_frame / 100.0, 3),
                    end=round(self._offset_s + (seg.end_frame + 1) / 100.0, 3),
                    conf=round(min(1.0, max(0.0, self._logmath.exp(seg.prob))), 3),
                )
            )
        return words
