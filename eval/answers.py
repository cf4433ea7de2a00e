"""Loads the answer sets: per question, answers at four quality levels plus adversarial ones.

eval/answers.yaml is the tuning split; eval/heldout_answers.yaml is never tuned on (its figures are reported beside
the tuning split's to show how far the tuning carried)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eval.pairs import DEFAULT_WPM, timed_words
from rehearse.domain.analysis_model import AnswerText
from rehearse.domain.model import Question
from rehearse.domain.question_bank import default_bank

HERE = Path(__file__).resolve().parent
# heldout2 was written after the scorer was tuned, by writers who never saw it: the cleanest figure of the three.
SPLITS = {"dev": HERE / "answers.yaml", "heldout": HERE / "heldout_answers.yaml", "heldout2": HERE / "heldout2_answers.yaml"}
QUALITY = ("excellent", "solid", "vague", "poor")  # best first: each should outscore the ones after it
ADVERSARIAL = ("keywords", "other_question", "long_vague")
LEVELS = QUALITY + ADVERSARIAL


@dataclass(frozen=True)
class Answer:
    level: str
    answer: AnswerText
    recognizer: bool
    answers_question: str | None  # for other_question: the bank question it really answers


@dataclass(frozen=True)
class EvalQuestion:
    key: str  # the bank id, or "custom:<first words>"
    question: Question
    role: str
    answers: dict[str, Answer]


def load_split(split: str) -> list[EvalQuestion]:
    data = yaml.safe_load(SPLITS[split].read_text(encoding="utf-8"))
    bank = {q.id: (role.id, q) for role in default_bank().roles() for q in role.questions}
    questions = []
    for item in data["questions"]:
        if "question" in item:
            role, question = bank[item["question"]]
            key = question.id
        else:
            custom = item["custom"]
            role = custom["role"]
            question = Question(id="custom", text=custom["text"], key_points=list(custom["key_points"]))
            key = "custom:" + "-".join(custom["text"].lower().split()[:6])
        answers = {}
        for spec in item["answers"]:
            if spec["level"] not in LEVELS:
                raise ValueError(f"{key}: unknown level {spec['level']!r}")
            answers[spec["level"]] = Answer(
                level=spec["level"],
                answer=answer_of(spec, question, role),
                recognizer=bool(spec.get("recognizer", False)),
                answers_question=spec.get("answers"),
            )
        questions.append(EvalQuestion(key=key, question=question, role=role, answers=answers))
    return questions


def answer_of(spec: dict[str, Any], question: Question, role: str) -> AnswerText:
    text = " ".join(str(spec["text"]).split())
    words = timed_words(text, float(spec.get("wpm", DEFAULT_WPM)))
    return AnswerText(
        question_text=question.text,
        key_points=list(question.key_points),
        key_point_examples=dict(question.examples),
        question_id=question.id if question.id != "custom" else None,
        words=words,
        text=text,
        role=role,
    )
