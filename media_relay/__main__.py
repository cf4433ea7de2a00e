"""The media relay on its own (the Container App): signaling, health, and a graceful drain on SIGTERM.

    python -m media_relay        # settings from REHEARSE_* environment variables
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from media_relay.app import relay_app
from media_relay.signaling import Relay
from rehearse.adapters.telemetry import setup_tracing
from rehearse.app import follow_ups
from rehearse.app.voice import prepare_voice
from rehearse.config import build_world_from_settings
from rehearse.settings import Settings


async def serve(settings: Settings) -> None:
    setup_tracing(settings.traces, "rehearse-relay", settings.otlp_endpoint)
    world = build_world_from_settings(settings)
    warming = asyncio.create_task(follow_ups.warm_up(world)) if settings.preload_models else None  # while serving
    if settings.preload_models:
        await asyncio.to_thread(lambda: (world.recognizer, world.turn_model))
        await prepare_voice(world.synthesizer)
    relay = Relay(world)
    runner = web.AppRunner(relay_app(world, relay), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    logging.getLogger("rehearse.relay").info("relay listening on %s:%s", settings.host, settings.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    if warming is not None:
        warming.cancel()
    # health turns 503 at once so the platform stops routing new sessions here; live ones get the grace period
    await relay.drain(settings.drain_grace_s)
    await runner.cleanup()
    await world.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aioice", "aiortc", "faster_whisper"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(serve(Settings()))


if __name__ == "__main__":
    main()
