"""The Evaluator port on Azure OpenAI or any OpenAI-compatible endpoint; falls back to the deterministic evaluator."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from openai import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncAzureOpenAI,
    AsyncOpenAI,
    RateLimitError,
)
from pydantic import ValidationError

from rehearse.domain.analysis_model import AnswerScore, AnswerText, Evaluation, Rewrite
from rehearse.domain.documents import evaluation_id
from rehearse.domain.model import Question
from rehearse.domain.parsing import problems, unfenced
from rehearse.domain.tailoring import TailoringRejected, accept_tailoring, tailoring_messages, tailoring_response_format
from rehearse.feedback.evaluation.deterministic import DeterministicEvaluator
from rehearse.feedback.evaluation.judgement import validated
from rehearse.feedback.evaluation.prompts import Feedback, feedback_messages, response_format
from rehearse.feedback.evaluation.wording import transcript_of
from rehearse.ports import Evaluator

log = logging.getLogger(__name__)

DEFAULT_AZURE_API_VERSION = "2024-10-21"  # the first GA version with json_schema structured outputs
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
MAX_POINTS = 3

TokenProvider = Callable[[], "str | Awaitable[str]"]


@dataclass(frozen=True)
class LLMOptions:
    """How the evaluator talks to the model: timeouts, retries, streaming."""

    timeout_s: float = 20.0  # per request (attempt), including reading a streamed answer
    max_attempts: int = 3
    backoff_s: float = 0.5  # first retry waits about this long, then twice as long each time
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0  # a longer Retry-After is cut to this
    stream: bool = False  # some deployments only answer streamed
    temperature: float | None = None  # None: the model's default (reasoning models reject any other)
    tailor_budget_s: float = 15.0  # choosing questions for a job description, all attempts: a candidate is waiting


def default_token_provider() -> TokenProvider:
    """Entra ID tokens from azure-identity's DefaultAzureCredential: managed identity in Azure, `az login` on a laptop."""
    try:
        from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider
    except ImportError as e:
        raise ValueError(
            "Azure OpenAI without an api_key signs in with Entra ID: install azure-identity, or pass api_key or token_provider."
        ) from e
    return get_bearer_token_provider(DefaultAzureCredential(), ENTRA_SCOPE)


class ModelFailed(Exception):
    """The model gave no usable feedback; the message is the Evaluation's fallback_reason."""


