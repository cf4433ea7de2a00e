"""The adapters a Functions host process uses, built once per worker from the environment."""

from __future__ import annotations

from functools import cache

from rehearse.config import Settings, World, build_world


@cache
def host_world() -> World:
    from rehearse.adapters.local.pubsub_hub import LocalPubSubHub

    settings = Settings()
    # Until the Azure world is configured (REHEARSE_WORLD=azure), the host runs the embedded adapters: the
    # in-process queue delivers to these same handlers and the hub publishes to clients of this process.
    world = build_world(settings, LocalPubSubHub(settings.resolved_token_secret(), settings.token_ttl_s))
    return world
