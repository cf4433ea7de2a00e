"""Publisher on a local WebSocket hub that speaks the Web PubSub client subprotocol json.webpubsub.azure.v1.

The page uses the same protocol against Azure Web PubSub, so it has no branch for the embedded default."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import WSMsgType, web

log = logging.getLogger("rehearse.pubsub")

SUBPROTOCOL = "json.webpubsub.azure.v1"
PATH = "/pubsub/client"
_AUDIENCE = "rehearse.pubsub"


def group_for(session_id: str) -> str:
    return f"session.{session_id}"


class LocalPubSubHub:
    def __init__(self, secret: str, ttl_s: int = 3600) -> None:
        self._secret = secret
        self._ttl_s = ttl_s
        self._groups: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    # -- Publisher port --------------------------------------------------------------------------------------------
    async def publish(self, session_id: str, event: dict[str, Any]) -> None:
        group = group_for(session_id)
        frame = json.dumps({"type": "message", "from": "group", "group": group, "dataType": "json", "data": event})
        for ws in list(self._groups.get(group, ())):
            try:
                await ws.send_str(frame)
            except ConnectionError:
                self._groups[group].discard(ws)

    async def client_access(self, session_id: str, base_url: str) -> dict[str, str]:
        group = group_for(session_id)
        now = int(time.time())
        claims = {"aud": _AUDIENCE, "sub": session_id, "role": [f"webpubsub.joinLeaveGroup.{group}"], "iat": now, "exp": now + self._ttl_s}
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        ws_base = base_url.replace("https://", "wss://").replace("http://", "ws://")
        return {"url": f"{ws_base}{PATH}?{urlencode({'access_token': token})}", "group": group}

    # -- the hub's WebSocket endpoint ------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            claims = jwt.decode(request.query.get("access_token", ""), self._secret, algorithms=["HS256"], audience=_AUDIENCE)
        except jwt.PyJWTError:
            return web.json_response({"v": 1, "error": {"code": "invalid_token", "message": "missing or invalid access_token"}}, status=401)
        ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), heartbeat=20)
        await ws.prepare(request)
        allowed = {role.removeprefix("webpubsub.joinLeaveGroup.") for role in claims.get("role", [])}
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
        except ValueError:
            return
        kind, group, ack_id = frame.get("type"), frame.get("group"), frame.get("ackId")
        if kind not in ("joinGroup", "leaveGroup"):
            if ack_id is not None:
                await ws.send_json({"type": "ack", "ackId": ack_id, "success": False, "error": {"name": "Forbidden", "message": "clients may only join or leave their session's group"}})
            return
        if group not in allowed:
            if ack_id is not None:
                await ws.send_json({"type": "ack", "ackId": ack_id, "success": False, "error": {"name": "Forbidden", "message": f"not allowed to join {group}"}})
            return
        if kind == "joinGroup":
            self._groups[group].add(ws)
            joined.add(group)
        else:
            self._groups[group].discard(ws)
            joined.discard(group)
        if ack_id is not None:
            await ws.send_json({"type": "ack", "ackId": ack_id, "success": True})
