"""The HTTP API as an Azure Functions v2 blueprint: decode the request, call the shared handler, encode the reply."""

from __future__ import annotations

import json
from functools import cache

import azure.functions as func

from functions.host_world import host_world
from rehearse.app.http_api import ApiRequest, HttpApi

bp = func.Blueprint()


@cache
def _api() -> HttpApi:
    return HttpApi(host_world())


async def _call(name: str, req: func.HttpRequest) -> func.HttpResponse:
    url = req.url.split("/api/")[0] if "/api/" in req.url else req.url.rstrip("/")
    request = ApiRequest(
        method=req.method,
        headers={k.lower(): v for k, v in req.headers.items()},
        body=req.get_body() or b"",
        route=dict(req.route_params),
        base_url=url,
        query=dict(req.params),
    )
    response = await _api().handle(name, request)
    if response.content is not None:  # not JSON (a recording, a page): the bytes and the handler's headers
        return func.HttpResponse(response.content, status_code=response.status, headers=dict(response.headers))
    return func.HttpResponse(json.dumps(response.body), status_code=response.status, mimetype="application/json", headers=dict(response.headers))


@bp.route(route="roles", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def list_roles(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("roles", req)


@bp.route(route="sessions", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
async def create_session(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("create_session", req)


@bp.route(route="sessions/{session_id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def get_session(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("get_session", req)


@bp.route(route="sessions/{session_id}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
async def delete_session(req: func.HttpRequest) -> func.HttpResponse:
    # the relay runs elsewhere (Container Apps): a live connection is not closed from here; its next write finds the
    # session unknown and stops recording it
    return await _call("delete_session", req)


@bp.route(route="sessions/{session_id}/report.html", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def get_report_html(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("report_html", req)


@bp.route(route="history", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def list_history(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("history", req)


@bp.route(route="sessions/{session_id}/negotiate", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def negotiate(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("negotiate", req)


@bp.route(route="sessions/{session_id}/recordings/{name}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def get_recording(req: func.HttpRequest) -> func.HttpResponse:
    # the whole blob is read and sliced: fine for answers of a few MB (a minute of 16 kHz audio is 1.9 MB)
    return await _call("recording", req)


@bp.route(route="sessions/{session_id}/diagnostics", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
async def upload_diagnostics(req: func.HttpRequest) -> func.HttpResponse:
    return await _call("upload_diagnostics", req)
