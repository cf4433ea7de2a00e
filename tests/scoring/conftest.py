"""Shared helpers for the scoring tests: answers from text or from words spoken at a given pace."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearse.domain.analysis_model import AnswerText, Word
from rehearse.feedback.scoring.text import Transcript, split_answer

MODEL_DIR = Path(__file__).resolve().parents[2] / ".rehearse-data" / "models" / "minilm"


def answer_from_text(text: str, **fields: object) -> AnswerText:
    return AnswerText(question_text="Tell me about a project.", text=text, **fields)


def transcript_of(text: str) -> Transcript:
    return split_answer(answer_from_text(text))


def timed_answer(
    text: str, seconds_per_word: float = 0.4, pauses: dict[int, float] | None = None, **fields: object
) -> AnswerText:
    """Each word lasts 80% of its slot; `pauses` adds silence after the given word indexes."""
    words, clock = [], 0.0
    for i, word in enumerate(text.split()):
        words.append(Word(w=word, start=round(clock, 3), end=round(clock + seconds_per_word * 0.8, 3)))
        clock += seconds_per_word + (pauses or {}).get(i, 0.0)
    return AnswerText(question_text="Tell me about a project.", words=words, **fields)


@pytest.fixture(scope="session")
def embedder():
    """The real MiniLM embedder; the tests that need it skip, saying why, when `make models` has not built it."""
    if not (MODEL_DIR / "model.onnx").is_file():
        pytest.skip(f"the sentence embedder is not built ({MODEL_DIR / 'model.onnx'} missing); run `make models`")
    from rehearse.adapters.local.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(MODEL_DIR)
