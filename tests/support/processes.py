"""Local servers the tests start: run one, wait until its ports accept connections, and stop it afterwards."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_TIMEOUT_S = 30.0


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextmanager
def serving(name: str, argv: list[str], ports: list[int], workdir: Path) -> Iterator[subprocess.Popen]:
    """Start a server, wait until every port accepts connections, and stop it (by its pid) afterwards.
    Its output goes to <workdir>/<name>.log, which a failure to start quotes."""
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(answers(p) for p in ports):
            if proc.poll() is not None or time.monotonic() > deadline:
                state = (
                    f"exited with {proc.returncode}" if proc.returncode is not None else f"not ready in {START_TIMEOUT_S:.0f} s"
                )
                pytest.fail(f"{name} {state}; its log ({log_path}):\n{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.02)
        yield proc
    finally:
        stop(proc, 5)


def stop(proc: subprocess.Popen, timeout_s: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within timeout_s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
