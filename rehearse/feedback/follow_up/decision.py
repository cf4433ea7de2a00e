"""The deterministic decision: after an answer, one follow-up on its most important gap not yet asked, or none."""

from __future__ import annotations

from collections.abc import Sequence

from rehearse.domain.analysis_model import AnswerText
from rehearse.domain.follow_ups import FollowUp
from rehearse.domain.model import Question
from rehearse.feedback.follow_up.gaps import Assessment, Gap, assess
from rehearse.feedback.follow_up.wording import follow_up_text
from rehearse.ports import Embedder


def decide_follow_up(
    question: Question,
    answer: AnswerText,
    *,
    asked: Sequence[FollowUp] = (),
    max_follow_ups: int = 1,
    embedder: Embedder | None = None,
    seed: str | None = None,
) -> FollowUp | None:
    """The follow-up to ask now, or None: none left to ask (`max_follow_ups` reached; 0 turns them off) or no gap.

    `answer` is the whole exchange so far (the answer and the answers to earlier follow-ups), `asked` the follow-ups
    already asked for this question: a target is never asked twice. `seed` varies the wording (a session id); the
    same inputs always give the same follow-up. Without an embedder, key points and relevance are not judged."""
    if len(asked) >= max_follow_ups:
        return None
    return follow_up_for(question, assess(question, answer, embedder), asked, seed if seed is not None else answer_seed(answer))


def follow_up_for(question: Question, assessment: Assessment, asked: Sequence[FollowUp], seed: str) -> FollowUp | None:
    gap = next(iter(open_gaps(assessment, asked)), None)
    return None if gap is None else worded(gap, question, seed)


def open_gaps(assessment: Assessment, asked: Sequence[FollowUp]) -> list[Gap]:
    """The gaps not targeted yet, most important first."""
    done = {f.targets for f in asked}
    return [g for g in assessment.gaps if g.targets not in done]


def worded(gap: Gap, question: Question, seed: str) -> FollowUp:
    return FollowUp(text=follow_up_text(gap, question, seed), targets=gap.targets, reason=gap.reason)


def answer_seed(answer: AnswerText) -> str:
    return answer.text or " ".join(w.w for w in answer.words)
