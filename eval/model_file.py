"""Writes a fitted model as committed data, or checks that the committed file is what a fresh fit gives."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path


def write_or_check(prog: str, doc: str | None, model_file: Path, train: Callable[[], dict], argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description=(doc or "").splitlines()[0] if doc else None)
    parser.add_argument("--check", action="store_true", help="fail if the committed model differs from a fresh fit")
    args = parser.parse_args(argv)
    text = json.dumps(train(), indent=2) + "\n"
    if args.check:
        if model_file.read_text(encoding="utf-8") != text:
            print(f"{model_file} differs from a fresh fit; run python -m {prog}", file=sys.stderr)
            return 1
        return 0
    model_file.write_text(text, encoding="utf-8")
    print(text)
    return 0
