"""A local server speaking the OpenAI chat-completions HTTP protocol (OpenAI and Azure paths), scripted per request."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

CREATED = 1_700_000_000


@dataclass(frozen=True)
class Behaviour:
    """How the server answers one request."""

    kind: Literal["reply", "stream", "status", "hang"]
    content: str = ""
    status: int = 200
    retry_after: str | None = None
    pieces: int = 4  # streamed content arrives in this many deltas


def reply(content: str) -> Behaviour:
    return Behaviour("reply", content)


def stream(content: str, pieces: int = 4) -> Behaviour:
    return Behaviour("stream", content, pieces=pieces)


def rate_limited(retry_after: float | None = 0.1) -> Behaviour:
    return Behaviour("status", status=429, retry_after=None if retry_after is None else str(retry_after))


def server_error(status: int = 500) -> Behaviour:
    return Behaviour("status", status=status)


def hang() -> Behaviour:
    """Accepts the request and never answers (until the server closes)."""
    return Behaviour("hang")


def malformed() -> Behaviour:
    return reply('{"strengths": ["You named the problem."], "improvements": [')


def off_schema() -> Behaviour:
    return reply(json.dumps({"praise": "Great answer!", "score": 9}))


@dataclass
class ReceivedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]
    deployment: str | None
    at: float  # the event loop's clock when it arrived

    @property
    def auth(self) -> str | None:
        """'api-key <key>' or 'bearer <token>': how the client said who it is."""
        if "api-key" in self.headers:
            return f"api-key {self.headers['api-key']}"
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return f"{scheme.lower()} {token}" if token else None


_ERRORS = {
    429: ("rate_limit_exceeded", "Requests have exceeded the call rate limit. Please retry after the time in Retry-After."),
    500: ("server_error", "The server had an error while processing your request."),
    502: ("server_error", "Bad gateway."),
    503: ("server_error", "The engine is currently overloaded, please try again later."),
}


def _error(status: int, message: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
    kind, default = _ERRORS.get(status, ("invalid_request_error", "The request was rejected."))
    body = {"error": {"message": message or default, "type": kind, "param": None, "code": str(status)}}
    return web.json_response(body, status=status, headers=headers)


def _pieces(text: str, count: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, count)))
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass
class FakeOpenAI:
    """Answers each request with the next scripted Behaviour and records what it received."""

    accept: frozenset[str] | None = None  # keys and tokens it accepts; None accepts any
    script: deque[Behaviour] = field(default_factory=deque)
    requests: list[ReceivedRequest] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def then(self, *behaviours: Behaviour) -> FakeOpenAI:
        self.script.extend(behaviours)
        return self

    @property
    def base_url(self) -> str:
        """For OpenAI-style clients: http://127.0.0.1:<port>/v1."""
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def endpoint(self) -> str:
        """For Azure-style clients: the resource endpoint, http://127.0.0.1:<port>."""
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing.set()  # lets hanging handlers finish
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeOpenAI:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- the protocol ---------------------------------------------------------------------------------------------
    async def _chat(self, request: web.Request) -> web.StreamResponse:
        deployment = request.match_info.get("deployment")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "The request body is not JSON.")
        received = ReceivedRequest(
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            deployment=deployment,
            at=asyncio.get_running_loop().time(),
        )
        self.requests.append(received)
        if deployment is not None and "api-version" not in request.query:
            return _error(404, "Resource not found: Azure paths need ?api-version=.")
        if self.accept is not None and (received.auth or "").split(" ", 1)[-1] not in self.accept:
            return _error(401, "Access denied due to invalid subscription key or wrong API endpoint.")
        if not self.script:
            return _error(500, "The fake has no scripted behaviour left for this request.")
        behaviour = self.script.popleft()
        model = body.get("model") or deployment or "fake-model"
        n = len(self.requests)
        if behaviour.kind == "status":
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after is not None else None
            return _error(behaviour.status, headers=headers)
        if behaviour.kind == "hang":
            await self._closing.wait()
            return _error(500, "The fake was closed while hanging.")
        if behaviour.kind == "stream" or body.get("stream"):
            return await self._stream(request, behaviour, model, n, azure=deployment is not None)
        return web.json_response(self._completion(behaviour.content, model, n))

    @staticmethod
    def _completion(content: str, model: str, n: int) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{n}",
            "object": "chat.completion",
            "created": CREATED,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": 100,
                "completion_tokens": len(content.split()),
                "total_tokens": 100 + len(content.split()),
            },
        }

    @staticmethod
    def _chunk(model: str, n: int, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{n}",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }

    async def _stream(self, request: web.Request, behaviour: Behaviour, model: str, n: int, *, azure: bool) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        chunks: list[dict[str, Any]] = []
        if azure:  # Azure opens a stream with content-filter results for the prompt and no choices
            chunks.append({"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": []})
        chunks.append(self._chunk(model, n, {"role": "assistant", "content": "", "refusal": None}))
        chunks += [self._chunk(model, n, {"content": piece}) for piece in _pieces(behaviour.content, behaviour.pieces)]
        chunks.append(self._chunk(model, n, {}, finish_reason="stop"))
        for chunk in chunks:
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
