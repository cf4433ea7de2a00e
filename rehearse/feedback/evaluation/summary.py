"""A closed question's summary: 3-5 short bullets saying what was strong, what to improve and one sentence to try."""

from __future__ import annotations

import re

from rehearse.domain.analysis_model import DIMENSIONS, AnswerScore, Evaluation, QuestionSummary, Rewrite
from rehearse.domain.documents import summary_id
from rehearse.domain.model import Question
from rehearse.feedback.evaluation.deterministic import weakest_dimension
from rehearse.feedback.evaluation.wording import shorten

BULLET_CHARS = 120  # every bullet is shorter than this
MAX_BULLETS = 5
NO_ANSWER = "No answer was recorded for this question."
_EXAMPLE_IN_PLACEHOLDER = re.compile(r"\[([^\]]*?), e\.g\. [^\]]*\]")


def answered(score: AnswerScore | None) -> bool:
    return score is not None and score.features.word_count > 0


def _bullet(text: str) -> str:
    return shorten(" ".join(text.split()), BULLET_CHARS)


def try_bullet(rewrite: Rewrite) -> str:
    """'Try: <the improved sentence>'; a long placeholder loses its example so the sentence itself fits."""
    text = f"Try: {rewrite.improved}"
    if len(text) >= BULLET_CHARS:
        text = _EXAMPLE_IN_PLACEHOLDER.sub(r"[\1]", text)
    return _bullet(text)


def _from_scores(score: AnswerScore) -> tuple[list[str], list[str]]:
    """Without an evaluation: the strongest and weakest dimensions, with the rubric's own evidence."""
    weakest = weakest_dimension(score.scores)
    strongest = max(DIMENSIONS, key=lambda d: (getattr(score.scores, d).score, -DIMENSIONS.index(d)))

    def line(label: str, dimension: str) -> str:
        result = getattr(score.scores, dimension)
        evidence = f": {result.evidence[0]}" if result.evidence else ""
        return f"{label} {dimension}, {result.score}/100{evidence}."

    return [line("Strongest:", strongest)], [line("Work on", weakest)]


def _no_answer_bullets(question: Question) -> list[str]:
    bullets = [NO_ANSWER, "Next time, answer even briefly: the context, what you did, and the result."]
    if question.key_points:
        bullets.append(f"Points to cover: {', '.join(question.key_points[:3])}.")
    else:
        bullets.append("Start with one sentence that answers the question directly.")
    return [_bullet(b) for b in bullets]


def _answer_bullets(strong: list[str], improve: list[str], rewrite: Rewrite | None, score: AnswerScore) -> list[str]:
    relevance = score.features.relevance
    if relevance is not None and relevance.state == "off_topic":
        # The most important thing first: praise for delivery must not open the summary of an answer to another question.
        bullets = [_bullet(s) for s in improve[:2]] + [_bullet(s) for s in strong[:1]]
    else:
        bullets = [_bullet(s) for s in strong[:2]] + [_bullet(s) for s in improve[:2]]
    if rewrite is not None:
        bullets.append(try_bullet(rewrite))
    if len(bullets) < 3:
        bullets.append(_bullet(f"Overall {score.overall}/100; work on {weakest_dimension(score.scores)} first."))
    if len(bullets) < 3:
        bullets.append("Practise this question again, out loud, with a timer.")
    return list(dict.fromkeys(bullets))[:MAX_BULLETS]  # no bullet twice, order kept


def summarize_question(
    session_id: str, question: Question, score: AnswerScore | None, evaluation: Evaluation | None
) -> QuestionSummary:
    common = {
        "id": summary_id(session_id, question.id),
        "session_id": session_id,
        "question_id": question.id,
        "question_index": question.index,
        "question_text": question.text,
    }
    if score is None or not answered(score):
        return QuestionSummary(**common, bullets=_no_answer_bullets(question))
    strong, improve = (evaluation.strengths, evaluation.improvements) if evaluation else _from_scores(score)
    rewrite = evaluation.rewrite if evaluation else None
    return QuestionSummary(
        **common,
        bullets=_answer_bullets(strong, improve, rewrite, score),
        strong=list(strong),
        improve=list(improve),
        rewrite=rewrite,
        overall=score.overall,
    )
