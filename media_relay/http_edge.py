"""aiohttp edge shared by the relay and the embedded default: JSON errors, bounded bodies, framework-neutral requests."""

from __future__ import annotations

import logging

from aiohttp import web

from functions.http_api import ApiRequest, ApiResponse, error_response
from rehearse.errors import BodyTooLarge, RehearseError

log = logging.getLogger("rehearse")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}


def json_response(response: ApiResponse) -> web.Response:
    return web.json_response(response.body, status=response.status, headers={"Cache-Control": "no-store"})


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every API error is JSON; nothing a client sends can take the process down."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        return web.json_response({"v": 1, "error": {"code": code, "message": exc.reason}}, status=exc.status)
    except RehearseError as exc:
        return json_response(error_response(exc))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"v": 1, "error": {"code": "internal", "message": "internal error; see the server log"}}, status=500)


async def api_request(request: web.Request, limit: int) -> ApiRequest:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(f"the body is {request.content_length} bytes; the limit is {limit}")
    body = b""
    if request.can_read_body:
        body = await request.content.read(limit + 1)
        if len(body) > limit:
            raise BodyTooLarge(f"the body is larger than the limit of {limit} bytes")
    return ApiRequest(
        method=request.method,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        route=dict(request.match_info),
        base_url=f"{request.scheme}://{request.host}",
    )
