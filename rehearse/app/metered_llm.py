"""LLM calls counted against the session's quota (REHEARSE_QUOTA_LLM_CALLS_PER_SESSION) at the ports: past it, the
evaluator's feedback and the follow-up's wording come from the deterministic rules, and the reason is kept."""

from __future__ import annotations

from rehearse.app.world import World
from rehearse.domain.analysis_model import AnswerScore, AnswerText, Evaluation
from rehearse.domain.follow_ups import FollowUpAdviceFailed, FollowUpProposal, FollowUpRequest
from rehearse.feedback.evaluation.deterministic import DeterministicEvaluator
from rehearse.ports import FollowUpAdvisor

USED_UP = "the session's LLM calls are used up (REHEARSE_QUOTA_LLM_CALLS_PER_SESSION)"


async def evaluate(world: World, session_id: str, answer: AnswerText, score: AnswerScore) -> Evaluation:
    """The evaluator's feedback, counted when it is an LLM; the rubric's past the session's limit."""
    if world.settings.evaluator == "openai" and not await world.quotas.take_llm_call(session_id):
        evaluation = await DeterministicEvaluator().evaluate(answer, score)
        return evaluation.model_copy(update={"fallback_reason": USED_UP})
    return await world.evaluator.evaluate(answer, score)


class MeteredAdvisor:
    """A FollowUpAdvisor that counts each call of one session before making it."""

    def __init__(self, advisor: FollowUpAdvisor, world: World, session_id: str) -> None:
        self._advisor = advisor
        self._world = world
        self._session_id = session_id

    async def follow_up(self, request: FollowUpRequest) -> FollowUpProposal:
        if not await self._world.quotas.take_llm_call(self._session_id):
            raise FollowUpAdviceFailed(USED_UP + ": the rules choose")
        return await self._advisor.follow_up(request)
