"""A real aiortc peer that joins a session the way the page does (docs/protocol.md): microphone track, data channel."""

from __future__ import annotations

import asyncio
import json

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack


async def connect(embedded, session: dict, timeout_s: float = 20.0) -> RTCPeerConnection:
    """A connected peer for `session` (the caller closes it)."""
    pc = RTCPeerConnection()
    pc.addTransceiver(AudioStreamTrack(), direction="sendrecv")
    pc.createDataChannel("rehearse")
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def _changed() -> None:
        if pc.connectionState == "connected":
            connected.set()

    await pc.setLocalDescription(await pc.createOffer())
    reply = await embedded.request(
        "POST",
        f"/api/sessions/{session['session_id']}/offer",
        {"Content-Type": "application/json", "Authorization": f"Bearer {session['token']}"},
        json.dumps({"sdp": pc.localDescription.sdp, "type": "offer"}).encode(),
    )
    assert reply.status == 200, reply
    answer = reply.json()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    await asyncio.wait_for(connected.wait(), timeout_s)
    return pc
