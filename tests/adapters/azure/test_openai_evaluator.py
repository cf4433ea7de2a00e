"""The OpenAI evaluator against a local server speaking the chat-completions protocol: success, retries, fallbacks, auth."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from rehearse.adapters.azure.openai_evaluator import LLMOptions, OpenAIEvaluator, retry_after_s
from tests.evaluation.factories import WEAK_ANSWER, answer, answer_score
from tests.support.fake_openai import FakeOpenAI, hang, malformed, off_schema, rate_limited, reply, server_error, stream

FEEDBACK = {
    "strengths": ["You named the problem plainly: 'our releases took two weeks'."],
    "improvements": ["Add the result: say how long releases took after your change."],
    "rewrite": {
        "original": "Um, so I think my task was, like, to kind of make it faster, you know, for everyone.",
        "improved": "My task was to make releases faster for everyone [the result].",
    },
    "example_phrasing": "Result: 'Releases went from two weeks to three days.'",
}
GOOD = json.dumps(FEEDBACK)
FAST = LLMOptions(timeout_s=2.0, backoff_s=0.01, max_backoff_s=0.05)


@pytest.fixture
async def fake():
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def evaluators():
    """Builds evaluators and closes their HTTP clients after the test."""
    made: list[OpenAIEvaluator] = []
    yield made
    for evaluator in made:
        await evaluator.aclose()


def compatible(fake: FakeOpenAI, made: list[OpenAIEvaluator], options: LLMOptions = FAST) -> OpenAIEvaluator:
    evaluator = OpenAIEvaluator.for_openai_compatible(
        base_url=fake.base_url, api_key="test-key", model="gpt-test", options=options
    )
    made.append(evaluator)
    return evaluator


def azure(fake: FakeOpenAI, made: list[OpenAIEvaluator], options: LLMOptions = FAST, **credential) -> OpenAIEvaluator:
    evaluator = OpenAIEvaluator.for_azure(
        endpoint=fake.endpoint, deployment="rehearse-gpt", api_version="2024-10-21", options=options, **credential
    )
    made.append(evaluator)
    return evaluator


async def test_model_feedback_becomes_an_llm_evaluation(fake, evaluators):
    fake.then(reply(GOOD))
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    assert evaluation.source == "llm" and evaluation.model == "gpt-test" and evaluation.fallback_reason is None
    assert evaluation.strengths == FEEDBACK["strengths"]
    assert evaluation.rewrite is not None and evaluation.rewrite.improved.startswith("My task was")
    assert (evaluation.id, evaluation.session_id, evaluation.question_id) == ("s1.q1.evaluation", "s1", "q1")
    [request] = fake.requests
    assert request.path == "/v1/chat/completions" and request.body["model"] == "gpt-test"
    assert request.auth == "bearer test-key"
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "evaluation" and response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["required"] == ["strengths", "improvements", "rewrite", "example_phrasing", "judgement"]
    assert schema["additionalProperties"] is False and schema["properties"]["rewrite"]["additionalProperties"] is False
    system, user = request.body["messages"]
    assert system["role"] == "system" and "JSON only" in system["content"]
    assert "Tell me about a time" in user["content"] and WEAK_ANSWER in user["content"]
    assert '"fillers_per_min"' not in user["content"] and '"per_minute": 9.0' in user["content"]


async def test_streamed_feedback_is_accumulated_then_validated(fake, evaluators):
    fake.then(stream(GOOD, pieces=7))
    options = LLMOptions(timeout_s=2.0, backoff_s=0.01, stream=True)
    evaluation = await compatible(fake, evaluators, options).evaluate(answer(), answer_score())

    assert evaluation.source == "llm" and evaluation.improvements == FEEDBACK["improvements"]
    assert fake.requests[0].body["stream"] is True


async def test_rate_limit_is_retried_after_the_servers_retry_after(fake, evaluators):
    fake.then(rate_limited(retry_after=0.1), reply(GOOD))
    slow_backoff = LLMOptions(timeout_s=2.0, backoff_s=5.0)  # only Retry-After can make the retry come this soon
    evaluation = await compatible(fake, evaluators, slow_backoff).evaluate(answer(), answer_score())

    assert evaluation.source == "llm"
    first, second = fake.requests
    assert 0.1 <= second.at - first.at < 1.0


@pytest.mark.parametrize(("failure", "reason"), [(server_error(500), "500"), (rate_limited(0.01), "429")])
async def test_repeated_failures_fall_back_with_the_reason(fake, evaluators, failure, reason):
    fake.then(failure, failure, failure)
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    assert evaluation.source == "deterministic" and evaluation.model == ""
    assert evaluation.fallback_reason == f"llm_unavailable: {reason} after 3 attempts"
    assert evaluation.strengths and evaluation.improvements  # the candidate still gets feedback
    assert len(fake.requests) == 3


async def test_a_hanging_model_times_out_and_falls_back(fake, evaluators):
    fake.then(hang(), hang(), hang())
    started = time.monotonic()
    evaluation = await compatible(fake, evaluators, LLMOptions(timeout_s=0.3, backoff_s=0.01)).evaluate(answer(), answer_score())

    assert evaluation.fallback_reason == "llm_unavailable: timeout after 3 attempts"
    assert evaluation.source == "deterministic" and len(fake.requests) == 3
    assert time.monotonic() - started < 2.0


async def test_malformed_json_falls_back_without_retrying(fake, evaluators):
    fake.then(malformed())
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    assert evaluation.source == "deterministic"
    assert evaluation.fallback_reason is not None and evaluation.fallback_reason.startswith("llm_malformed_json: ")
    assert len(fake.requests) == 1


async def test_off_schema_json_falls_back_saying_what_was_wrong(fake, evaluators):
    fake.then(off_schema())
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    assert evaluation.source == "deterministic"
    assert evaluation.fallback_reason is not None and evaluation.fallback_reason.startswith("llm_off_schema: ")
    assert "strengths" in evaluation.fallback_reason


async def test_fenced_json_from_a_lenient_endpoint_is_accepted(fake, evaluators):
    fake.then(reply(f"```json\n{GOOD}\n```"))
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    assert evaluation.source == "llm"


async def test_an_unreachable_endpoint_falls_back(evaluators):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    evaluator = OpenAIEvaluator.for_openai_compatible(
        base_url=f"http://127.0.0.1:{port}/v1", api_key="k", model="gpt-test", options=FAST
    )
    evaluators.append(evaluator)
    evaluation = await evaluator.evaluate(answer(), answer_score())

    assert evaluation.fallback_reason == "llm_unavailable: connection error after 3 attempts"


async def test_a_rejected_key_is_not_retried(evaluators):
    async with FakeOpenAI(accept=frozenset({"right-key"})) as fake:
        evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    assert evaluation.fallback_reason is not None and evaluation.fallback_reason.startswith("llm_unavailable: 401")
    assert len(fake.requests) == 1


async def test_an_empty_answer_does_not_call_the_model(fake, evaluators):
    evaluation = await compatible(fake, evaluators).evaluate(answer(""), answer_score())

    assert evaluation.fallback_reason == "no_answer_text" and fake.requests == []


async def test_azure_deployment_path_with_api_key_header(evaluators):
    async with FakeOpenAI(accept=frozenset({"azure-key"})) as fake:
        fake.then(reply(GOOD))
        evaluation = await azure(fake, evaluators, api_key="azure-key").evaluate(answer(), answer_score())

    assert evaluation.source == "llm" and evaluation.model == "rehearse-gpt"
    [request] = fake.requests
    assert request.path == "/openai/deployments/rehearse-gpt/chat/completions"
    assert request.deployment == "rehearse-gpt" and request.query["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "azure-key" and "authorization" not in request.headers
    assert request.body["response_format"]["json_schema"]["strict"] is True


async def test_entra_token_provider_sends_a_bearer_token(evaluators):
    calls = []

    async def token_provider() -> str:
        calls.append(1)
        return "entra-token"

    async with FakeOpenAI(accept=frozenset({"entra-token"})) as fake:
        fake.then(reply(GOOD))
        evaluation = await azure(fake, evaluators, token_provider=token_provider).evaluate(answer(), answer_score())

    assert evaluation.source == "llm" and calls
    [request] = fake.requests
    assert request.headers["authorization"] == "Bearer entra-token" and "api-key" not in request.headers


async def test_azure_stream_skips_the_content_filter_chunk(evaluators):
    async with FakeOpenAI() as fake:
        fake.then(stream(GOOD, pieces=5))
        options = LLMOptions(timeout_s=2.0, stream=True)
        evaluation = await azure(fake, evaluators, options, api_key="azure-key").evaluate(answer(), answer_score())

    assert evaluation.source == "llm" and evaluation.model == "rehearse-gpt"


def test_azure_takes_one_credential_not_two():
    with pytest.raises(ValueError, match="not both"):
        OpenAIEvaluator.for_azure(endpoint="https://x.openai.azure.com", deployment="d", api_key="k", token_provider=lambda: "t")


async def test_azure_without_a_key_signs_in_with_the_default_credential(evaluators):
    # managed identity in Azure: no key anywhere; the credential is only asked for a token on the first request
    evaluator = OpenAIEvaluator.for_azure(endpoint="https://x.openai.azure.com", deployment="d")
    evaluators.append(evaluator)
    client = evaluator._client
    assert client._azure_ad_token_provider is not None  # Entra ID tokens, not an api-key


async def test_options_can_be_given_one_by_one(evaluators):
    evaluator = OpenAIEvaluator.for_openai_compatible(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", timeout_s=3.5)
    evaluators.append(evaluator)
    assert evaluator.options.timeout_s == 3.5 and evaluator.options.max_attempts == 3


def test_retry_after_reads_milliseconds_seconds_and_dates():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert retry_after_s({"retry-after": "0.1"}) == 0.1
    assert retry_after_s({"retry-after": format_datetime(now + timedelta(seconds=3), usegmt=True)}, now=now) == 3.0
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({}) is None


def judged(points: list[dict], answers_question: str = "yes") -> str:
    return json.dumps(FEEDBACK | {"judgement": {"answers_question": answers_question, "reason": "scripted", "key_points": points}})


async def test_the_models_judgement_is_kept_with_the_quotes_the_candidate_really_said(fake, evaluators):
    fake.then(
        reply(
            judged(
                [
                    {"point": "the problem you found", "covered": True, "quote": "our releases took two weeks"},
                    {"point": "what you changed", "covered": True, "quote": "I single-handedly rebuilt the release train"},
                    {"point": "a point nobody asked about", "covered": False, "quote": ""},
                ]
            )
        )
    )
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())

    judgement = evaluation.judgement
    assert judgement is not None and judgement.answers_question == "yes"
    assert [(p.point, p.covered, p.quote) for p in judgement.key_points] == [
        ("the problem you found", True, "our releases took two weeks")
    ]
    assert any("quote not in the transcript" in note and "what you changed" in note for note in judgement.discarded)
    assert any("not a key point" in note for note in judgement.discarded)
    schema = fake.requests[0].body["response_format"]["json_schema"]["schema"]
    assert "judgement" in schema["properties"]


async def test_an_endpoint_without_judgement_still_gives_feedback(fake, evaluators):
    fake.then(reply(json.dumps(FEEDBACK | {"judgement": None})))
    evaluation = await compatible(fake, evaluators).evaluate(answer(), answer_score())
    assert evaluation.source == "llm" and evaluation.judgement is None
