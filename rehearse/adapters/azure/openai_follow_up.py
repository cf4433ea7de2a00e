"""The FollowUpAdvisor port on Azure OpenAI or any OpenAI-compatible endpoint: one request, strict JSON, no retries
(the interviewer is waiting; the core falls back to its own choice)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from rehearse.adapters.azure.openai_evaluator import LLMOptions, ModelFailed, OpenAIEvaluator
from rehearse.domain.follow_ups import FollowUpAdviceFailed, FollowUpProposal, FollowUpRequest
from rehearse.domain.parsing import problems, unfenced
from rehearse.feedback.follow_up.prompt import ModelFollowUp, follow_up_messages, follow_up_response_format

DEFAULT_TIMEOUT_S = 1.5


def follow_up_options(timeout_s: float = DEFAULT_TIMEOUT_S, options: LLMOptions | None = None) -> LLMOptions:
    """One attempt within the turn's budget: a retry could never answer in time."""
    return replace(options or LLMOptions(), timeout_s=timeout_s, max_attempts=1)


def parse_follow_up(content: str, model: str = "") -> FollowUpProposal:
    """The model's JSON as a proposal; raises FollowUpAdviceFailed saying how it was malformed or off-schema."""
    try:
        data = json.loads(unfenced(content))
    except json.JSONDecodeError as e:
        raise FollowUpAdviceFailed(f"llm_malformed_json: {e.msg} at char {e.pos}") from None
    try:
        reply = ModelFollowUp.model_validate(data)
    except ValidationError as e:
        raise FollowUpAdviceFailed(f"llm_off_schema: {problems(e, whole='answer', limit=3)}") from None
    return FollowUpProposal(question=reply.question, targets=reply.targets, why=reply.why, model=model)


class OpenAIFollowUpAdvisor:
    """Asks a chat model to choose and word one follow-up. Talks to the model through the evaluator's client, so
    authentication, streaming and the mapping of HTTP failures are the same code."""

    def __init__(self, llm: OpenAIEvaluator) -> None:
        self._llm = llm

    @classmethod
    def for_azure(cls, *, timeout_s: float = DEFAULT_TIMEOUT_S, options: LLMOptions | None = None, **azure: Any) -> OpenAIFollowUpAdvisor:
        """Azure OpenAI: the arguments of OpenAIEvaluator.for_azure (endpoint, deployment, api_key or token_provider)."""
        return cls(OpenAIEvaluator.for_azure(options=follow_up_options(timeout_s, options), **azure))

    @classmethod
    def for_openai_compatible(
        cls, *, base_url: str | None, api_key: str | None, model: str, timeout_s: float = DEFAULT_TIMEOUT_S, options: LLMOptions | None = None
    ) -> OpenAIFollowUpAdvisor:
        return cls(
            OpenAIEvaluator.for_openai_compatible(
                base_url=base_url, api_key=api_key, model=model, options=follow_up_options(timeout_s, options)
            )
        )

    async def aclose(self) -> None:
        await self._llm.aclose()

    async def follow_up(self, request: FollowUpRequest) -> FollowUpProposal:
        try:
            # The evaluator's request loop: one attempt (follow_up_options), its failures as ModelFailed reasons.
            content, model = await self._llm.complete(follow_up_messages(request), follow_up_response_format(request))
        except ModelFailed as e:
            raise FollowUpAdviceFailed(str(e)) from None
        return parse_follow_up(content, model)
