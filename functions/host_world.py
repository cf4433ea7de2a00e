"""The adapters a Functions host process uses, built once per worker from the environment."""

from __future__ import annotations

from functools import cache

from rehearse.config import Settings, World, build_world_from_settings


@cache
def host_world() -> World:
    # REHEARSE_WORLD=azure in Azure (Cosmos, Storage queues, Web PubSub); the embedded adapters otherwise, where
    # the in-process queue delivers to these same handlers.
    return build_world_from_settings(Settings())
