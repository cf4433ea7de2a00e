"""The relay's HTTP surface: SDP offers for live sessions, and a health endpoint that reports draining."""

from __future__ import annotations

from aiohttp import web

from media_relay.signaling import Relay
from rehearse import tracing
from rehearse.adapters.aiohttp_edge import api_request, json_errors, send_security_headers
from rehearse.app.http_api import parse_json_body
from rehearse.app.world import World
from rehearse.security.tokens import bearer_token


def relay_app(world: World, relay: Relay) -> web.Application:
    """The relay on its own (the Container App): its routes, JSON errors, and the API's security headers on every reply."""
    app = web.Application(middlewares=[json_errors], client_max_size=world.settings.max_body_bytes)
    send_security_headers(app)
    add_relay_routes(app, world, relay)
    return app


def add_relay_routes(app: web.Application, world: World, relay: Relay) -> None:
    limit = world.settings.max_body_bytes

    async def offer(request: web.Request) -> web.Response:
        session_id = request.match_info["session_id"]
        # the page's traceparent header: the connection's spans (and the feedback they lead to) join the page's trace
        with tracing.span("relay.offer", session_id, parent=tracing.extract(request.headers), kind="server"):
            world.tokens.verify(bearer_token(request.headers.get("Authorization")), session_id)  # before reading the body
            body = parse_json_body(await api_request(request, limit), limit)
            return web.json_response(await relay.offer(session_id, body))

    async def health(request: web.Request) -> web.Response:
        status = "ok" if relay.accepting else "draining"
        return web.json_response({"status": status, "live_sessions": len(relay.live)}, status=200 if relay.accepting else 503)

    app.router.add_get("/healthz", health)
    app.router.add_post("/api/sessions/{session_id}/offer", offer)
