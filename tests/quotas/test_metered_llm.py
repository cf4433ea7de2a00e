"""LLM calls per session: the evaluator and the follow-up advisor are counted through the same Store counter, and past
the limit the deterministic rules answer instead, saying why."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app import metered_llm
from rehearse.app.quotas import QuotaLimits, Quotas
from rehearse.domain.analysis_model import AnswerText, Evaluation
from rehearse.domain.follow_ups import FollowUpAdviceFailed, FollowUpProposal
from rehearse.security.pseudonyms import Pseudonyms
from tests.evaluation.factories import answer_score

LIMITS = QuotaLimits(10, 10, 2, 300, 3600, llm_calls_per_session=3)


class CountingLlm:
    def __init__(self) -> None:
        self.calls = 0

    async def evaluate(self, answer, score) -> Evaluation:
        self.calls += 1
        return Evaluation(source="llm", strengths=["clear"])

    async def follow_up(self, request) -> FollowUpProposal:
        self.calls += 1
        return FollowUpProposal(question="And the result?", targets="result", why="")


@pytest.fixture
def world(tmp_path):
    llm = CountingLlm()
    quotas = Quotas(SqliteStore(tmp_path / "s.sqlite3"), LIMITS, Pseudonyms("p" * 32))
    return SimpleNamespace(settings=SimpleNamespace(evaluator="openai"), evaluator=llm, quotas=quotas, llm=llm)


ANSWER = AnswerText(question_text="Tell me about a project.", text="I led the migration and we cut costs by a third.")


async def test_evaluator_and_advisor_share_the_sessions_llm_calls_and_fall_back_past_them(world):
    advisor = metered_llm.MeteredAdvisor(world.llm, world, "s1")
    score = answer_score(session_id="s1", question_id="q1")
    assert (await metered_llm.evaluate(world, "s1", ANSWER, score)).source == "llm"
    await advisor.follow_up(None)
    assert (await metered_llm.evaluate(world, "s1", ANSWER, score)).source == "llm"
    late = await metered_llm.evaluate(world, "s1", ANSWER, score)
    assert late.source == "deterministic" and "LLM calls are used up" in late.fallback_reason
    with pytest.raises(FollowUpAdviceFailed, match="used up"):
        await advisor.follow_up(None)
    assert world.llm.calls == 3
    assert (await metered_llm.evaluate(world, "s2", ANSWER, answer_score(session_id="s2", question_id="q1"))).source == "llm"


async def test_a_deterministic_evaluator_costs_nothing_and_is_not_counted(world):
    world.settings.evaluator = "deterministic"
    for _ in range(5):
        await metered_llm.evaluate(world, "s1", ANSWER, answer_score(session_id="s1", question_id="q1"))
    assert await world.quotas.take_llm_call("s1")  # the first counted call
