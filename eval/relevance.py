"""Relevance examples from the answer sets, and how well the relevance rule separates them.

    python -m eval.relevance [--split dev|heldout|heldout2]

Each answer counts against its own question (on topic, except an `other_question` answer, which answers another
one) and, for its excellent, solid, vague and long-vague answers, against every other question of the same split
whose text asks something else (text cosine < SAME_QUESTION_AT): there it is an answer to another question by
construction. Key-word lists are left out: no sentence of theirs has substance, which the scorer tells first."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval.answers import SPLITS, EvalQuestion, load_split
from eval.key_points import auc
from rehearse.cli import load_models
from rehearse.domain.analysis_model import AnswerText, Relevance
from rehearse.feedback.scoring.coverage import PointSet
from rehearse.feedback.scoring.embedding_cache import cache_for
from rehearse.feedback.scoring.features import analyse_text, sentence_inputs
from rehearse.feedback.scoring.relevance import (
    SAME_QUESTION_AT,
    Measured,
    RelevanceModel,
    measured_inputs,
    relevance_model,
    rival_named,
)
from rehearse.ports import Embedder

CROSS_LEVELS = ("excellent", "solid", "vague", "long_vague")


@dataclass(frozen=True)
class Example:
    split: str
    answer_of: str  # the question the answer was written for
    asked: str  # the question it is scored against
    level: str
    on_topic: bool
    vector: tuple[float, ...]
    closest_question: str | None = None  # the other question the judge would name (`rival_named`)


class _Memo:
    """The embedder with every text remembered: one answer is scored against many questions."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder, self._vectors = embedder, {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self._embedder.embed(missing), strict=True):
                self._vectors[text] = vector
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 384), np.float32)


def examples(split: str, embedder: Embedder) -> list[Example]:
    memo = _Memo(embedder)
    questions = load_split(split)
    texts = memo.embed([q.question.text for q in questions])
    out: list[Example] = []
    for i, question in enumerate(questions):
        for level, item in question.answers.items():
            if level == "keywords":
                continue
            pairs = [(question, level != "other_question")]
            if level in CROSS_LEVELS:
                pairs += [(other, False) for j, other in enumerate(questions) if j != i and float(texts[i] @ texts[j]) < SAME_QUESTION_AT]
            elif level == "other_question":
                pairs += [(other, True) for other in questions if other.question.id == item.answers_question]
            for asked, on_topic in pairs:
                measured = _measured(item.answer, asked, memo)
                if measured is not None:
                    closest = measured.other_text if rival_named(measured) else None
                    out.append(Example(split, question.key, asked.key, level, on_topic, measured.vector(), closest))
    return out


def _measured(answer: AnswerText, asked: EvalQuestion, embedder: Embedder) -> Measured | None:
    q = asked.question
    answer = answer.model_copy(
        update={"question_text": q.text, "key_points": list(q.key_points), "key_point_examples": dict(q.examples),
                "question_id": q.id if q.id != "custom" else None, "role": asked.role}
    )  # fmt: skip
    inputs = sentence_inputs(answer, analyse_text(answer), embedder)
    if inputs is None or not inputs.specs or not any(inputs.substantial):
        return None
    return measured_inputs(
        answer, inputs.norms, inputs.vectors, inputs.substantial, PointSet([inputs.specs]), inputs.static_vectors, cache_for(embedder)
    )


def metrics(rows: list[Example], model: RelevanceModel) -> dict:
    p = np.array([model.probability(r.vector) for r in rows])
    on = np.array([r.on_topic for r in rows])
    called_off, called_on = p < model.off_topic_below, p >= model.on_topic_at
    # Told in so many words that it does not answer: the judge is sure (Relevance.clearly_elsewhere)
    told = np.array([
        bool(off) and Relevance(probability=float(pr), state="off_topic", closest_question=r.closest_question).clearly_elsewhere
        for pr, off, r in zip(p, called_off, rows, strict=True)
    ])  # fmt: skip
    return {
        "n": len(rows), "on_topic": int(on.sum()), "auc": round(auc(p, on), 3),
        # the error a candidate minds most: a real answer judged off topic (capped, "hardly answers") ...
        "on_topic_called_off": _ratio((called_off & on).sum(), on.sum()),
        # ... and the worse one: told that it does not answer the question
        "on_topic_told_does_not_answer": _ratio((told & on).sum(), on.sum()),
        "off_topic_told_does_not_answer": _ratio((told & ~on).sum(), (~on).sum()),
        "off_topic_caught": _ratio((called_off & ~on).sum(), (~on).sum()),
        "off_topic_claims_right": _ratio((called_off & ~on).sum(), called_off.sum()),
        "on_topic_claims_right": _ratio((called_on & on).sum(), called_on.sum()),
    }  # fmt: skip


def _ratio(a: int, b: int) -> float | None:
    return round(float(a) / float(b), 3) if b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.relevance", description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=list(SPLITS), action="append")
    args = parser.parse_args(argv)
    embedder, _ = load_models(None)
    if embedder is None:
        print("the sentence embedder is needed; build it with `make models`", file=sys.stderr)
        return 1
    for split in args.split or [s for s, path in SPLITS.items() if path.is_file()]:
        print(json.dumps({"metric": "relevance", "split": split, **metrics(examples(split, embedder), relevance_model())}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
