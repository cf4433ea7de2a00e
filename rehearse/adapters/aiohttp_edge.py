"""aiohttp edge shared by the relay and the embedded default: JSON errors, bounded bodies, framework-neutral requests,
security headers on every reply."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from rehearse.app.http_api import ApiRequest, ApiResponse, error_response
from rehearse.domain.errors import BodyTooLarge, RehearseError
from rehearse.security.headers import API_HEADERS, NOSNIFF, connect_sources, page_headers, with_defaults
from rehearse.settings import Settings

log = logging.getLogger("rehearse")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
_JSON_PATHS = ("/api/", "/healthz", "/pubsub/")  # machine-facing paths: their errors are JSON, never HTML or text
_PAGE_ROUTE = "/{name}"  # the embedded default's GET catch-all for the page's files: it answers no API route


def json_response(response: ApiResponse) -> web.Response:
    if response.content is not None:  # not JSON (a recording, a page): the bytes and the handler's headers, as they are
        return web.Response(body=response.content, status=response.status, headers=response.headers)
    return web.json_response(response.body, status=response.status, headers=response.headers)  # no-store: send_security_headers


def send_security_headers(app: web.Application, page: Mapping[str, str] | None = None) -> None:
    """Every reply of the app carries the security headers (rehearse/security/headers.py), whatever made it: a handler,
    an error, a static file, a WebSocket handshake. page: the headers of the page's files (the embedded default
    serves web/ on every path outside the API); without it, every reply is the API's."""

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        defaults = page if page is not None and not request.path.startswith(_JSON_PATHS) else API_HEADERS
        missing = {name: value for name, value in with_defaults(response.headers, defaults).items() if name not in response.headers}
        response.headers.update(missing)
        response.headers[NOSNIFF] = "nosniff"

    app.on_response_prepare.append(add)


def page_headers_for(settings: Settings) -> dict[str, str]:
    """The page's headers for these settings: it may connect to the relay and, in Azure, to Web PubSub."""
    azure = settings.world == "azure"
    return page_headers(
        connect_sources(
            relay_url=settings.relay_public_url or None,
            pubsub_endpoint=settings.webpubsub_endpoint if azure else None,
            pubsub_connection_string=settings.webpubsub_connection_string if azure else None,
        )
    )


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every API error is JSON; nothing a client sends can take the process down."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith(_JSON_PATHS) or exc.status < 400:
            raise
        return await _http_error(request, exc)
    except RehearseError as exc:
        return json_response(error_response(exc))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"v": 1, "error": {"code": "internal", "message": "internal error; see the server log"}}, status=500)


async def _http_error(request: web.Request, exc: web.HTTPException) -> web.Response:
    """aiohttp's own 404/405/413 as the API's JSON error, naming the route or the methods the client should use."""
    where = f"{request.method} {request.path[:200]}"
    methods = await _route_methods(request) if exc.status in (404, 405) else set()
    if exc.status in (404, 405) and methods and request.method not in methods:
        allowed = " or ".join(sorted(methods))
        message = f"{where} is not an operation of this API: {request.path[:200]} takes {allowed}"
        return web.json_response(
            {"v": 1, "error": {"code": "method_not_allowed", "message": message}}, status=405, headers={"Allow": ", ".join(sorted(methods))}
        )
    if exc.status in (404, 405):
        message = f"there is no route {where}: docs/protocol.md lists the API's routes"
        return web.json_response({"v": 1, "error": {"code": "not_found", "message": message}}, status=404)
    code = _HTTP_CODES.get(exc.status, "http_error")
    return web.json_response({"v": 1, "error": {"code": code, "message": f"{exc.reason} ({where})"}}, status=exc.status)


async def _route_methods(request: web.Request) -> set[str]:
    """The methods the app's own routes take on this path; the page's catch-all, which serves only files, aside."""
    methods: set[str] = set()
    for resource in request.app.router.resources():
        if resource.canonical != _PAGE_ROUTE:
            methods |= (await resource.resolve(request))[1]
    return methods - {"HEAD"}  # aiohttp adds HEAD to every GET route; clients are told the GET


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
        query=dict(request.query),
    )
