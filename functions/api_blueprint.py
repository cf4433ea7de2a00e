"""The HTTP API as an Azure Functions v2 blueprint: decode the request, call the shared handler, encode the reply."""

from __future__ import annotations

import json
from functools import cache

import azure.functions as func

from functions.host_world import host_world
from rehearse.app.http_api import ROUTES, ApiRequest, HttpApi, Route
from rehearse.security.headers import API_HEADERS, with_defaults
from rehearse.security.pseudonyms import client_address

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
        client_address=client_address(None, req.headers.get("x-forwarded-for")),  # the Functions front end appends it
    )
    response = await _api().handle(name, request)
    headers = with_defaults(response.headers, API_HEADERS)  # the embedded server's security headers, from the same module
    if response.content is not None:  # not JSON (a recording, a page): the bytes and the handler's headers
        return func.HttpResponse(response.content, status_code=response.status, headers=headers)
    return func.HttpResponse(json.dumps(response.body), status_code=response.status, mimetype="application/json", headers=headers)


def _function(route: Route):
    async def call(req: func.HttpRequest) -> func.HttpResponse:
        return await _call(route.operation, req)

    call.__name__ = route.function
    return call


# One function per route of the shared table (rehearse/app/http_api.py ROUTES), under api/ (host.json's routePrefix is
# "" so that functions/web_blueprint.py serves the page at the root). DELETE does not close a live
# connection from here: the relay runs elsewhere (Container Apps), and its next write finds the session unknown.
# A recording is read whole and sliced: fine for answers of a few MB (a minute of 16 kHz audio is 1.9 MB).
for _route in ROUTES:
    bp.function_name(_route.function)(bp.route(route=f"api/{_route.path}", methods=[_route.method], auth_level=func.AuthLevel.ANONYMOUS)(_function(_route)))
