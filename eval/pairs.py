"""Loads eval/pairs.yaml: each pair's question from the bank, and word timings generated at the pair's pace and pauses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rehearse.domain.analysis_model import DIMENSIONS, AnswerText, Dimension, Word
from rehearse.domain.model import Question
from rehearse.domain.question_bank import default_bank

PAIRS_FILE = Path(__file__).resolve().parent / "pairs.yaml"
DEFAULT_WPM = 145.0
_LEAD_IN_S = 0.3
# Silences a speaker leaves after punctuation; they are part of the speaking time the pace is measured over.
_GAP_AFTER_SENTENCE_S = 0.35
_GAP_AFTER_COMMA_S = 0.15
_GAP_BETWEEN_WORDS_S = 0.04


@dataclass(frozen=True)
class Pair:
    id: str
    dimension: Dimension
    question: Question
    role: str
    strong: AnswerText
    weak: AnswerText


def load_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = _questions_by_id()
    pairs = []
    for item in data["pairs"]:
        if item["dimension"] not in DIMENSIONS:
            raise ValueError(f"pair {item['id']}: unknown dimension {item['dimension']!r}")
        role, question = questions[item["question"]]
        role = item.get("role", role)
        pairs.append(
            Pair(
                id=item["id"],
                dimension=item["dimension"],
                question=question,
                role=role,
                strong=_answer(item["strong"], question, role),
                weak=_answer(item["weak"], question, role),
            )
        )
    return pairs


def timed_words(text: str, wpm: float, pauses: list[tuple[int, float]] | None = None) -> list[Word]:
    """Timings for the words of `text` spoken at `wpm`, plus extra silence after the given word indexes.

    Punctuation gets natural short gaps inside the speaking time; each word lasts in proportion to its letters."""
    words = text.split()
    speaking = len(words) / wpm * 60.0
    gaps = [_gap_after(w) for w in words]
    gaps[-1] = 0.0
    if sum(gaps) > speaking / 2:  # very fast speech has no room for long gaps: shrink them with the pace
        gaps = [g * speaking / 2 / sum(gaps) for g in gaps]
    per_letter = (speaking - sum(gaps)) / sum(len(w) + 1 for w in words)
    extra = dict(pauses or [])
    timed, clock = [], _LEAD_IN_S
    for i, (word, gap) in enumerate(zip(words, gaps, strict=True)):
        end = clock + (len(word) + 1) * per_letter
        timed.append(Word(w=word, start=round(clock, 3), end=round(end, 3), conf=0.95))
        clock = end + gap + extra.get(i, 0.0)
    return timed


def _answer(spec: dict[str, Any], question: Question, role: str) -> AnswerText:
    text = " ".join(spec["text"].split())
    words = [] if spec.get("timings") is False else timed_words(text, float(spec.get("wpm", DEFAULT_WPM)), _pauses(spec))
    # As the feedback pipeline scores a bank question: with its spoken examples and its id.
    return AnswerText(
        question_text=question.text, key_points=list(question.key_points), key_point_examples=dict(question.examples),
        question_id=question.id, words=words, text=text, role=role,
    )  # fmt: skip


def _pauses(spec: dict[str, Any]) -> list[tuple[int, float]]:
    return [(int(index), float(seconds)) for index, seconds in spec.get("pauses", [])]


def _gap_after(word: str) -> float:
    if word.endswith((".", "?", "!")):
        return _GAP_AFTER_SENTENCE_S
    if word.endswith((",", ";", ":")):
        return _GAP_AFTER_COMMA_S
    return _GAP_BETWEEN_WORDS_S


def _questions_by_id() -> dict[str, tuple[str, Question]]:
    return {q.id: (role.id, q) for role in default_bank().roles() for q in role.questions}
