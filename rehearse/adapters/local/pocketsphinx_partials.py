"""Fast streaming partials with pocketsphinx (its wheel ships the en-us model): shown at once, replaced by finals.

The decoder is pocketsphinx's own C library from its wheel, called through ctypes rather than through the wheel's
Cython module. The Cython module holds Python's GIL while it decodes, so one session's partial pass stopped every
other session's partial pass and the relay's event loop (with three live sessions the GIL was held 63 % of the time,
80 % of that in `process_raw` and `end_utt`). ctypes lets the GIL go for every call into the library, so sessions
decode side by side on the machine's cores. The configuration is the Cython module's own default (`Config`), so the
words are the same."""

from __future__ import annotations

import ctypes
import re
from functools import cache
from pathlib import Path

import numpy as np

from rehearse.domain.analysis_model import Word

_ALTERNATE = re.compile(r"\(\d+\)$")
_NOT_WORDS = {"<s>", "</s>", "<sil>", "[noise]", "[speech]", "++noise++"}


@cache
def _library() -> ctypes.CDLL:
    import pocketsphinx  # the wheel: its extension module carries the C library, symbols exported

    [path] = Path(pocketsphinx.__file__).parent.glob("_pocketsphinx*.so")
    lib = ctypes.CDLL(str(path))  # CDLL, not PyDLL: each call releases the GIL
    p, i, c = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    signatures = {
        "ps_config_parse_json": (p, [p, c]),
        "ps_config_free": (i, [p]),
        "ps_init": (p, [p]),
        "ps_free": (i, [p]),
        "ps_start_utt": (i, [p]),
        "ps_process_raw": (i, [p, p, ctypes.c_size_t, i, i]),
        "ps_end_utt": (i, [p]),
        "ps_get_hyp": (c, [p, ctypes.POINTER(ctypes.c_int32)]),
        "ps_get_logmath": (p, [p]),
        "logmath_exp": (ctypes.c_double, [p, i]),
        "ps_seg_iter": (p, [p]),
        "ps_seg_next": (p, [p]),
        "ps_seg_word": (c, [p]),
        "ps_seg_frames": (None, [p, ctypes.POINTER(i), ctypes.POINTER(i)]),
        "ps_seg_prob": (ctypes.c_int32, [p, ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32)]),
    }
    for name, (result, arguments) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = result, arguments
    return lib


@cache
def _default_config_json() -> bytes:
    """The Cython module's default configuration (the wheel's en-us model) at 16 kHz, quiet."""
    from pocketsphinx import Config

    return Config(samprate=16000, loglevel="FATAL").dumps().encode()


class PocketsphinxPartials:
    """One utterance at a time; `hypothesis()` is cheap enough to call every 60 ms. Used by one thread at a time."""

    def __init__(self) -> None:
        self._lib = _library()
        config = self._lib.ps_config_parse_json(None, _default_config_json())
        if not config:
            raise RuntimeError("pocketsphinx refused its own default configuration")
        self._decoder = self._lib.ps_init(config)
        self._lib.ps_config_free(config)  # the decoder keeps its own reference
        if not self._decoder:
            raise RuntimeError("pocketsphinx could not load its model")
        self._logmath = self._lib.ps_get_logmath(self._decoder)
        self._offset_s = 0.0
        self._open = False

    def begin(self, offset_s: float) -> None:
        if not self._decoder:  # closed: hears nothing
            return
        if self._open:
            self._lib.ps_end_utt(self._decoder)
        self._offset_s = offset_s
        self._lib.ps_start_utt(self._decoder)
        self._open = True

    def feed(self, pcm: np.ndarray) -> None:
        if self._open:
            samples = np.ascontiguousarray(pcm, dtype=np.int16)
            self._lib.ps_process_raw(self._decoder, samples.ctypes.data, samples.size, 0, 0)

    def hypothesis(self) -> list[Word]:
        if not self._open or self._lib.ps_get_hyp(self._decoder, None) is None:
            return []
        return self._words()

    def finish(self) -> list[Word]:
        if not self._open:
            return []
        self._lib.ps_end_utt(self._decoder)
        self._open = False
        return self._words() if self._lib.ps_get_hyp(self._decoder, None) is not None else []

    def close(self) -> None:
        if self._decoder:
            self._lib.ps_free(self._decoder)
            self._decoder = None
            self._open = False

    def __del__(self) -> None:
        if getattr(self, "_decoder", None):
            self.close()

    def _words(self) -> list[Word]:
        lib, words = self._lib, []
        start, end = ctypes.c_int(), ctypes.c_int()
        ascr, lscr, lback = ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
        segment = lib.ps_seg_iter(self._decoder)
        while segment:  # ps_seg_next frees the iterator when it returns NULL
            token = _ALTERNATE.sub("", lib.ps_seg_word(segment).decode())
            lib.ps_seg_frames(segment, ctypes.byref(start), ctypes.byref(end))
            probability = lib.logmath_exp(self._logmath, lib.ps_seg_prob(segment, ctypes.byref(ascr), ctypes.byref(lscr), ctypes.byref(lback)))
            segment = lib.ps_seg_next(segment)
            if token.lower() in _NOT_WORDS or token.startswith("["):
                continue
            words.append(
                Word(
                    w=token,
                    start=round(self._offset_s + start.value / 100.0, 3),
                    end=round(self._offset_s + (end.value + 1) / 100.0, 3),
                    conf=round(min(1.0, max(0.0, probability)), 3),
                )
            )
        return words
