"""Rehearse: live AI mock interviews. The core package: domain model, ports and pure interview logic."""

__version__ = "0.1.0"

from pathlib import Path

# Questions, rubrics and the fitted scoring models ship inside the package.
DATA_DIR = Path(__file__).resolve().parent / "data"
