"""The embedded default's aiohttp app in this process, on a real 127.0.0.1 socket, and a raw HTTP/1.1 client for it.

The raw client sends the request line, headers and body exactly as given (no path normalisation, no header
validation), so the server sees what a hostile client would send."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from rehearse.adapters.local.pubsub_hub import LocalPubSubHub
from rehearse.app.world import World
from rehearse.config import build_world
from rehearse.local import build_app
from rehearse.settings import Settings
from tests.support.server import EMBEDDER_DIR, MODEL_DIR

SECRET = "fuzz-secret-" + "k" * 60  # 64+ bytes, so even an HS512 forgery is signed with a full-length key


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Embedded:
    world: World
    hub: LocalPubSubHub
    app: web.Application
    port: int

    def __repr__(self) -> str:  # hypothesis prints the fixtures of a failing example: keep them to one line
        return f"Embedded({self.base})"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def request(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"", timeout_s: float = 20.0
    ) -> Reply:
        return await raw_request(self.port, method, target, headers or {}, body, timeout_s)

    async def create_session(self, role: str = "software_engineer", count: int = 1, **headers: str) -> dict:
        reply = await self.request(
            "POST", "/api/sessions", {"Content-Type": "application/json", **headers}, json.dumps({"role": role, "question_count": count}).encode()
        )
        assert reply.status == 201, reply
        return reply.json()

    def session_routes(self, session_id: str) -> list[tuple[str, str]]:
        """(method, path) of every operation the app serves under one session: each must take only that session's token."""
        routes = []
        for resource in self.app.router.resources():
            if resource.canonical.startswith("/api/sessions/{session_id}"):
                path = resource.canonical.replace("{session_id}", session_id).replace("{name}", "q1-0.wav")
                routes += [(route.method, path) for route in resource if route.method != "HEAD"]
        return sorted(routes)

    def route_methods(self, path: str) -> set[str]:
        """The methods the app's routes take on this concrete path (the page's catch-all aside)."""
        methods = set()
        for resource in self.app.router.resources():
            pattern = resource.get_info().get("pattern")
            if resource.canonical != "/{name}" and (resource.canonical == path or (pattern is not None and pattern.fullmatch(path))):
                methods |= {route.method for route in resource}
        return methods - {"HEAD"}

    async def close_live(self) -> None:
        """Close every live relay connection (their peer connections, recognizer streams and tasks)."""
        relay = self.app["relay"]
        for live in list(relay.live.values()):
            await live.close()


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "token_secret": SECRET,
        "whisper_model_dir": MODEL_DIR,
        "embedder_model_dir": EMBEDDER_DIR,
        "preload_models": False,
        # Hypothesis creates hundreds of sessions from 127.0.0.1: the hourly limits against cost abuse would answer
        # 429 to the fuzzing itself (tests/quotas test the limits).
        "quota_sessions_per_address_per_hour": 1_000_000,
        "quota_sessions_per_candidate_per_hour": 1_000_000,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def embedded_app(data_dir: Path, hub_clock: Callable[[], float] = time.time, **overrides: Any):
    """hub_clock: when the pub/sub hub issues access tokens (a test moves it to hand out expired ones)."""
    settings = settings_for(data_dir, **overrides)
    hub = LocalPubSubHub(settings.resolved_token_secret(), settings.token_ttl_s, clock=hub_clock)
    world = build_world(settings, hub)
    app = build_app(world, hub)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield Embedded(world, hub, app, runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def raw_request(
    port: int, method: str, target: str, headers: dict[str, str], body: bytes = b"", timeout_s: float = 20.0
) -> Reply:
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
            lower = {k.lower() for k in headers}
            lines += [f"{k}: {v}" for k, v in headers.items()]
            if not lower & {"content-length", "transfer-encoding"} and (body or method in ("POST", "PUT", "PATCH")):
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
    return _parse(raw)


def _parse(raw: bytes) -> Reply:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ")[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    return Reply(status, headers, body)


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)
