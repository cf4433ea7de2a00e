"""Tailoring by the OpenAI evaluator against a local chat-completions server: the model's choice when it keeps the
rules, the deterministic choice on any failure."""

from __future__ import annotations

import json
import time

import pytest

from rehearse.adapters.azure.openai_evaluator import LLMOptions, OpenAIEvaluator
from rehearse.domain.tailoring import pick_questions
from tests.support.fake_openai import FakeOpenAI, hang, malformed, reply, server_error, stream
from tests.test_tailoring import FRONTEND, frontend_and_data_bank

FAST = LLMOptions(timeout_s=2.0, backoff_s=0.01, max_backoff_s=0.05, tailor_budget_s=3.0)
CHOICE = {
    "questions": [
        {"id": "fe-2", "text": "How would you make our React checkout form accessible to screen reader users?"},
        {"id": "fe-1", "text": "Our order history renders thousands of rows in React. How would you make it fast?"},
    ]
}


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def evaluator(fake):
    made = OpenAIEvaluator.for_openai_compatible(base_url=fake.base_url, api_key="k", model="gpt-test", options=FAST)
    yield made
    await made.aclose()


def deterministic(count: int = 2):
    return pick_questions(FRONTEND, frontend_and_data_bank(), count)


async def test_the_models_choice_and_wording_are_used_when_they_keep_the_rules(fake, evaluator):
    fake.then(reply(json.dumps(CHOICE)))
    bank = frontend_and_data_bank()
    chosen = await evaluator.tailor_questions(FRONTEND, bank, 2, {"fe-1": "Frontend engineer: UI"})
    assert [q.id for q in chosen] == ["fe-2", "fe-1"] and [q.index for q in chosen] == [0, 1]
    assert chosen[0].text == CHOICE["questions"][0]["text"]
    assert chosen[0].key_points == next(q for q in bank if q.id == "fe-2").key_points
    [request] = fake.requests
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema" and response_format["json_schema"]["name"] == "tailored_questions"
    schema = response_format["json_schema"]["schema"]
    assert response_format["json_schema"]["strict"] is True and schema["additionalProperties"] is False
    assert schema["properties"]["questions"]["items"]["properties"]["id"]["enum"] == [q.id for q in bank]
    system, user = request.body["messages"]
    assert "JSON only" in system["content"] and "Frontend Engineer (React)" in user["content"] and "fe-3" in user["content"]


async def test_a_streamed_choice_is_used_too(fake):
    evaluator = OpenAIEvaluator.for_openai_compatible(base_url=fake.base_url, api_key="k", model="gpt-test", options=FAST, stream=True)
    try:
        fake.then(stream(json.dumps(CHOICE), pieces=5))
        assert [q.id for q in await evaluator.tailor_questions(FRONTEND, frontend_and_data_bank(), 2)] == ["fe-2", "fe-1"]
    finally:
        await evaluator.aclose()


@pytest.mark.parametrize(
    "behaviour",
    [
        reply(json.dumps({"questions": [{"id": "fe-1", "text": "Only one?"}]})),  # wrong count
        reply(json.dumps({"questions": [{"id": "fe-1", "text": "a"}, {"id": "made-up", "text": "b"}]})),  # not a bank id
        reply(json.dumps({"questions": [{"id": "fe-1", "text": "a"}, {"id": "fe-1", "text": "b"}]})),  # twice
        reply(json.dumps({"picked": ["fe-1", "fe-2"]})),  # off schema
        malformed(),
    ],
)
async def test_a_choice_that_breaks_the_rules_falls_back_to_the_deterministic_choice(fake, evaluator, behaviour, caplog):
    fake.then(behaviour)
    assert await evaluator.tailor_questions(FRONTEND, frontend_and_data_bank(), 2) == deterministic()
    assert "tailoring falls back" in caplog.text and len(fake.requests) == 1


async def test_server_errors_are_retried_then_fall_back(fake, evaluator, caplog):
    fake.then(server_error(500), server_error(503), server_error(500))
    assert await evaluator.tailor_questions(FRONTEND, frontend_and_data_bank(), 2) == deterministic()
    assert len(fake.requests) == 3 and "llm_unavailable" in caplog.text


async def test_a_server_that_never_answers_costs_at_most_the_tailoring_budget(fake):
    options = LLMOptions(timeout_s=10.0, backoff_s=0.01, tailor_budget_s=0.5)
    evaluator = OpenAIEvaluator.for_openai_compatible(base_url=fake.base_url, api_key="k", model="gpt-test", options=options)
    try:
        fake.then(hang())
        started = time.monotonic()
        assert await evaluator.tailor_questions(FRONTEND, frontend_and_data_bank(), 2) == deterministic()
        assert time.monotonic() - started < 2.0
    finally:
        await evaluator.aclose()


async def test_nothing_to_choose_from_asks_nobody(fake, evaluator):
    assert await evaluator.tailor_questions(FRONTEND, [], 3) == []
    assert fake.requests == []
