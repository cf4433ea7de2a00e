"""The follow-up with an advisor (an LLM): one call at most per turn, its proposal checked, within a time budget;
otherwise the deterministic choice, with the reason logged."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Literal

from rehearse.domain.analysis_model import AnswerText
from rehearse.domain.follow_ups import (
    RELEVANCE,
    FollowUp,
    FollowUpAdviceFailed,
    FollowUpProposal,
    FollowUpRequest,
    PointState,
    targeted_point,
)
from rehearse.domain.model import Question
from rehearse.feedback.follow_up.decision import answer_seed, follow_up_for, open_gaps, worded
from rehearse.feedback.follow_up.gaps import Assessment, assess
from rehearse.feedback.scoring.substance import content_stems
from rehearse.ports import Embedder, FollowUpAdvisor

log = logging.getLogger(__name__)

Source = Literal["off", "none", "deterministic", "llm"]
MAX_WORDS = 40
_QUOTED = re.compile(r"(?:^|[\s(])['\"\u2018\u201c]([^'\"\u2019\u201d]{2,80}?)['\"\u2019\u201d](?=[\s.,;:?!)]|$)")
_WORD = re.compile(r"[a-z0-9']+")
_SAME_POINT_SHARE = 0.6  # of a covered point's content words in the question: it asks for that point again


class ProposalRejected(Exception):
    """The advisor's proposal breaks a rule; the message says which."""


async def choose_follow_up(
    question: Question,
    answer: AnswerText,
    *,
    asked: Sequence[FollowUp] = (),
    max_follow_ups: int = 1,
    embedder: Embedder | None = None,
    advisor: FollowUpAdvisor | None = None,
    timeout_s: float = 1.5,
    seed: str | None = None,
) -> tuple[FollowUp | None, Source, str]:
    """(the follow-up or None, who chose it, a note): "off" when no follow-up is left to ask, "none" when the answer
    has no gap, "llm" when the advisor's proposal passed the checks, else "deterministic" with the reason in the note.

    The measurement runs in a worker thread (the embedder is CPU work); the advisor gets timeout_s for its one call."""
    if len(asked) >= max_follow_ups:
        return None, "off", f"{len(asked)} of {max_follow_ups} follow-ups asked"
    assessment = await asyncio.to_thread(assess, question, answer, embedder)
    seed = seed if seed is not None else answer_seed(answer)
    chosen = follow_up_for(question, assessment, asked, seed)
    if chosen is None:
        return None, "none", "no gap left to probe"
    if advisor is None:
        return chosen, "deterministic", ""
    request = advice_request(question, assessment, asked, chosen)
    try:
        proposal = await asyncio.wait_for(advisor.follow_up(request), timeout_s)
        return accepted(proposal, request, question, assessment, seed), "llm", proposal.why
    except TimeoutError:
        note = f"no advice within {timeout_s:g} s"
    except (FollowUpAdviceFailed, ProposalRejected) as e:
        note = str(e)
    except Exception as e:  # an advisor's failure of any kind must not cost the candidate their follow-up
        note = f"advisor error: {type(e).__name__}: {str(e)[:200]}"
    log.warning("follow-up for %s falls back to the deterministic choice: %s", question.id, note)
    return chosen, "deterministic", note


def advice_request(question: Question, assessment: Assessment, asked: Sequence[FollowUp], chosen: FollowUp | None) -> FollowUpRequest:
    return FollowUpRequest(
        question=question.text,
        kind=question.kind,
        key_points=[PointState(point=p.point, state=p.state) for p in assessment.points],
        answer=assessment.answer_text,
        asked=[f.text for f in asked],
        allowed_targets=[g.targets for g in open_gaps(assessment, asked)],
        deterministic=chosen,
    )


def accepted(
    proposal: FollowUpProposal, request: FollowUpRequest, question: Question, assessment: Assessment, seed: str
) -> FollowUp | None:
    """The proposal as a FollowUp when it keeps every rule; raises ProposalRejected saying which it breaks."""
    if proposal.question is None or not proposal.question.strip():
        return None
    if proposal.targets not in request.allowed_targets:
        raise ProposalRejected(f"rejected: targets {proposal.targets[:80]!r} is not one of the gaps offered")
    gap = next(g for g in assessment.gaps if g.targets == proposal.targets)
    if proposal.targets == RELEVANCE:
        return worded(gap, question, seed)  # the words are fixed: the question itself, again
    text = " ".join(proposal.question.split())
    _check_text(text, request)
    _check_not_covered(text, proposal.targets, request)
    reason = f"{gap.reason} ({proposal.why.strip()[:200]})" if proposal.why.strip() else gap.reason
    return FollowUp(text=text, targets=proposal.targets, reason=reason)


def _check_text(text: str, request: FollowUpRequest) -> None:
    if len(text.split()) > MAX_WORDS:
        raise ProposalRejected(f"rejected: {len(text.split())} words, more than {MAX_WORDS}")
    if not text.endswith("?") or text.count("?") != 1:
        raise ProposalRejected("rejected: not a single question")
    if any(_norm(text) == _norm(earlier) for earlier in request.asked):
        raise ProposalRejected("rejected: the same follow-up was already asked")
    said = f" {_norm(request.answer)} "
    for quoted in _QUOTED.findall(text):
        if f" {_norm(quoted)} " not in said:
            raise ProposalRejected(f"rejected: quotes words the candidate did not say: {quoted[:60]!r}")


def _check_not_covered(text: str, targets: str, request: FollowUpRequest) -> None:
    """A question made of a covered point's words asks for what was already said."""
    asked_stems = content_stems(text)
    for point in request.key_points:
        if point.state != "covered" or point.point == targeted_point(targets):
            continue
        stems = content_stems(point.point)
        shared = stems & asked_stems
        if len(shared) >= 2 and len(shared) >= _SAME_POINT_SHARE * len(stems):
            raise ProposalRejected(f'rejected: asks for a covered key point: "{point.point}"')


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("\u2019", "'")))
