"""The HTTP API as framework-neutral handlers: the Functions blueprint and the local server both call these."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rehearse.app import history
from rehearse.app.diagnostics import CONTAINER as DIAGNOSTICS_CONTAINER
from rehearse.app.diagnostics import MAX_BYTES as DIAGNOSTICS_MAX_BYTES
from rehearse.app.diagnostics import parse_upload, store_diagnostics
from rehearse.app.feedback_pipeline import SUMMARIES, feedback_documents
from rehearse.app.recordings import RangeNotSatisfiable, UnknownRecording, byte_range, checked_name, recording_view, segment_view
from rehearse.app.report_export import CONTENT_TYPE as HTML_CONTENT_TYPE
from rehearse.app.report_export import HEADERS as HTML_HEADERS
from rehearse.app.report_export import ReportNotReady, render_report_html
from rehearse.app.sessions import RECORDINGS, parse_create_request
from rehearse.app.world import World
from rehearse.domain.analysis_model import QuestionSummary, Report
from rehearse.domain.documents import report_id
from rehearse.domain.errors import (
    BodyTooLarge,
    InvalidJson,
    InvalidRequest,
    InvalidToken,
    RehearseError,
    UnknownSession,
    UnsupportedMediaType,
)
from rehearse.domain.model import Session
from rehearse.domain.quotas import QuotaExceeded
from rehearse.security.identity import CANDIDATE_HEADER, NotYourSession, acting_candidate_id, check_owner, signed_in_candidate
from rehearse.security.tokens import bearer_token, is_candidate_token, new_candidate_id

V = 1


@dataclass(frozen=True)
class ApiRequest:
    method: str
    headers: Mapping[str, str]  # keys lower-case
    body: bytes = b""
    route: Mapping[str, str] = field(default_factory=dict)
    base_url: str = ""  # scheme://host[:port] the client used, for absolute URLs
    query: Mapping[str, str] = field(default_factory=dict)
    client_address: str | None = None  # the caller's network address, where the edge knows it (quotas per address)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None  # a body that is not JSON (audio, a page), sent instead of `body`; its Content-Type in headers


# The one place an error's code becomes an HTTP status; any code not listed is the caller's mistake, 400.
HTTP_STATUS: dict[str, int] = {
    "invalid_token": 401,
    "sign_in_required": 401,
    "candidate_mismatch": 403,
    "not_your_session": 403,
    "report_not_ready": 404,
    "unknown_recording": 404,
    "unknown_role": 404,
    "unknown_session": 404,
    "conflict": 409,
    "session_busy": 409,
    "session_ended": 409,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "range_not_satisfiable": 416,
    "quota_exceeded": 429,
    "model_unavailable": 503,
    "pubsub_unavailable": 503,
    "relay_busy": 503,
}


def http_status(exc: RehearseError) -> int:
    return HTTP_STATUS.get(exc.code, 400)


def error_response(exc: RehearseError) -> ApiResponse:
    body = {"v": V, "error": {"code": exc.code, "message": exc.message}}
    if isinstance(exc, QuotaExceeded):
        body["error"]["retry_after_s"] = exc.retry_after_s
        return ApiResponse(http_status(exc), body, {"Retry-After": str(exc.retry_after_s)})
    return ApiResponse(http_status(exc), body)


def parse_json_body(request: ApiRequest, limit: int) -> Any:
    if len(request.body) > limit:
        raise BodyTooLarge(f"the body is {len(request.body)} bytes; the limit is {limit}")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    try:
        return json.loads(request.body)
    except UnicodeDecodeError:
        raise InvalidJson("the body is not valid JSON: send it as UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidJson(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python parses
        raise InvalidJson(f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # deeply nested arrays or objects exhaust the parser's stack
        raise InvalidJson("the body is not valid JSON: it is nested too deeply") from None


def session_view(session: Session) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "role": session.role,
        "status": session.status.value,
        "current_question": session.current_question,
        "created_at": session.created_at.isoformat(),
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "questions": [q.model_dump(mode="json", exclude={"probes"}) for q in session.questions],  # no follow-ups ahead
        "record_audio": session.record_audio,
        "max_follow_ups": session.max_follow_ups,
        "follow_ups": [f.model_dump(mode="json", exclude={"reason", "source"}) for f in session.follow_ups],
    }


def _expiry(expires: int) -> str:
    return datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z")


_SESSION_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")  # what sessions.create makes ('s_' + hex), and a little more


@dataclass(frozen=True)
class Route:
    """One operation of the API: the embedded server and the Functions blueprint both register exactly these."""

    method: str
    path: str  # below /api/, with {parameters}
    operation: str
    function: str  # the Azure Functions function name


ROUTES: tuple[Route, ...] = (
    Route("GET", "roles", "roles", "list_roles"),
    Route("POST", "sessions", "create_session", "create_session"),
    Route("GET", "sessions/{session_id}", "get_session", "get_session"),
    Route("DELETE", "sessions/{session_id}", "delete_session", "delete_session"),
    Route("GET", "sessions/{session_id}/report.html", "report_html", "get_report_html"),
    Route("GET", "history", "history", "list_history"),
    Route("GET", "sessions/{session_id}/negotiate", "negotiate", "negotiate"),
    Route("GET", "sessions/{session_id}/recordings/{name}", "recording", "get_recording"),
    Route("POST", "sessions/{session_id}/diagnostics", "upload_diagnostics", "upload_diagnostics"),
)


class HttpApi:
    def __init__(self, world: World, close_live: Callable[[str], Awaitable[None]] | None = None) -> None:
        """close_live ends a session's live relay connection, where the relay runs in this process (the embedded default)."""
        self._world = world
        self._close_live = close_live
        self._operations: dict[str, Callable[[ApiRequest], Awaitable[ApiResponse]]] = {
            "roles": self._roles,
            "create_session": self._create_session,
            "get_session": self._get_session,
            "delete_session": self._delete_session,
            "report_html": self._report_html,
            "history": self._history,
            "negotiate": self._negotiate,
            "recording": self._recording,
            "upload_diagnostics": self._upload_diagnostics,
        }
        assert set(self._operations) == {r.operation for r in ROUTES}, "every route has an operation, and no more"

    async def handle(self, name: str, request: ApiRequest) -> ApiResponse:
        """Run one operation; every RehearseError becomes its JSON error, once, here."""
        operation = self._operations.get(name)
        if operation is None:
            raise LookupError(f"no API operation {name!r}; the routes are rehearse.app.http_api.ROUTES")
        try:
            return await operation(request)
        except RehearseError as exc:
            return error_response(exc)

    def _authorize(self, request: ApiRequest, query_token: bool = False) -> str:
        """query_token: also take `?token=`, for URLs the browser fetches without our headers (<audio src>)."""
        session_id = request.route["session_id"]
        token = bearer_token(request.headers.get("authorization"))
        if token is None and query_token:
            token = request.query.get("token")
        self._world.tokens.verify(token, session_id)
        return session_id

    async def _roles(self, request: ApiRequest) -> ApiResponse:
        roles = [
            {"id": r.id, "title": r.title, "description": r.description, "question_count": len(r.questions)}
            for r in self._world.bank.roles()
        ]
        settings = self._world.settings
        kept = {"recording_retention_days": settings.recording_retention_days, "document_retention_days": settings.document_retention_days}
        # The page asks Easy Auth who is signed in (/.auth/me) only where sign-in is required: elsewhere there is none.
        sign_in = {"required": settings.require_sign_in}
        return ApiResponse(200, {"v": V, "roles": roles, "privacy": kept, "sign_in": sign_in})

    def _acting_candidate(self, request: ApiRequest, token: str | None) -> str | None:
        """The candidate the request acts for (see acting_candidate_id); a presented candidate token must be valid."""
        claimed = self._world.tokens.candidates.verify(token) if token else None
        return acting_candidate_id(request.headers, self._world.settings.require_sign_in, claimed)

    def _candidate_view(self, candidate_id: str) -> dict[str, str]:
        """A fresh candidate token each time: a candidate who keeps practising keeps their history."""
        token, expires = self._world.tokens.candidates.issue(candidate_id)
        return {"id": candidate_id, "token": token, "expires_at": _expiry(expires)}

    async def _create_session(self, request: ApiRequest) -> ApiResponse:
        presented = request.headers.get(CANDIDATE_HEADER, "").strip() or None
        candidate_id = self._acting_candidate(request, presented) or new_candidate_id()  # before the body
        body = parse_create_request(parse_json_body(request, self._world.settings.max_body_bytes))
        await self._world.quotas.admit_session(candidate_id, request.client_address)  # before anything costs money
        tailor = self._world.evaluator if body.job_description is not None else None
        session = await self._world.sessions.create(body, candidate_id=candidate_id, tailor=tailor, max_follow_ups=self._world.settings.max_follow_ups)
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
                "ice_servers": settings.ice_servers_for(f"page-{sid}"),
                "ice_transport_policy": settings.ice_transport_policy,
            },
            "pubsub": {"negotiate_url": f"/api/sessions/{sid}/negotiate"},
            "candidate": self._candidate_view(session.candidate_id),
        }
        return ApiResponse(201, payload)

    async def _history(self, request: ApiRequest) -> ApiResponse:
        """The candidate's interviews, newest first, each with a fresh session token to open it."""
        token = bearer_token(request.headers.get("authorization"))
        if token is None and not self._world.settings.require_sign_in:
            raise InvalidToken("missing candidate token: send 'Authorization: Bearer <candidate.token>' from POST /api/sessions")
        candidate_id = self._acting_candidate(request, token)
        assert candidate_id is not None  # a verified token or the signed-in principal
        limit = _limit(request.query.get("limit"))
        interviews = []
        for row in await history.past_interviews(self._world.store, candidate_id, limit):
            session_token, expires = self._world.tokens.issue(row.session_id, candidate_id)
            interviews.append({**row.model_dump(mode="json"), "token": session_token, "expires_at": _expiry(expires)})
        return ApiResponse(200, {"v": V, "candidate": self._candidate_view(candidate_id), "interviews": interviews})

    async def _delete_session(self, request: ApiRequest) -> ApiResponse:
        """Everything of the session goes: documents, blobs, the history entry; a live connection here is closed first."""
        session_id = request.route["session_id"]
        token = bearer_token(request.headers.get("authorization"))
        if is_candidate_token(token):
            candidate_id = self._acting_candidate(request, token)
            if not _SESSION_ID.fullmatch(session_id):
                raise UnknownSession(f"no session {session_id[:200]!r}")
            session = await self._find(session_id)
            if session is not None and session.candidate_id != candidate_id:
                raise NotYourSession("this session belongs to another candidate")
            if session is None and not await history.has_entry(self._world.store, candidate_id or "", session_id):
                raise UnknownSession(f"no session {session_id!r}")
            owner = candidate_id
        else:
            claims = self._world.tokens.verify(token, session_id)
            session = await self._find(session_id)
            owner = session.candidate_id if session is not None else claims.get("cid")
            if self._world.settings.require_sign_in:
                check_owner(signed_in_candidate(request.headers, True), str(owner))
        if session is not None and self._close_live is not None:
            await self._close_live(session_id)  # its last finals are persisted now, and deleted with the rest below
        deleted = await self._world.sessions.delete(session_id, self._world.blobs, candidate_id=owner)
        await self._world.quotas.forget(str(owner) if owner else None, session_id)
        return ApiResponse(200, {"v": V, **deleted.model_dump()})

    async def _find(self, session_id: str) -> Session | None:
        try:
            return await self._world.sessions.get(session_id)
        except UnknownSession:
            return None

    async def _report_html(self, request: ApiRequest) -> ApiResponse:
        """The report as a printable page; `?token=` too, so that a plain link or a print window can open it."""
        session_id = self._authorize(request, query_token=True)
        session = await self._world.sessions.get(session_id)
        if self._world.settings.require_sign_in:
            check_owner(signed_in_candidate(request.headers, True), session.candidate_id)
        store = self._world.store
        stored = await store.get(history.REPORTS, session_id, report_id(session_id))
        if stored is None:
            raise ReportNotReady("the report is not ready: it is written once the interview has ended and every answer is scored (report.ready)")
        summaries = [QuestionSummary.model_validate(d) for d in await store.list(SUMMARIES, session_id)]
        entry = await store.get(history.HISTORY, session.candidate_id, session_id)
        page = render_report_html(
            session,
            Report.model_validate(stored[0]),
            await self._world.sessions.transcript(session_id),
            summaries,
            job_title=entry[0].get("job_title") if entry else None,
        )
        return ApiResponse(200, {}, {"Content-Type": HTML_CONTENT_TYPE, **HTML_HEADERS}, page.encode())

    async def _get_session(self, request: ApiRequest) -> ApiResponse:
        session_id = self._authorize(request)
        session = await self._world.sessions.get(session_id)
        if self._world.settings.require_sign_in:  # the token proves the session; the principal proves the person
            check_owner(signed_in_candidate(request.headers, True), session.candidate_id)
        transcript = await self._world.sessions.transcript(session_id)
        recordings = await self._world.sessions.recordings(session_id)
        if recordings:  # the storage lifecycle rule deletes old audio; its documents stay, so list only what is there
            kept = set(await self._world.blobs.list(RECORDINGS, f"{session_id}/"))
            recordings = [r for r in recordings if r.blob_name in kept]
        body = {
            "v": V,
            **session_view(session),
            "transcript": [segment_view(s, recordings) for s in transcript],
            "recordings": [recording_view(r) for r in recordings],
            "feedback": await feedback_documents(self._world, session_id),
        }
        return ApiResponse(200, body)

    async def _recording(self, request: ApiRequest) -> ApiResponse:
        """One recorded answer as audio/wav; a single byte range gets 206, as <audio> asks when it seeks."""
        session_id = self._authorize(request, query_token=True)
        name = checked_name(request.route["name"])
        if self._world.settings.require_sign_in:
            check_owner(signed_in_candidate(request.headers, True), (await self._world.sessions.get(session_id)).candidate_id)
        data = await self._world.blobs.get(RECORDINGS, f"{session_id}/{name}")
        if data is None:
            raise UnknownRecording(f"session {session_id!r} has no recording {name!r}: GET the session for its recordings")
        headers = {"Content-Type": "audio/wav", "Accept-Ranges": "bytes", "Cache-Control": "private, no-store"}
        try:
            part = byte_range(request.headers.get("range"), len(data))
        except RangeNotSatisfiable as exc:
            return ApiResponse(416, error_response(exc).body, {"Content-Range": f"bytes */{len(data)}", "Accept-Ranges": "bytes"})
        if part is None:
            return ApiResponse(200, {}, headers, data)
        first, last = part
        return ApiResponse(206, {}, {**headers, "Content-Range": f"bytes {first}-{last}/{len(data)}"}, data[first : last + 1])

    async def _negotiate(self, request: ApiRequest) -> ApiResponse:
        session_id = self._authorize(request)
        session = await self._world.sessions.get(session_id)
        if self._world.settings.require_sign_in:  # the group carries the session's scores and report: the owner's only
            check_owner(signed_in_candidate(request.headers, True), session.candidate_id)
        access = await self._world.publisher.client_access(session_id, request.base_url)
        return ApiResponse(200, {"v": V, **access})

    async def _upload_diagnostics(self, request: ApiRequest) -> ApiResponse:
        session_id = self._authorize(request)  # before the body
        session = await self._world.sessions.get(session_id)
        if self._world.settings.require_sign_in:
            check_owner(signed_in_candidate(request.headers, True), session.candidate_id)
        upload = parse_upload(parse_json_body(request, min(DIAGNOSTICS_MAX_BYTES, self._world.settings.max_body_bytes)))
        name = await store_diagnostics(self._world, session_id, upload)
        return ApiResponse(202, {"v": V, "container": DIAGNOSTICS_CONTAINER, "name": name})


def _limit(value: str | None) -> int:
    if value is None:
        return 50
    if not value.isdigit() or not 1 <= int(value) <= history.MAX_LISTED:
        raise InvalidRequest(f"limit must be a whole number from 1 to {history.MAX_LISTED}")
    return int(value)
