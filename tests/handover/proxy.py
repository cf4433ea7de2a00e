"""A small round-robin HTTP proxy in front of relay replicas, as a load balancer without sticky sessions would be:
each request goes to the next replica that answers (a dead one is skipped), so a reconnect's offer may land anywhere.
Media does not pass here: WebRTC goes straight to the replica that answered the offer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.support.server import free_port

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host", "upgrade"}


@dataclass
class RoundRobinProxy:
    backends: list[str]  # base URLs
    offers: list[int] = field(default_factory=list)  # which backend answered each offer, in order

    async def __aenter__(self) -> RoundRobinProxy:
        self._turn = itertools.count()
        self._http = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc) -> None:
        await self._runner.cleanup()
        await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        for _ in range(len(self.backends)):
            index = next(self._turn) % len(self.backends)
            try:
                async with self._http.request(request.method, self.backends[index] + request.path_qs, data=body, headers=headers) as r:
                    payload = await r.read()
                    if request.path.endswith("/offer") and r.status == 200:
                        self.offers.append(index)
                    out = {k: v for k, v in r.headers.items() if k.lower() not in _HOP_BY_HOP}
                    return web.Response(status=r.status, body=payload, headers=out)
            except aiohttp.ClientConnectionError:
                continue  # that replica is gone: the next one
        return web.json_response({"v": 1, "error": {"code": "no_replica", "message": "no replica answers"}}, status=502)
