"""A complete Rehearse client without a browser: answers every question with a WAV file over WebRTC (aiortc).

    python examples/wav_client.py http://127.0.0.1:8000 answer.wav --role software_engineer --questions 2

Written only from docs/protocol.md; prints each data channel message and the final transcript as JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer


async def run_interview(
    base_url: str, wav: str, role: str, questions: int, timeout_s: float = 180.0, quiet: bool = False, record_audio: bool = False
) -> dict:
    messages: list[dict] = []
    async with aiohttp.ClientSession() as http:
        body = {"role": role, "question_count": questions, "record_audio": record_audio}
        async with http.post(f"{base_url}/api/sessions", json=body) as r:
            session = await r.json()
            if r.status != 201:
                raise RuntimeError(session)
        auth = {"Authorization": f"Bearer {session['token']}"}
        pc = RTCPeerConnection()
        # loop=True: the answer is spoken again for every question, as a candidate repeating a rehearsed story
        player = MediaPlayer(wav, loop=True)
        pc.addTransceiver(player.audio, direction="sendrecv")
        channel = pc.createDataChannel("rehearse")
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
            message["received_ms"] = int(time.time() * 1000)
            messages.append(message)
            if not quiet and (message["type"] != "transcript" or message["final"]):
                print(json.dumps({k: v for k, v in message.items() if k != "words"}))
            if message["type"] == "ended":
                ended.set()

        await pc.setLocalDescription(await pc.createOffer())
        async with http.post(base_url + session["relay"]["offer_url"],
                             json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=auth) as r:
            answer = await r.json()
            if r.status != 200:
                raise RuntimeError(answer)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        try:
            await asyncio.wait_for(ended.wait(), timeout_s)
        finally:
            player.audio.stop()
            await pc.close()
        async with http.get(f"{base_url}/api/sessions/{session['session_id']}", headers=auth) as r:
            stored = await r.json()
    return {"session": stored, "token": session["token"], "messages": messages, "voice_frames": voice_frames}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("wav")
    parser.add_argument("--role", default="software_engineer")
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--record-audio", action="store_true", help="consent to keep the answers' audio")
    args = parser.parse_args()
    result = asyncio.run(run_interview(args.base_url.rstrip("/"), args.wav, args.role, args.questions, record_audio=args.record_audio))
    print(json.dumps({"transcript": [s["text"] for s in result["session"]["transcript"]], "voice_frames": result["voice_frames"]}, indent=2))


if __name__ == "__main__":
    main()
