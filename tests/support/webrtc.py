"""Small pieces the tests' aiortc peers share."""

from __future__ import annotations


async def drain(track) -> None:
    """Read a remote track until it ends: aiortc keeps receiving only while someone consumes what arrives."""
    while True:
        try:
            await track.recv()
        except Exception:
            return
