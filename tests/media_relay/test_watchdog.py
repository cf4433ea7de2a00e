"""The relay's side of the link watchdog over real WebRTC (aiortc clients, real speech): it pings the page, measures
round trips and ping loss, and while the page reports a poor link it throttles partials and shortens cues; finals
always arrive."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from rehearse.interview.link_quality import PARTIAL_GAP_WHEN_POOR_S, SHORT_CUES
from tests.support.audio import ANSWER, recall, speak, write_wav
from tests.support.webrtc import drain

RATE = 48000


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


def answer_in_two_phrases(path: Path) -> Path:
    """14 s of silence (the interviewer asks, then a cue for the slow start), the answer, a pause, the answer again."""
    speech = speak(ANSWER, RATE)
    return write_wav(path, np.concatenate((_silence(14.0), speech, _silence(2.0), speech, _silence(4.5))), RATE)


class Client:
    """A page stand-in that follows docs/protocol.md and records every message with its arrival time."""

    def __init__(self, base_url: str, wav: Path, *, answer_pings: int | None, poor_until_first_final: bool) -> None:
        """answer_pings: how many of the relay's pings get a pong (None: all)."""
        self.base_url, self.wav = base_url, wav
        self.answer_pings, self.poor_until_first_final = answer_pings, poor_until_first_final
        self.messages: list[dict] = []
        self.good_sent_at: float | None = None
        self.pongs = 0
        self.ended = asyncio.Event()

    async def run(self, *, stop_after_s: float | None = None, timeout_s: float = 90.0) -> dict:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{self.base_url}/api/sessions", json={"role": "customer_success", "question_count": 1}) as r:
                session = await r.json()
                assert r.status == 201, session
            auth = {"Authorization": f"Bearer {session['token']}"}
            pc = RTCPeerConnection()
            player = MediaPlayer(str(self.wav), loop=True)
            pc.addTransceiver(player.audio, direction="sendrecv")
            channel = pc.createDataChannel("rehearse")

            @pc.on("track")
            def on_track(track):
                asyncio.ensure_future(drain(track))

            def send(message: dict) -> None:
                channel.send(json.dumps({"v": 1, **message}))

            @channel.on("open")
            def on_open():
                send({"type": "hello", "after_seq": 0})
                if self.poor_until_first_final:
                    send({"type": "link", "state": "poor", "rtt_ms": 650.0, "packet_loss": 0.08})

            @channel.on("message")
            def on_message(raw):
                message = json.loads(raw)
                message["at"] = time.monotonic()
                self.messages.append(message)
                if message["type"] == "ping" and (self.answer_pings is None or self.pongs < self.answer_pings):
                    send({"type": "pong", "t": message["t"]})
                    self.pongs += 1
                if message["type"] == "transcript" and message["final"] and self.good_sent_at is None and self.poor_until_first_final:
                    send({"type": "link", "state": "good", "rtt_ms": 20.0, "packet_loss": 0.0})
                    self.good_sent_at = time.monotonic()
                if message["type"] == "ended":
                    self.ended.set()

            await pc.setLocalDescription(await pc.createOffer())
            async with http.post(self.base_url + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=auth) as r:
                answer = await r.json()
                assert r.status == 200, answer
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
            try:
                if stop_after_s is not None:
                    await asyncio.sleep(stop_after_s)
                else:
                    await asyncio.wait_for(self.ended.wait(), timeout_s)
            finally:
                player.audio.stop()
                await pc.close()
            async with http.get(f"{self.base_url}/api/sessions/{session['session_id']}", headers=auth) as r:
                stored = await r.json()
        return {"messages": self.messages, "session": stored, "good_sent_at": self.good_sent_at}


@pytest.fixture(scope="module")
async def runs(app_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("watchdog")
    speaking = Client(app_url, answer_in_two_phrases(folder / "answer.wav"), answer_pings=None, poor_until_first_final=True)
    mute = Client(app_url, write_wav(folder / "silence.wav", _silence(2.0), RATE), answer_pings=1, poor_until_first_final=False)
    interview, unanswered = await asyncio.gather(speaking.run(), mute.run(stop_after_s=14))
    return {"interview": interview, "unanswered": unanswered}


def of_type(messages: list[dict], kind: str) -> list[dict]:
    return [m for m in messages if m["type"] == kind]


def test_the_relay_pings_every_five_seconds(runs):
    pings = of_type(runs["interview"]["messages"], "ping")
    assert len(pings) >= 4
    gaps = [b["at"] - a["at"] for a, b in zip(pings, pings[1:], strict=False)]
    assert all(4.0 <= gap <= 6.5 for gap in gaps), gaps


def test_the_relay_measures_the_round_trip_of_answered_pings(runs):
    pings = of_type(runs["interview"]["messages"], "ping")
    assert pings[0]["rtt_ms"] is None  # nothing measured before the first pong
    for ping in pings[1:]:
        assert ping["rtt_ms"] is not None and 0 <= ping["rtt_ms"] < 1000, ping  # one machine, even a busy one
        assert ping["ping_loss"] == 0, ping


def test_unanswered_pings_count_as_lost_and_make_the_relay_call_the_link_poor(runs):
    pings = of_type(runs["unanswered"]["messages"], "ping")  # the client answers the first ping only
    assert len(pings) >= 3
    assert pings[0]["ping_loss"] is None and pings[1]["ping_loss"] == 0 and pings[1]["rtt_ms"] is not None
    assert pings[2]["ping_loss"] == 0.5 and pings[2]["state"] == "poor"


def _partials(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["type"] == "transcript" and not m["final"] and m["text"]]


def test_partials_are_throttled_while_the_page_reports_a_poor_link(runs):
    run = runs["interview"]
    assert run["good_sent_at"] is not None, "no final arrived"
    poor = [m["at"] for m in _partials(run["messages"]) if m["at"] < run["good_sent_at"]]
    assert len(poor) >= 2, "partials stop altogether on a poor link; they should only slow down"
    gaps = [b - a for a, b in zip(poor, poor[1:], strict=False)]
    assert min(gaps) >= PARTIAL_GAP_WHEN_POOR_S - 0.2, gaps


def test_partials_flow_at_full_rate_once_the_link_is_good_again(runs):
    run = runs["interview"]
    good = [m["at"] for m in _partials(run["messages"]) if m["at"] > run["good_sent_at"] + 0.3]
    gaps = [b - a for a, b in zip(good, good[1:], strict=False)]
    assert gaps and min(gaps) < 0.5, gaps


def test_finals_still_arrive_accurately_on_a_poor_link(runs):
    run = runs["interview"]
    finals = [m for m in run["messages"] if m["type"] == "transcript" and m["final"]]
    first_phrase = [m for m in finals if m["at"] <= run["good_sent_at"]]
    assert first_phrase, "the first final should have arrived while the link was poor"
    heard = " ".join(m["text"] for m in finals)
    assert recall(ANSWER, heard) >= 0.8, heard
    stored = run["session"]["transcript"]
    assert [(s["seq"], s["text"]) for s in stored] == [(m["seq"], m["text"]) for m in finals]


def test_cues_are_short_labels_on_a_poor_link(runs):
    cues = of_type(runs["interview"]["messages"], "cue")
    slow_start = [c for c in cues if c["kind"] == "take_a_moment"]
    assert slow_start, [c["kind"] for c in cues]
    assert slow_start[0]["text"] == SHORT_CUES["take_a_moment"]
