"""The HTTP API as framework-neutral handlers: the Functions blueprint and the local server both call these."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.feedback import feedback_documents
from rehearse.config import World
from rehearse.errors import BodyTooLarge, InvalidJson, RehearseError, UnsupportedMediaType
from rehearse.identity import check_owner, signed_in_candidate
from rehearse.model import Session
from rehearse.sessions import parse_create_request
from rehearse.tokens import bearer_token

V = 1


@dataclass(frozen=True)
class ApiRequest:
    method: str
    headers: Mapping[str, str]  # keys lower-case
    body: bytes = b""
    route: Mapping[str, str] = field(default_factory=dict)
    base_url: str = ""  # scheme://host[:port] the client used, for absolute URLs


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]


def error_response(exc: RehearseError) -> ApiResponse:
    return ApiResponse(exc.status, {"v": V, "error": {"code": exc.code, "message": exc.message}})


def parse_json_body(request: ApiRequest, limit: int) -> Any:
    if len(request.body) > limit:
        raise BodyTooLarge(f"the body is {len(request.body)} bytes; the limit is {limit}")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("the body is not valid JSON") from None


def session_view(session: Session) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "role": session.role,
        "status": session.status.value,
        "current_question": session.current_question,
        "created_at": session.created_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "questions": [q.model_dump(mode="json") for q in session.questions],
    }


class HttpApi:
    def __init__(self, world: World) -> None:
        self._world = world

    async def handle(self, name: str, request: ApiRequest) -> ApiResponse:
        """Run one operation; every RehearseError becomes its JSON error, once, here."""
        try:
            return await getattr(self, "_" + name)(request)
        except RehearseError as exc:
            return error_response(exc)

    def _authorize(self, request: ApiRequest) -> str:
        session_id = request.route["session_id"]
        self._world.tokens.verify(bearer_token(request.headers.get("authorization")), session_id)
        return session_id

    async def _roles(self, request: ApiRequest) -> ApiResponse:
        roles = [
            {"id": r.id, "title": r.title, "description": r.description, "question_count": len(r.questions)}
            for r in self._world.bank.roles()
        ]
        return ApiResponse(200, {"v": V, "roles": roles})

    async def _create_session(self, request: ApiRequest) -> ApiResponse:
        candidate = signed_in_candidate(request.headers, self._world.settings.require_sign_in)  # before the body
        body = parse_create_request(parse_json_body(request, self._world.settings.max_body_bytes))
        session = await self._world.sessions.create(body, candidate_id=candidate.id)
        token, expires = self._world.tokens.issue(session.session_id, session.candidate_id)
        sid = session.session_id
        settings = self._world.settings
        payload = {
            "v": V,
            **session_view(session),
            "token": token,
            "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
            "relay": {
                "offer_url": f"{(settings.relay_public_url or '').rstrip('/')}/api/sessions/{sid}/offer",
                "data_channel": "rehearse",
                "ice_servers": settings.ice_servers,
            },
            "pubsub": {"negotiate_url": f"/api/sessions/{sid}/negotiate"},
        }
        return ApiResponse(201, payload)

    async def _get_session(self, request: ApiRequest) -> ApiResponse:
        session_id = self._authorize(request)
        session = await self._world.sessions.get(session_id)
        if self._world.settings.require_sign_in:  # the token proves the session; the principal proves the person
            check_owner(signed_in_candidate(request.headers, True), session.candidate_id)
        transcript = await self._world.sessions.transcript(session_id)
        body = {
            "v": V,
            **session_view(session),
            "transcript": [s.model_dump(mode="json", exclude={"v", "session_id"}) for s in transcript],
            "feedback": await feedback_documents(self._world, session_id),
        }
        return ApiResponse(200, body)

    async def _negotiate(self, request: ApiRequest) -> ApiResponse:
        session_id = self._authorize(request)
        await self._world.sessions.get(session_id)
        access = await self._world.publisher.client_access(session_id, request.base_url)
        return ApiResponse(200, {"v": V, **access})
