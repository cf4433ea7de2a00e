"""VoiceActivity on the WebRTC voice activity detector (webrtcvad-wheels)."""

from __future__ import annotations

import numpy as np
import webrtcvad


class WebRtcVoiceActivity:
    def __init__(self, aggressiveness: int = 2, sample_rate: int = 16000) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)
        self._rate = sample_rate

    def is_speech(self, frame: np.ndarray) -> bool:
        return self._vad.is_speech(frame.astype(np.int16, copy=False).tobytes(), self._rate)
