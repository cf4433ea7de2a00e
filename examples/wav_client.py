"""A complete Rehearse client without a browser: answers every question with a WAV file over WebRTC (aiortc).

    python examples/wav_client.py http://127.0.0.1:8000 answer.wav --role software_engineer --questions 2 --events

Written only from docs/protocol.md; prints each data channel message (and, with --events, each pub/sub event) and
the final transcript as JSON."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

SUBPROTOCOL = "json.webpubsub.azure.v1"


def _now_ms() -> int:
    return int(time.time() * 1000)


async def _subscribe(
    http: aiohttp.ClientSession, base_url: str, auth: dict, session_id: str, events: list[dict], quiet: bool
) -> asyncio.Task:
    """Join the session's pub/sub group (acknowledged before this returns) and collect its events in `events`."""
    async with http.get(f"{base_url}/api/sessions/{session_id}/negotiate", headers=auth) as r:
        negotiated = await r.json()
        if r.status != 200:
            raise RuntimeError(negotiated)
    ws = await http.ws_connect(negotiated["url"], protocols=(SUBPROTOCOL,))
    await ws.send_json({"type": "joinGroup", "group": negotiated["group"], "ackId": 1})
    joined = asyncio.get_running_loop().create_future()

    async def read() -> None:
        try:
            async for frame in ws:
                message = json.loads(frame.data)
                if message["type"] == "ack" and message.get("ackId") == 1 and not joined.done():
                    joined.set_result(message)
                elif message["type"] == "message" and message.get("from") == "group":
                    event = {**message["data"], "received_ms": _now_ms()}
                    events.append(event)
                    if not quiet:
                        print(json.dumps({"event": event["type"], "question_id": event.get("question_id")}))
                # anything else (the `system` `connected` frame first of all) is not an event: skip it
        finally:
            await ws.close()

    reader = asyncio.ensure_future(read())
    ack = await asyncio.wait_for(joined, 10)
    if not ack["success"]:
        raise RuntimeError(ack)
    return reader


async def converse(
    http: aiohttp.ClientSession, base_url: str, session: dict, wav: str, *, timeout_s: float = 180.0, quiet: bool = False,
    linger_s: float = 0.0,
) -> tuple[list[dict], int]:
    """The media part of an interview on a created `session` (the 201 reply): answer every question with `wav` until
    `ended` (and `linger_s` more). The data channel's messages in order, and how many interviewer frames arrived."""
    messages: list[dict] = []
    auth = {"Authorization": f"Bearer {session['token']}"}
    pc = RTCPeerConnection()
    # loop=True: the answer is spoken again for every question, as a candidate repeating a rehearsed story; it also
    # plays while each question is read out, which the relay takes as the candidate interrupting (barge-in)
    player = MediaPlayer(wav, loop=True)
    pc.addTransceiver(player.audio, direction="sendrecv")
    channel = pc.createDataChannel("rehearse")  # in-band, ordered and reliable: the defaults
    ended = asyncio.Event()
    voice_frames = 0

    @pc.on("track")
    def on_track(track):
        async def drain():
            nonlocal voice_frames
            while True:
                try:
                    await track.recv()
                except Exception:
                    return
                voice_frames += 1

        asyncio.ensure_future(drain())

    @channel.on("open")
    def on_open():
        channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0}))

    @channel.on("message")
    def on_message(raw):
        message = json.loads(raw)
        message["received_ms"] = _now_ms()
        messages.append(message)
        if message["type"] == "ping":  # the relay rates the link by these round trips: answer at once
            channel.send(json.dumps({"v": 1, "type": "pong", "t": message["t"]}))
        if not quiet and message["type"] not in ("ping", "pong") and (message["type"] != "transcript" or message["final"]):
            print(json.dumps({k: v for k, v in message.items() if k != "words"}))
        if message["type"] == "ended":
            ended.set()

    await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers every ICE candidate first: no trickle
    async with http.post(
        base_url + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=auth
    ) as r:
        answer = await r.json()
        if r.status != 200:
            raise RuntimeError(answer)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    try:
        await asyncio.wait_for(ended.wait(), timeout_s)
        await asyncio.sleep(linger_s)
    finally:
        player.audio.stop()
        await pc.close()
    return messages, voice_frames


async def run_interview(
    base_url: str,
    wav: str,
    role: str,
    questions: int,
    timeout_s: float = 180.0,
    quiet: bool = False,
    record_audio: bool = False,
    events: bool = False,
    linger_s: float = 0.0,
) -> dict:
    """One whole interview. `events`: also subscribe to the session's pub/sub events (returned as "events", each with
    the `received_ms` it arrived at). `linger_s`: keep the connection this long after `ended`, still recording
    messages (the answer keeps playing)."""
    published: list[dict] = []
    async with aiohttp.ClientSession() as http:
        body = {"role": role, "question_count": questions, "record_audio": record_audio}
        async with http.post(f"{base_url}/api/sessions", json=body) as r:
            session = await r.json()
            if r.status != 201:
                raise RuntimeError(session)
        auth = {"Authorization": f"Bearer {session['token']}"}
        reader = await _subscribe(http, base_url, auth, session["session_id"], published, quiet) if events else None
        messages, voice_frames = await converse(http, base_url, session, wav, timeout_s=timeout_s, quiet=quiet, linger_s=linger_s)
        async with http.get(f"{base_url}/api/sessions/{session['session_id']}", headers=auth) as r:
            stored = await r.json()
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    return {"session": stored, "token": session["token"], "messages": messages, "events": published, "voice_frames": voice_frames}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("wav")
    parser.add_argument("--role", default="software_engineer")
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--record-audio", action="store_true", help="consent to keep the answers' audio")
    parser.add_argument("--events", action="store_true", help="also print the session's pub/sub events (scores, summaries)")
    args = parser.parse_args()
    result = asyncio.run(
        run_interview(
            args.base_url.rstrip("/"), args.wav, args.role, args.questions, record_audio=args.record_audio, events=args.events
        )
    )
    print(
        json.dumps(
            {"transcript": [s["text"] for s in result["session"]["transcript"]], "voice_frames": result["voice_frames"]}, indent=2
        )
    )


if __name__ == "__main__":
    main()
