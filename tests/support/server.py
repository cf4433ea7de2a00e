"""Starts the real embedded default (`python -m rehearse.local`) on a free port for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import stop

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / ".rehearse-data" / "models" / "whisper-base"
EMBEDDER_DIR = ROOT / ".rehearse-data" / "models" / "minilm"
SMART_TURN_DIR = ROOT / ".rehearse-data" / "models" / "smart-turn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(data_dir: Path, log_path: Path, module: str = "rehearse.local", **env: str):
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REHEARSE_PORT": str(port),
        "REHEARSE_DATA_DIR": str(data_dir),
        "REHEARSE_WHISPER_MODEL_DIR": str(MODEL_DIR),
        "REHEARSE_EMBEDDER_MODEL_DIR": str(EMBEDDER_DIR),
        "REHEARSE_SMART_TURN_MODEL_DIR": str(SMART_TURN_DIR),
        # Sessions follow up only when they ask to ("max_follow_ups" in POST /api/sessions): the flows tested and
        # measured here are one answer per question; tests/e2e/test_follow_ups.py turns them on.
        "REHEARSE_MAX_FOLLOW_UPS": "0",
        # Every session here comes from 127.0.0.1, dozens per hour: the hourly session limits against cost abuse
        # would refuse the benchmarks' and tests' own traffic (tests/quotas and tests/bench/test_quota_flood.py set them).
        "REHEARSE_QUOTA_SESSIONS_PER_ADDRESS_PER_HOUR": "100000",
        "REHEARSE_QUOTA_SESSIONS_PER_CANDIDATE_PER_HOUR": "100000",
        **env,
    }
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{module} exited: {log_path.read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).read()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError(f"{module} did not start within 60 s") from None
                    time.sleep(0.2)
            yield base, proc
        finally:
            stop(proc, 20)
