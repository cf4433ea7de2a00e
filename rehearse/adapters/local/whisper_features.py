# Copyright (c) 2024-2026, Daily
# SPDX-License-Identifier: BSD-2-Clause
# Ported from pipecat-ai 1.14.0, pipecat/audio/turn/smart_turn/_whisper_features.py (BSD 2-Clause License: the
# notice above and the licence's conditions and disclaimer, in docs/models.md, are kept with this code).
#
# Portions derived from Hugging Face Transformers (src/transformers/models/whisper/feature_extraction_whisper.py and
# src/transformers/audio_utils.py): Copyright 2022 The HuggingFace Inc. team; Copyright 2023 The HuggingFace Inc.
# team and the librosa & torchaudio authors. Licensed under the Apache License, Version 2.0
# (https://www.apache.org/licenses/LICENSE-2.0). Modified by Daily, and by the Rehearse authors (trimmed to the one
# call Smart Turn needs).
"""Whisper's log-mel front end in numpy alone, as Smart Turn v3 expects it: 8 s of 16 kHz audio -> [80, 800]."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 8 * SAMPLE_RATE
_N_FFT = 400
_HOP = 160
_N_MELS = 80
_MEL_FLOOR = 1e-10
_NORM_EPS = 1e-7


def _hertz_to_mel(freq: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    freq = np.atleast_1d(np.asarray(freq, dtype=np.float64))
    mels = 3.0 * freq / 200.0
    high = freq >= 1000.0
    mels[high] = 15.0 + np.log(freq[high] / 1000.0) * (27.0 / np.log(6.4))
    return mels


def _mel_to_hertz(mels: np.ndarray) -> np.ndarray:
    mels = np.atleast_1d(np.asarray(mels, dtype=np.float64))
    freq = 200.0 * mels / 3.0
    high = mels >= 15.0
    freq[high] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mels[high] - 15.0))
    return freq


def _mel_filterbank() -> np.ndarray:
    """Slaney-normalised triangular filters, shape (n_fft // 2 + 1, 80), from 0 Hz to Nyquist."""
    mel_edges = np.linspace(_hertz_to_mel(np.array([0.0]))[0], _hertz_to_mel(np.array([SAMPLE_RATE / 2.0]))[0], _N_MELS + 2)
    filter_freqs = _mel_to_hertz(mel_edges)
    fft_freqs = np.linspace(0, SAMPLE_RATE // 2, _N_FFT // 2 + 1)
    filter_diff = np.diff(filter_freqs)
    slopes = np.expand_dims(filter_freqs, 0) - np.expand_dims(fft_freqs, 1)
    down = -slopes[:, :-2] / filter_diff[:-1]
    up = slopes[:, 2:] / filter_diff[1:]
    filters = np.maximum(np.zeros(1), np.minimum(down, up))
    filters *= np.expand_dims(2.0 / (filter_freqs[2 : _N_MELS + 2] - filter_freqs[:_N_MELS]), 0)
    return filters


_WINDOW = np.hanning(_N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window
_MEL_FILTERS = _mel_filterbank()


def log_mel_features(audio: np.ndarray) -> np.ndarray:
    """Float32 [80, 800] log-mel features of 8 s of 16 kHz float audio (zero-padded at the end or cut to the first 8 s
    here; the caller pads at the front, as Smart Turn was trained). Equals transformers' WhisperFeatureExtractor
    (chunk_length=8, do_normalize=True)."""
    if audio.ndim != 1:
        raise ValueError(f"expected 1-D audio, got shape {audio.shape}")
    x = np.asarray(audio, dtype=np.float32)
    if x.size < WINDOW_SAMPLES:
        x = np.pad(x, (0, WINDOW_SAMPLES - x.size))
    x = x[:WINDOW_SAMPLES]
    x = (x - x.mean()) / np.sqrt(x.var() + _NORM_EPS)  # zero mean, unit variance, in float32 like the reference
    padded = np.pad(x.astype(np.float64), (_N_FFT // 2, _N_FFT // 2), mode="reflect")
    frames = sliding_window_view(padded, _N_FFT)[::_HOP]
    power = (np.abs(np.fft.rfft(frames * _WINDOW, axis=-1)) ** 2).T
    log_spec = np.log10(np.maximum(_MEL_FLOOR, _MEL_FILTERS.T @ power))[:, :-1]
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)
