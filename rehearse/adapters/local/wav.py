"""WAV files in and out: 16-bit PCM of any rate and channel count becomes mono int16 at the rate asked for."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from rehearse.adapters.local.resample import resample_int16


def decode_wav(source: bytes | Path, rate: int) -> np.ndarray:
    """Mono int16 PCM at `rate`; ValueError when the WAV is not 16-bit PCM."""
    with wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as w:
        if w.getsampwidth() != 2:
            raise ValueError("not 16-bit PCM")
        source_rate, channels = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return resample_int16(pcm, source_rate, rate)


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> Path:
    _write(str(path), pcm.astype(np.int16).tobytes(), rate)
    return path


def wav_bytes(pcm: np.ndarray | bytes, rate: int) -> bytes:
    """A mono 16-bit WAV file in memory, from int16 PCM or its raw little-endian bytes (no conversion copy)."""
    out = io.BytesIO()
    _write(out, pcm if isinstance(pcm, bytes) else pcm.astype(np.int16).tobytes(), rate)
    return out.getvalue()


def _write(target: str | io.BytesIO, frames: bytes, rate: int) -> None:
    with wave.open(target, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
