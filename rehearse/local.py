"""The embedded default: one process serving the page, the HTTP API, the media relay and a local pub/sub hub.

    python -m rehearse.local            # http://127.0.0.1:8000 (REHEARSE_PORT, REHEARSE_HOST to change)
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import replace
from pathlib import Path

from aiohttp import web

from media_relay.app import add_relay_routes
from media_relay.signaling import Relay
from rehearse.adapters.aiohttp_edge import api_request, json_errors, json_response, page_headers_for, send_security_headers
from rehearse.adapters.local.pubsub_hub import PATH as PUBSUB_PATH
from rehearse.adapters.local.pubsub_hub import LocalPubSubHub
from rehearse.adapters.telemetry import setup_tracing
from rehearse.app import follow_ups
from rehearse.app.feedback_pipeline import FeedbackPipeline
from rehearse.app.http_api import ROUTES, HttpApi
from rehearse.app.voice import prepare_voice
from rehearse.app.world import World
from rehearse.config import build_world
from rehearse.security.pseudonyms import client_address
from rehearse.settings import Settings

log = logging.getLogger("rehearse")

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

def build_app(world: World, hub: LocalPubSubHub) -> web.Application:
    relay = Relay(world)

    async def close_live(session_id: str) -> None:
        """A deleted session's live connection ends here, in this process: its page hears the connection close."""
        live = relay.live.get(session_id)
        if live is not None:
            await live.close()

    api = HttpApi(world, close_live=close_live)
    limit = world.settings.max_body_bytes
    app = web.Application(middlewares=[json_errors], client_max_size=limit)
    app["world"], app["relay"], app["hub"] = world, relay, hub
    send_security_headers(app, page_headers_for(world.settings))

    def operation(name: str):
        async def handler(request: web.Request) -> web.Response:
            api_call = replace(await api_request(request, limit), client_address=client_address(request.remote))
            return json_response(await api.handle(name, api_call))

        return handler

    async def page(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"] or "index.html"
        path = (WEB_DIR / name).resolve()
        if name.startswith("api/") or path.parent != WEB_DIR or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    add_relay_routes(app, world, relay)
    for route in ROUTES:
        app.router.add_route(route.method, f"/api/{route.path}", operation(route.operation))
    app.router.add_get(PUBSUB_PATH, hub.handle)
    app.router.add_get("/{name:.*}", page)

    async def _shutdown(app: web.Application) -> None:
        await relay.drain()  # finals of live answers are persisted, and their events queued
        try:
            await world.queue.drain(timeout=30)
        except TimeoutError:
            log.warning("feedback still pending at shutdown; the queue's messages are lost with this process")
        await world.close()

    app.on_shutdown.append(_shutdown)
    return app


async def serve(settings: Settings) -> None:
    setup_tracing(settings.traces, "rehearse", settings.otlp_endpoint)
    secret = settings.resolved_token_secret()
    hub = LocalPubSubHub(secret, settings.token_ttl_s)
    world = build_world(settings, hub)
    FeedbackPipeline(world).subscribe(world.queue)
    warming = asyncio.create_task(follow_ups.warm_up(world)) if settings.preload_models else None  # while serving
    if settings.preload_models:  # load the models before the first candidate speaks
        await asyncio.to_thread(lambda: (world.recognizer, world.tone, world.turn_model))
        await prepare_voice(world.synthesizer)
    runner = web.AppRunner(build_app(world, hub), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    port = runner.addresses[0][1] if runner.addresses else settings.port
    print(f"Rehearse is running at http://{settings.host}:{port}/  (Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if warming is not None:
        warming.cancel()
    print("Rehearse is stopping: finishing live transcripts...", flush=True)
    await runner.cleanup()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aioice").setLevel(logging.WARNING)
    logging.getLogger("aiortc").setLevel(logging.WARNING)
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    asyncio.run(serve(Settings()))


if __name__ == "__main__":
    main()
