"""The embedded default as a process a fault test can kill (SIGKILL) and start again on the same port and data dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.server import EMBEDDER_DIR, MODEL_DIR, ROOT, SMART_TURN_DIR, free_port


class AppProcess:
    def __init__(self, data_dir: Path, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log_path = log_path
        self._env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "REHEARSE_PORT": str(self.port),
            "REHEARSE_DATA_DIR": str(data_dir),
            "REHEARSE_WHISPER_MODEL_DIR": str(MODEL_DIR),
            "REHEARSE_EMBEDDER_MODEL_DIR": str(EMBEDDER_DIR),
            "REHEARSE_SMART_TURN_MODEL_DIR": str(SMART_TURN_DIR),
            "REHEARSE_MAX_FOLLOW_UPS": "0",  # sessions ask for follow-ups in their body when a test wants them
            # Every session here comes from 127.0.0.1, dozens per hour: the hourly session limits against cost abuse
            # would refuse the benchmarks' and tests' own traffic (tests/quotas and tests/bench/test_quota_flood.py set them).
            "REHEARSE_QUOTA_SESSIONS_PER_ADDRESS_PER_HOUR": "100000",
            "REHEARSE_QUOTA_SESSIONS_PER_CANDIDATE_PER_HOUR": "100000",
            # Faults come in the middle of long answers spoken with pauses between sentences: an answer ends after
            # silence alone here, as before the semantic end of turn (turn-taking has tests of its own).
            "REHEARSE_TURN_MODEL": "none",
            **env,
        }
        self._proc: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60) -> str:
        with self._log_path.open("ab") as log:
            self._proc = subprocess.Popen([sys.executable, "-m", "rehearse.local"], cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"rehearse.local exited: {self._log_path.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.base_url + "/healthz", timeout=1).read()
                return self.base_url
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"rehearse.local did not start within {timeout_s} s") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is drained or flushed."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGKILL)
        self._proc.wait(timeout=10)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
