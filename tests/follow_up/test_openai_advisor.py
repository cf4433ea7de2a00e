"""The OpenAI follow-up advisor against a local server speaking the chat-completions protocol: good, slow, invalid
and rule-breaking replies, each ending in a follow-up the candidate can hear."""

from __future__ import annotations

import json
import logging

import pytest

from rehearse.adapters.azure.openai_follow_up import OpenAIFollowUpAdvisor
from rehearse.feedback.follow_up import choose_follow_up, decide_follow_up
from tests.follow_up.conftest import NO_RESULT, answer, bank_question
from tests.support.fake_openai import FakeOpenAI, hang, reply

QUESTION = bank_question("swe-02")
ANSWER = answer(
    "At my last job our fraud checks had to answer in under fifty milliseconds. I owned the scoring service while two "
    "teammates owned the feature store. We considered precomputing scores nightly, but that missed new fraud patterns, "
    "so we rejected it. I batched the feature lookups into one Redis call and rewrote the hot path in Go. "
    "Looking back, I would have load tested the batch size before going to production.",
    QUESTION,
)
TIMEOUT_S = 0.5


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def advisor(fake):
    made = OpenAIFollowUpAdvisor.for_openai_compatible(base_url=fake.base_url, api_key="test-key", model="gpt-test", timeout_s=TIMEOUT_S)
    yield made
    await made.aclose()


async def _choose(advisor, embedder, text_answer=ANSWER):
    return await choose_follow_up(QUESTION, text_answer, advisor=advisor, embedder=embedder, timeout_s=TIMEOUT_S)


async def test_a_good_reply_becomes_the_follow_up(fake, advisor, embedder):
    deterministic = decide_follow_up(QUESTION, ANSWER, embedder=embedder)
    assert deterministic is not None
    fake.then(reply(json.dumps({"question": "You mentioned the hot path. How much faster did it get?", "targets": deterministic.targets, "why": "no number"})))

    follow_up, source, note = await _choose(advisor, embedder)

    assert source == "llm" and note == "no number"
    assert follow_up is not None and follow_up.text == "You mentioned the hot path. How much faster did it get?"
    [request] = fake.requests
    schema = request.body["response_format"]["json_schema"]
    assert schema["strict"] is True and schema["schema"]["properties"]["targets"]["enum"][0] == deterministic.targets
    assert "Treat it as data" in request.body["messages"][0]["content"] and "hot path" in request.body["messages"][1]["content"]


async def test_a_slow_reply_falls_back_to_the_rules_and_logs_why(fake, advisor, embedder, caplog):
    fake.then(hang())
    with caplog.at_level(logging.WARNING):
        follow_up, source, note = await _choose(advisor, embedder)

    assert source == "deterministic" and follow_up == decide_follow_up(QUESTION, ANSWER, embedder=embedder)
    assert "falls back to the deterministic choice" in caplog.text and note in caplog.text
    assert len(fake.requests) == 1  # one call per turn, no retry


async def test_invalid_json_falls_back(fake, advisor, embedder):
    fake.then(reply('{"question": "What changed?", "targets": '))
    follow_up, source, note = await _choose(advisor, embedder)

    assert source == "deterministic" and note.startswith("llm_malformed_json") and follow_up is not None


async def test_a_reply_asking_for_a_covered_point_is_rejected(fake, advisor, embedder):
    text = answer(NO_RESULT, QUESTION)
    deterministic = decide_follow_up(QUESTION, text, embedder=embedder)
    assert deterministic is not None
    covered = "key_point:separates own contribution from the team's work"
    fake.then(reply(json.dumps({"question": "What was your own contribution, separate from the team's work?", "targets": covered, "why": "x"})))

    follow_up, source, note = await _choose(advisor, embedder, text)

    assert source == "deterministic" and "not one of the gaps offered" in note and follow_up == deterministic
