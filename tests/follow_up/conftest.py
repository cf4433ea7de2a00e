"""Questions and answers for the follow-up tests: a bank-like question with probes, and the real embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearse.domain.analysis_model import AnswerText
from rehearse.domain.model import Question

MODEL_DIR = Path(__file__).resolve().parents[2] / ".rehearse-data" / "models" / "minilm"

PROJECT = Question(
    id="swe-02",
    kind="behavioral",
    text="Tell me about a technically challenging project you worked on. What made it hard, and how did you approach it?",
    key_points=[
        "explains the specific constraint that made it hard",
        "separates own contribution from the team's work",
        "compares alternatives considered and why rejected",
        "names a measurable result such as latency or cost",
        "reflects on what they would do differently",
    ],
    probes={
        "explains the specific constraint that made it hard": ["What exactly made it hard?", "What was the main constraint?"],
        "separates own contribution from the team's work": ["What was your part in it, specifically?"],
        "compares alternatives considered and why rejected": ["What other approaches did you consider?"],
        "names a measurable result such as latency or cost": ["How did it turn out, in numbers?"],
        "reflects on what they would do differently": ["What would you do differently next time?"],
    },
)
# A story without a key point of the question's and without any result: no embedder needed to see what it lacks.
NO_RESULT = (
    "At my last job I rewrote the billing service in Go. I split the monolith into three services and "
    "I moved the invoices to Postgres. I also wrote the migration scripts myself."
)
WE_ONLY = (
    "At my last job we rewrote the billing service in Go. We split the monolith into three services and "
    "we moved the invoices to Postgres. As a result, invoice runs went from six hours to forty minutes."
)
VAGUE = "I did a lot of things and I worked really hard on it. In the end it went really well and I learned a lot."
COMPLETE_STORY = (
    "At my last job I rewrote the billing service in Go. I split the monolith into three services and "
    "I moved the invoices to Postgres. As a result, invoice runs went from six hours to forty minutes."
)


def answer(text: str, question: Question = PROJECT) -> AnswerText:
    return AnswerText(question_text=question.text, key_points=list(question.key_points), question_id=question.id, text=text)


def bank_question(question_id: str) -> Question:
    from rehearse.domain.question_bank import default_bank

    return next(q for role in default_bank().roles() for q in role.questions if q.id == question_id)


def without_points(question: Question) -> Question:
    return question.model_copy(update={"key_points": [], "probes": {}, "examples": {}})


@pytest.fixture(scope="session")
def embedder():
    """The real MiniLM embedder; the tests that need it skip, saying why, when `make models` has not built it."""
    if not (MODEL_DIR / "model.onnx").is_file():
        pytest.skip(f"the sentence embedder is not built ({MODEL_DIR / 'model.onnx'} missing); run `make models`")
    from rehearse.adapters.local.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(MODEL_DIR)
