"""Hand-made answers, features and scores for the evaluation tests (no dependency on the scoring code)."""

from __future__ import annotations

from typing import Any

from rehearse.domain.analysis_model import (
    AnswerFeatures,
    AnswerScore,
    AnswerText,
    DimensionScore,
    Evaluation,
    KeyPointCoverage,
    PauseStats,
    Rewrite,
    RubricRef,
    Scores,
    Specificity,
    StarStructure,
    Word,
    confidence_level,
)
from rehearse.domain.model import Question

QUESTION = "Tell me about a time you improved a slow process."
KEY_POINTS = ["the problem you found", "what you changed"]
RUBRIC = RubricRef(id="behavioural", version="1")

WEAK_ANSWER = (
    "At my last job our releases took two weeks. "
    "Um, so I think my task was, like, to kind of make it faster, you know, for everyone. "
    "We rewrote the deploy scripts and added tests."
)
STRONG_ANSWER = (
    "At my last job our releases took two weeks. "
    "I was asked to make them faster. "
    "I automated the test suite and moved deploys to a pipeline. "
    "As a result we cut release time to three days, and we cut costs by 30 percent."
)


def dimension(score: int, confidence: float = 0.7, evidence: list[str] | None = None) -> DimensionScore:
    return DimensionScore(score=score, confidence=confidence, level=confidence_level(confidence), evidence=evidence or [])


def scores(content: int = 70, structure: int = 70, clarity: int = 70, confidence: int = 70, certainty: float = 0.7) -> Scores:
    return Scores(
        content=dimension(content, certainty),
        structure=dimension(structure, certainty),
        clarity=dimension(clarity, certainty),
        confidence=dimension(confidence, certainty),
    )


def weak_features(**changes: Any) -> AnswerFeatures:
    """The WEAK_ANSWER as a scorer would see it: fillers, hedges, no result."""
    features = AnswerFeatures(
        word_count=38,
        duration_s=20.0,
        pace_wpm=114.0,
        filler_count=3,
        fillers_per_min=9.0,
        fillers={"um": 2, "like": 1},
        pauses=PauseStats(count=1, longest_s=1.4, total_s=1.4),
        hedge_count=3,
        hedges=["I think", "kind of", "I think"],
        sentence_count=3,
        mean_sentence_words=12.7,
        specificity=Specificity(numbers=1, named_things=0, quantified_results=0, examples=["two weeks"]),
        star=StarStructure(
            situation=True,
            task=True,
            action=True,
            result=False,
            in_order=True,
            evidence={
                "situation": "At my last job our releases took two weeks.",
                "task": "Um, so I think my task was, like, to kind of make it faster, you know, for everyone.",
                "action": "We rewrote the deploy scripts and added tests.",
            },
        ),
        key_points=[
            KeyPointCoverage(
                point="the problem you found",
                similarity=0.81,
                covered=True,
                best_sentence="At my last job our releases took two weeks.",
            ),
            KeyPointCoverage(point="what you changed", similarity=0.42, covered=False),
        ],
        coverage=0.5,
    )
    return features.model_copy(update=changes)


def strong_features(**changes: Any) -> AnswerFeatures:
    features = AnswerFeatures(
        word_count=45,
        duration_s=19.0,
        pace_wpm=142.0,
        filler_count=0,
        fillers_per_min=0.0,
        sentence_count=4,
        mean_sentence_words=11.2,
        specificity=Specificity(
            numbers=2, named_things=2, quantified_results=1, examples=["we cut costs by 30 percent", "test suite"]
        ),
        star=StarStructure(
            situation=True,
            task=True,
            action=True,
            result=True,
            in_order=True,
            evidence={
                "situation": "At my last job our releases took two weeks.",
                "task": "I was asked to make them faster.",
                "action": "I automated the test suite and moved deploys to a pipeline.",
                "result": "As a result we cut release time to three days, and we cut costs by 30 percent.",
            },
        ),
        key_points=[
            KeyPointCoverage(
                point="the problem you found",
                similarity=0.84,
                covered=True,
                best_sentence="At my last job our releases took two weeks.",
            ),
            KeyPointCoverage(
                point="what you changed", similarity=0.77, covered=True, best_sentence="I automated the test suite."
            ),
        ],
        coverage=1.0,
    )
    return features.model_copy(update=changes)


def answer(text: str = WEAK_ANSWER, key_points: list[str] | None = None, words: list[Word] | None = None) -> AnswerText:
    return AnswerText(
        question_text=QUESTION, key_points=KEY_POINTS if key_points is None else key_points, text=text, words=words or []
    )


def answer_score(
    features: AnswerFeatures | None = None,
    score: Scores | None = None,
    *,
    session_id: str = "s1",
    question_id: str = "q1",
    index: int = 0,
    overall: int | None = None,
) -> AnswerScore:
    features = features or weak_features()
    score = score or scores()
    return AnswerScore(
        id=f"{session_id}.{question_id}.score",
        session_id=session_id,
        question_id=question_id,
        question_index=index,
        rubric=RUBRIC,
        features=features,
        scores=score,
        overall=score.overall() if overall is None else overall,
    )


def question(question_id: str = "q1", index: int = 0, text: str = QUESTION) -> Question:
    return Question(id=question_id, index=index, text=text, key_points=KEY_POINTS)


def evaluation(
    question_id: str = "q1", *, source: str = "deterministic", rewrite: Rewrite | None = None, **changes: Any
) -> Evaluation:
    fields: dict[str, Any] = {
        "session_id": "s1",
        "question_id": question_id,
        "strengths": ["You named the problem: 'our releases took two weeks'."],
        "improvements": ["Add the result: say what changed because of your work, with a number if you have one."],
        "rewrite": rewrite,
        "source": source,
    }
    return Evaluation(**(fields | changes))


def timed_words(count: int, seconds_per_word: float, start: float = 0.0, filler_every: int = 0) -> list[Word]:
    """`count` evenly spaced words; every `filler_every`-th one is 'um'."""
    words = []
    for i in range(count):
        at = start + i * seconds_per_word
        word = "um" if filler_every and (i + 1) % filler_every == 0 else f"word{i}"
        words.append(Word(w=word, start=at, end=at + seconds_per_word * 0.8))
    return words
