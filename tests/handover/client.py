"""The candidate of tests/faults/client.py, able to move: its page changes network in the middle of the interview, so
its next offer goes out (through the proxy, to whichever replica) while the old connection is left behind, open but
silent, as a path that no longer carries anything leaves it. Only the old replica can end that connection."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.faults.client import FaultClient, Received


@dataclass
class LeftBehind:
    connection: int
    at_ms: float  # Unix ms the client moved away from it
    closed_ms: float | None = None  # Unix ms the relay closed it (its peer connection went closed or failed)


@dataclass
class MovingClient(FaultClient):
    left: list[LeftBehind] = field(default_factory=list)

    def move(self) -> None:
        pc, track = self._pc, self._track
        if pc is None:
            return
        track.muted = True
        left = LeftBehind(self.connections, time.time() * 1000)
        self.left.append(left)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("closed", "failed") and left.closed_ms is None:
                left.closed_ms = time.time() * 1000

        self._pc = self._channel = None  # not closed here: the relay must let go by itself
        self._behind.append(pc)
        self._last_message = 0.0  # the watch loop returns at once and the client connects again

    def _on_message(self, message: dict, connection: int) -> None:
        if any(left.connection == connection for left in self.left):
            self.stale.append(Received(message, time.time() * 1000, connection))
        else:
            super()._on_message(message, connection)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._behind = []

    async def close(self) -> None:
        for pc in self._behind:
            await pc.close()
        await super().close()

    def handover_ms(self, connection: int) -> float | None:
        """The offer of `connection` answered -> the first transcript message (partial or final) on it."""
        answered = self.answered_ms.get(connection)
        first = next((r for r in self.received if r.connection == connection and r.message["type"] == "transcript"), None)
        return None if answered is None or first is None else first.received_ms - answered
