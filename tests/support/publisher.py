"""A Publisher that keeps what it was asked to publish, for tests of the core and the handlers."""

from __future__ import annotations


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[dict] = []

    async def publish(self, session_id: str, event: dict) -> None:
        self.events.append(event)

    async def client_access(self, session_id: str, base_url: str) -> dict[str, str]:
        return {"url": f"{base_url}/pubsub/client", "group": f"session.{session_id}"}
