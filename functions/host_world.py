"""The adapters a Functions host process uses, built once per worker from the environment."""

from __future__ import annotations

from functools import cache

from rehearse.adapters.telemetry import setup_tracing
from rehearse.app.world import World
from rehearse.config import build_world_from_settings
from rehearse.settings import Settings


@cache
def host_world() -> World:
    # REHEARSE_WORLD=azure in Azure (Cosmos, Storage queues, Web PubSub); the embedded adapters otherwise, where
    # the in-process queue delivers to these same handlers.
    settings = Settings()
    # here, on the first invocation, not at import: the exporters stay out of the host's indexing and cold start
    setup_tracing(settings.traces, "rehearse-functions", settings.otlp_endpoint)
    return build_world_from_settings(settings)
