"""An interview over real WebRTC on a session created beforehand (the reference client, examples/wav_client.py, makes
its own): tests can prepare the session's state, or create it from a chosen address, before the media flows."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from tests.support.webrtc import drain


async def create_session(http: aiohttp.ClientSession, base_url: str, questions: int = 1) -> tuple[int, dict, dict]:
    """(status, body, headers) of POST /api/sessions for a role's first questions."""
    async with http.post(f"{base_url}/api/sessions", json={"role": "software_engineer", "question_count": questions}) as r:
        return r.status, await r.json(), dict(r.headers)


async def interview(base_url: str, session: dict, wav: str, timeout_s: float = 120.0) -> list[dict]:
    """Answer every question with `wav` (looped) until `ended`; the data channel's messages, in order."""
    messages: list[dict] = []
    ended = asyncio.Event()
    pc = RTCPeerConnection()
    player = MediaPlayer(wav, loop=True)
    pc.addTransceiver(player.audio, direction="sendrecv")
    channel = pc.createDataChannel("rehearse")
    pc.on("track", lambda track: asyncio.ensure_future(drain(track)))
    channel.on("open", lambda: channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0})))

    @channel.on("message")
    def on_message(raw):
        messages.append(json.loads(raw))
        if messages[-1]["type"] == "ended":
            ended.set()

    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as http:
        async with http.post(base_url + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"},
                             headers={"Authorization": f"Bearer {session['token']}"}) as r:  # fmt: skip
            answer = await r.json()
            if r.status != 200:
                raise RuntimeError(answer)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    try:
        await asyncio.wait_for(ended.wait(), timeout_s)
    finally:
        player.audio.stop()
        await pc.close()
    return messages