class _Transient(Exception):
    def __init__(self, what: str, wait_s: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.wait_s = wait_s  # what the server asked for (Retry-After), if it did


def retry_after_s(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms (Azure), or Retry-After as seconds or an HTTP date."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _status_failure(error: APIStatusError) -> _Transient | ModelFailed:
    status = error.status_code
    if isinstance(error, RateLimitError) or status == 429:
        return _Transient("429", retry_after_s(error.response.headers))
    if status >= 500:
        return _Transient(str(status), retry_after_s(error.response.headers))
    # 4xx other than 429 will not get better by asking again (bad key, wrong deployment, bad request).
    return ModelFailed(f"llm_unavailable: {status} {error.message[:200]}")




def parse_feedback(content: str) -> Feedback:
    """The model's JSON as Feedback; raises ModelFailed saying how it was malformed or off-schema."""
    content = unfenced(content)
    try:
        data = json.loads(content)
    except json.JSONDecodeError as e:
        raise ModelFailed(f"llm_malformed_json: {e.msg} at char {e.pos}") from None
    try:
        return Feedback.model_validate(data)
    except ValidationError as e:
        raise ModelFailed(f"llm_off_schema: {problems(e, whole='answer', limit=3)}") from None


class OpenAIEvaluator:
    """Asks a chat model for feedback on one answer, as strict JSON. Never raises for the model's failures."""

    def __init__(
        self,
        client: AsyncOpenAI,
        model: str,
        options: LLMOptions | None = None,
        fallback: Evaluator | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._options = options or LLMOptions()
        self._fallback = fallback or DeterministicEvaluator()
        self._jitter = random.Random()

    @classmethod
    def for_azure(
        cls,
        *,
        endpoint: str,
        deployment: str,
        api_version: str = DEFAULT_AZURE_API_VERSION,
        api_key: str | None = None,
        token_provider: TokenProvider | None = None,
        options: LLMOptions | None = None,
        **option_overrides: Any,
    ) -> OpenAIEvaluator:
        """Azure OpenAI with an api-key or an Entra ID token provider; with neither, the default Azure credential.

        option_overrides are LLMOptions fields (timeout_s=..., stream=...) applied over `options`."""
        if api_key is not None and token_provider is not None:
            raise ValueError("Pass api_key or token_provider for Azure OpenAI, not both.")
        if api_key is None and token_provider is None:
            token_provider = default_token_provider()
        options = replace(options or LLMOptions(), **option_overrides)
        client = AsyncAzureOpenAI(
            azure_endpoint=endpoint,
            azure_deployment=deployment,
            api_version=api_version,
            api_key=api_key,
            azure_ad_token_provider=token_provider,
            max_retries=0,  # retries are ours: they honour Retry-After and count towards the fallback reason
            timeout=options.timeout_s,
        )
        return cls(client, deployment, options)

    @classmethod
    def for_openai_compatible(
        cls, *, base_url: str | None, api_key: str | None, model: str, options: LLMOptions | None = None, **option_overrides: Any
    ) -> OpenAIEvaluator:
        """OpenAI (base_url None) or any OpenAI-compatible server (vLLM, Ollama, LiteLLM, ...) at a base_url like https://host/v1."""
        options = replace(options or LLMOptions(), **option_overrides)
        # Local servers (Ollama, vLLM) need no key, but the client insists on one; a real endpoint answers 401 to it.
        key = api_key or "no-key"
        client = AsyncOpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=options.timeout_s)
        return cls(client, model, options)

    @property
    def options(self) -> LLMOptions:
        return self._options

    async def aclose(self) -> None:
        await self._client.close()

    async def evaluate(self, answer: AnswerText, score: AnswerScore) -> Evaluation:
        if not transcript_of(answer):
            return await self._fall_back(answer, score, "no_answer_text")
        try:
            content, model = await self.complete(feedback_messages(answer, score))
            feedback = parse_feedback(content)
        except ModelFailed as e:
            return await self._fall_back(answer, score, str(e))
        except Exception as e:  # a failure of any kind (a token provider too) must not cost the candidate their feedback
            return await self._fall_back(answer, score, f"llm_error: {type(e).__name__}: {str(e)[:200]}")
        judgement = None
        if feedback.judgement is not None:
            raw = feedback.judgement
            judgement = validated([(p.point, p.covered, p.quote) for p in raw.key_points], raw.answers_question, raw.reason, answer)
            if judgement.discarded:
                log.warning("judgement of %s.%s: %s", score.session_id, score.question_id, "; ".join(judgement.discarded))
        return Evaluation(
            id=evaluation_id(score.session_id, score.question_id),
            session_id=score.session_id,
            question_id=score.question_id,
            strengths=feedback.strengths[:MAX_POINTS],
            improvements=feedback.improvements[:MAX_POINTS],
            rewrite=Rewrite(original=feedback.rewrite.original, improved=feedback.rewrite.improved),
            example_phrasing=feedback.example_phrasing,
            source="llm",
            model=model or self._model,
            judgement=judgement,
        )

    async def tailor_questions(
        self, job_description: str, candidates: list[Question], count: int, roles: Mapping[str, str] | None = None
    ) -> list[Question]:
        """The model chooses from the bank's ids and rewords; anything off (schema, ids, count, time) falls back."""
        if count <= 0 or not candidates:
            return []
        try:
            async with asyncio.timeout(self._options.tailor_budget_s):
                content, _ = await self.complete(
                    tailoring_messages(job_description, candidates, count, roles), tailoring_response_format(candidates)
                )
            return accept_tailoring(content, candidates, count)
        except (TailoringRejected, ModelFailed) as e:
            reason = str(e)
        except TimeoutError:
            reason = f"llm_unavailable: no usable answer within {self._options.tailor_budget_s:g} s"
        except Exception as e:  # a failure of any kind must not stop the candidate from starting their interview
            reason = f"llm_error: {type(e).__name__}: {str(e)[:200]}"
        log.warning("tailoring falls back to the deterministic choice: %s", reason)
        return await self._fallback.tailor_questions(job_description, candidates, count, roles)

    async def _fall_back(self, answer: AnswerText, score: AnswerScore, reason: str) -> Evaluation:
        log.warning("evaluation %s.%s falls back to the deterministic evaluator: %s", score.session_id, score.question_id, reason)
        evaluation = await self._fallback.evaluate(answer, score)
        return evaluation.model_copy(update={"fallback_reason": reason})

    # -- the request, with retries ---------------------------------------------------------------------------
    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None) -> tuple[str, str]:
        """The model's content and name. Retries 429, 5xx, timeouts and lost connections with backoff and jitter."""
        attempts = max(1, self._options.max_attempts)
        for attempt in range(1, attempts + 1):
            try:
                # The client's timeout covers each read; this one also covers a stream that trickles on for too long.
                async with asyncio.timeout(self._options.timeout_s):
                    return await self._attempt(messages, schema)
            except TimeoutError:
                failure = _Transient("timeout")
            except _Transient as e:
                failure = e
            if attempt < attempts:
                await asyncio.sleep(self._wait_s(attempt, failure.wait_s))
        raise ModelFailed(f"llm_unavailable: {failure.what} after {attempts} attempts")

    def _wait_s(self, attempt: int, asked_s: float | None) -> float:
        if asked_s is not None:
            # Honour the server, plus a little jitter so many waiting functions do not return at the same instant.
            return min(asked_s, self._options.max_retry_after_s) * (1 + 0.1 * self._jitter.random())
        delay = min(self._options.max_backoff_s, self._options.backoff_s * 2 ** (attempt - 1))
        return delay * (0.5 + 0.5 * self._jitter.random())

    async def _attempt(self, messages: list[dict[str, str]], schema: dict[str, Any] | None) -> tuple[str, str]:
        try:
            return await (self._streamed(messages, schema) if self._options.stream else self._whole(messages, schema))
        except (APITimeoutError, TimeoutError):
            raise _Transient("timeout") from None
        except APIStatusError as e:
            raise _status_failure(e) from None
        except APIConnectionError:
            raise _Transient("connection error") from None
        except APIError as e:  # an error event in the middle of a stream
            raise _Transient(f"stream error ({e.message[:100]})") from None

    def _request(self, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        """The request's options; `schema` is a response_format (the feedback's when None)."""
        request: dict[str, Any] = {"model": self._model, "response_format": schema or response_format(), "timeout": self._options.timeout_s}
        if self._options.temperature is not None:
            request["temperature"] = self._options.temperature
        return request

    async def _whole(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None) -> tuple[str, str]:
        completion = await self._client.chat.completions.create(messages=messages, **self._request(schema))
        if not completion.choices:
            raise ModelFailed("llm_off_schema: the answer had no choices")
        message = completion.choices[0].message
        if message.refusal:
            raise ModelFailed(f"llm_refused: {message.refusal[:200]}")
        return message.content or "", completion.model

    async def _streamed(self, messages: list[dict[str, str]], schema: dict[str, Any] | None = None) -> tuple[str, str]:
        pieces: list[str] = []
        model = ""
        stream = await self._client.chat.completions.create(messages=messages, stream=True, **self._request(schema))
        async with stream:
            async for chunk in stream:
                model = model or chunk.model
                # Azure opens with a chunk of content-filter results and no choices.
                for choice in chunk.choices:
                    if choice.index == 0 and choice.delta.content:
                        pieces.append(choice.delta.content)
        return "".join(pieces), model
