"""`make install` installs the project into .venv (editable), so `.venv/bin/rehearse` works from any folder without
PYTHONPATH: its --help lists the commands, and it scores an answer and decides a follow-up."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REHEARSE = ROOT / ".venv" / "bin" / "rehearse"
QUESTION = {"text": "Tell me about a time you improved a slow system.", "key_points": ["measured the problem", "the result"]}
ANSWER = (
    "At my last job the checkout page took four seconds to load. I profiled it, found a slow pricing query and added "
    "a cache. As a result the page loaded in one second and conversion grew by twelve percent."
)


@pytest.fixture
def elsewhere(tmp_path) -> tuple[Path, dict[str, str]]:
    """A folder outside the repository, and an environment without the Makefile's PYTHONPATH."""
    assert REHEARSE.exists(), "no .venv/bin/rehearse: run `make install` (it installs the project in editable mode)"
    (tmp_path / "question.json").write_text(json.dumps(QUESTION))
    (tmp_path / "answer.txt").write_text(ANSWER)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("REHEARSE_")}
    return tmp_path, environment


def _run(elsewhere, *args: str, **env: str) -> subprocess.CompletedProcess:
    folder, environment = elsewhere
    return subprocess.run([str(REHEARSE), *args], cwd=folder, env={**environment, **env}, capture_output=True, text=True, timeout=120)


def test_help_lists_the_commands_from_any_folder(elsewhere):
    done = _run(elsewhere, "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: rehearse" in done.stdout and "score" in done.stdout and "follow-up" in done.stdout


def test_score_works_from_any_folder_with_the_models_of_the_data_dir(elsewhere):
    done = _run(elsewhere, "score", "question.json", "answer.txt", REHEARSE_DATA_DIR=str(ROOT / ".rehearse-data"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["scores"]) == {"content", "structure", "clarity", "confidence"} and 0 <= report["overall"] <= 100
    assert "warning" not in done.stderr, done.stderr  # the embedder and the tone model were found and used


def test_follow_up_works_from_any_folder(elsewhere):
    done = _run(elsewhere, "follow-up", "question.json", "answer.txt", "--no-models")
    assert done.returncode == 0, done.stderr
    assert "follow_up" in json.loads(done.stdout)
