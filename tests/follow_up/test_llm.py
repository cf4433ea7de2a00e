"""choose_follow_up with an advisor: its proposal checked, one call, within the time budget, else the rules' choice."""

from __future__ import annotations

import asyncio
import logging

from rehearse.domain.follow_ups import FollowUp, FollowUpAdviceFailed, FollowUpProposal, FollowUpRequest
from rehearse.feedback.follow_up import choose_follow_up, decide_follow_up
from tests.follow_up.conftest import COMPLETE_STORY, NO_RESULT, PROJECT, answer, without_points

STORY = without_points(PROJECT)


class ScriptedAdvisor:
    """Answers with a proposal, or raises, or sleeps; records the requests it got."""

    def __init__(self, proposal: FollowUpProposal | None = None, *, delay_s: float = 0.0, error: Exception | None = None):
        self.proposal, self.delay_s, self.error = proposal, delay_s, error
        self.requests: list[FollowUpRequest] = []

    async def follow_up(self, request: FollowUpRequest) -> FollowUpProposal:
        self.requests.append(request)
        await asyncio.sleep(self.delay_s)
        if self.error is not None:
            raise self.error
        assert self.proposal is not None
        return self.proposal


async def choose(advisor, text=NO_RESULT, **kwargs):
    return await choose_follow_up(STORY, answer(text, STORY), advisor=advisor, timeout_s=0.3, **kwargs)


async def test_a_valid_proposal_is_used_and_the_advisor_is_called_once():
    advisor = ScriptedAdvisor(FollowUpProposal(question="You mentioned the migration scripts. What did they change?", targets="result", why="no result"))
    follow_up, source, _ = await choose(advisor)

    assert source == "llm" and follow_up is not None
    assert follow_up.text == "You mentioned the migration scripts. What did they change?" and follow_up.targets == "result"
    [request] = advisor.requests
    assert request.allowed_targets[0] == "result" and request.deterministic is not None
    assert request.answer.startswith("At my last job")


async def test_a_slow_advisor_falls_back_to_the_rules_and_says_why(caplog):
    advisor = ScriptedAdvisor(FollowUpProposal(question="What changed?", targets="result", why=""), delay_s=2.0)
    with caplog.at_level(logging.WARNING):
        follow_up, source, note = await choose(advisor)

    assert source == "deterministic" and follow_up == decide_follow_up(STORY, answer(NO_RESULT, STORY))
    assert note == "no advice within 0.3 s" and "no advice within 0.3 s" in caplog.text


async def test_an_advisors_failure_falls_back_with_its_reason(caplog):
    with caplog.at_level(logging.WARNING):
        _, source, note = await choose(ScriptedAdvisor(error=FollowUpAdviceFailed("llm_malformed_json: Expecting value at char 0")))
    assert source == "deterministic" and note.startswith("llm_malformed_json") and "llm_malformed_json" in caplog.text


async def test_proposals_that_break_a_rule_are_rejected():
    broken = [
        (FollowUpProposal(question="What was hard?", targets="key_point:explains the specific constraint", why=""), "not one of the gaps"),
        (FollowUpProposal(question="What changed? And what did you learn?", targets="result", why=""), "not a single question"),
        (FollowUpProposal(question="What changed after " + "the release " * 20 + "?", targets="result", why=""), "words"),
        (FollowUpProposal(question="You said 'it doubled revenue'. By how much?", targets="result", why=""), "did not say"),
    ]
    for proposal, reason in broken:
        follow_up, source, note = await choose(ScriptedAdvisor(proposal))
        assert source == "deterministic" and reason in note, (proposal.question, note)
        assert follow_up is not None and follow_up.targets == "result"


async def test_the_advisor_may_decide_on_no_follow_up():
    follow_up, source, _ = await choose(ScriptedAdvisor(FollowUpProposal(question=None, targets="result", why="fine")))
    assert follow_up is None and source == "llm"


async def test_no_advisor_call_when_nothing_is_left_to_ask():
    advisor = ScriptedAdvisor(FollowUpProposal(question="Anything else?", targets="depth", why=""))

    assert await choose(advisor, COMPLETE_STORY) == (None, "none", "no gap left to probe")
    asked = [FollowUp("What was the result?", "result", "no result")]
    follow_up, source, _ = await choose(advisor, asked=asked, max_follow_ups=1)
    assert follow_up is None and source == "off"
    follow_up, source, _ = await choose(advisor, max_follow_ups=0)
    assert follow_up is None and source == "off" and advisor.requests == []


def test_a_proposal_made_of_a_covered_points_words_is_rejected():
    import pytest

    from rehearse.domain.analysis_model import KeyPointCoverage
    from rehearse.feedback.follow_up.gaps import Assessment, Gap
    from rehearse.feedback.follow_up.llm import ProposalRejected, accepted, advice_request

    covered = KeyPointCoverage(point="compares alternatives considered and why rejected", similarity=0.8, covered=True, probability=0.9, state="covered")
    missing = KeyPointCoverage(point="reflects on what they would do differently", similarity=0.1, covered=False, probability=0.05, state="missed")
    assessment = Assessment((Gap("key_point:" + missing.point, "missing"),), (covered, missing), "I compared two options.")
    request = advice_request(PROJECT, assessment, (), None)
    proposal = FollowUpProposal(question="Which alternatives were considered, and why were they rejected?", targets="key_point:" + missing.point, why="")

    with pytest.raises(ProposalRejected, match="covered key point"):
        accepted(proposal, request, PROJECT, assessment, seed="")
