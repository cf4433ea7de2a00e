"""Publisher on a local WebSocket hub that speaks the Web PubSub client subprotocol json.webpubsub.azure.v1.

The page uses the same protocol against Azure Web PubSub, so it has no branch for the embedded default."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import WSMsgType, web

from rehearse import tracing

log = logging.getLogger("rehearse.pubsub")

SUBPROTOCOL = "json.webpubsub.azure.v1"
PATH = "/pubsub/client"
_AUDIENCE = "rehearse.pubsub"
_MAX_FRAME_BYTES = 64 * 1024  # clients only join and leave groups; a larger frame closes the connection (1009)


def group_for(session_id: str) -> str:
    return f"session.{session_id}"


class LocalPubSubHub:
    def __init__(self, secret: str, ttl_s: int = 3600, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._ttl_s = ttl_s
        self._clock = clock  # when access tokens are issued; tests move it to make expired ones
        self._groups: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    # -- Publisher port --------------------------------------------------------------------------------------------
    async def publish(self, session_id: str, event: dict[str, Any]) -> None:
        group = group_for(session_id)
        frame = json.dumps({"type": "message", "from": "group", "group": group, "dataType": "json", "data": event})
        with tracing.span("pubsub.publish", session_id, kind="producer", event=event.get("type"), group=group) as span:
            receivers = list(self._groups.get(group, ()))
            span.set_attribute("rehearse.receivers", len(receivers))
            for ws in receivers:
                try:
                    await ws.send_str(frame)
                except ConnectionError:
                    self._groups[group].discard(ws)

    async def client_access(self, session_id: str, base_url: str) -> dict[str, str]:
        group = group_for(session_id)
        now = int(self._clock())
        claims = {"aud": _AUDIENCE, "sub": session_id, "role": [f"webpubsub.joinLeaveGroup.{group}"], "iat": now, "exp": now + self._ttl_s}
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        ws_base = base_url.replace("https://", "wss://").replace("http://", "ws://")
        return {"url": f"{ws_base}{PATH}?{urlencode({'access_token': token})}", "group": group}

    # -- the hub's WebSocket endpoint ------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("access_token", "")
        try:
            if not token.isascii():
                raise jwt.DecodeError("not ASCII")
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], audience=_AUDIENCE, options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError:
            return _refused("the access_token has expired: negotiate again (GET /api/sessions/{id}/negotiate) for a new URL")
        except jwt.PyJWTError:
            return _refused("missing or invalid access_token: connect to the URL that GET /api/sessions/{id}/negotiate returns")
        ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), heartbeat=20, max_msg_size=_MAX_FRAME_BYTES)
        await ws.prepare(request)
        roles = claims.get("role")
        allowed = {r.removeprefix("webpubsub.joinLeaveGroup.") for r in roles if isinstance(r, str)} if isinstance(roles, list) else set()
        joined: set[str] = set()
        await ws.send_json({"type": "system", "event": "connected", "userId": claims["sub"], "connectionId": secrets.token_hex(8)})
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                await self._on_client_message(ws, message.data, allowed, joined)
        finally:
            for group in joined:
                self._groups[group].discard(ws)
        return ws

    async def _on_client_message(self, ws: web.WebSocketResponse, data: str, allowed: set[str], joined: set[str]) -> None:
        try:
            frame = json.loads(data)
        except (ValueError, RecursionError):  # not JSON (or nested past the parser's stack): nothing to acknowledge
            return
        if not isinstance(frame, dict):
            return
        kind, group, ack_id = frame.get("type"), frame.get("group"), frame.get("ackId")
        if kind not in ("joinGroup", "leaveGroup"):
            if ack_id is not None:
                await ws.send_json({"type": "ack", "ackId": ack_id, "success": False, "error": {"name": "Forbidden", "message": "clients may only join or leave their session's group"}})
            return
        if not isinstance(group, str) or group not in allowed:
            if ack_id is not None:
                message = f"not allowed to join {str(group)[:100]!r}: this connection may join only {sorted(allowed)}"
                await ws.send_json({"type": "ack", "ackId": ack_id, "success": False, "error": {"name": "Forbidden", "message": message}})
            return
        if kind == "joinGroup":
            self._groups[group].add(ws)
            joined.add(group)
        else:
            self._groups[group].discard(ws)
            joined.discard(group)
        if ack_id is not None:
            await ws.send_json({"type": "ack", "ackId": ack_id, "success": True})


def _refused(message: str) -> web.Response:
    return web.json_response({"v": 1, "error": {"code": "invalid_token", "message": message}}, status=401, headers={"Cache-Control": "no-store"})
