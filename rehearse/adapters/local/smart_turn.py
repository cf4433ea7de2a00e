"""Smart Turn v3.2 (onnxruntime, one thread): the probability that the candidate has finished their turn, from how
the last 8 s of their voice sounds (words, intonation, a trailing "and" or "um")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from rehearse.adapters.local.smart_turn_model import MODEL_NAME, is_ready
from rehearse.adapters.local.whisper_features import WINDOW_SAMPLES, log_mel_features
from rehearse.domain.errors import ModelUnavailable


class SmartTurnModel:
    """Load once (about 0.1 s), then call `complete_probability` from a worker thread: one call costs 60-90 ms of
    one core, too long for the event loop."""

    def __init__(self, model_dir: Path, threads: int = 1) -> None:
        path = model_dir / MODEL_NAME
        if not path.is_file() or not is_ready(model_dir):
            raise ModelUnavailable(f"no verified Smart Turn model at {path}; run `make models`")
        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])

    def complete_probability(self, pcm16k: np.ndarray) -> float:
        """P(turn complete) for the audio so far: 16 kHz mono, int16 or float in [-1, 1], oldest first, ending now
        (trailing silence included). Only the last 8 s count; shorter audio is padded with silence at the front."""
        audio = pcm16k.astype(np.float32) / 32768.0 if pcm16k.dtype.kind in "iu" else pcm16k.astype(np.float32)
        audio = audio.reshape(-1)[-WINDOW_SAMPLES:]
        if audio.size < WINDOW_SAMPLES:
            audio = np.pad(audio, (WINDOW_SAMPLES - audio.size, 0))
        features = log_mel_features(audio)[np.newaxis]
        (probability,) = self._session.run(None, {"input_features": features})
        return float(np.asarray(probability).reshape(-1)[0])
