"""A candidate on a flaky network: an aiortc client that speaks scripted answers, keeps every data channel message
it receives (duplicates included) and resumes as docs/protocol.md says: a new connection with the same token, then
`hello` with the highest `seq` it has. It declares the connection lost when nothing arrived for `lost_after_s`
(it pings every half second, so silence means the link, not a quiet relay)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

import aiohttp
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription

from media_relay.tracks import PacedAudioTrack
from tests.support.audio import speak
from tests.support.impaired_link import ImpairedLink, strip_candidates
from tests.support.webrtc import drain

RATE = 48000
FRAME = 960  # 20 ms

STORY = [
    "I led a small team that moved our billing service to a new platform.",
    "We planned the work in stages and tested every step.",
    "We finished two weeks early and cut costs by a third.",
    "The customers noticed the faster pages within a week.",
    "I learned to share risks with the team early.",
    "Next time I would ask for help sooner.",
]


def spoken(sentences: list[str], gap_s: float = 0.9) -> np.ndarray:
    """A candidate's answer at 48 kHz: the sentences with a phrase-breaking pause after each."""
    pause = np.zeros(int(gap_s * RATE), np.int16)
    return np.concatenate([part for sentence in sentences for part in (speak(sentence, RATE), pause)])


class Microphone:
    """What the candidate says, on the wall clock: connections come and go while the speech goes on."""

    def __init__(self) -> None:
        self._speech = np.zeros(0, np.int16)
        self._start = 0.0

    def say(self, pcm: np.ndarray) -> None:
        self._speech, self._start = pcm.astype(np.int16), time.monotonic()

    @property
    def done_at(self) -> float:
        """Monotonic time the current speech ends (0 when nothing was said yet)."""
        return self._start + self._speech.size / RATE if self._speech.size else 0.0

    def frame_at(self, at: float) -> np.ndarray:
        begin = round((at - self._start) * RATE)
        chunk = self._speech[max(begin, 0) : max(begin + FRAME, 0)] if self._speech.size else self._speech
        if chunk.size < FRAME:
            chunk = np.concatenate((chunk, np.zeros(FRAME - chunk.size, np.int16)))
        return chunk


class MicrophoneTrack(PacedAudioTrack):
    """One connection's view of the microphone, paced in real time."""

    def __init__(self, microphone: Microphone) -> None:
        super().__init__()
        self._microphone = microphone
        self.muted = False  # silence from now on: this connection's path no longer carries the candidate's voice

    def next_pcm(self, at: float) -> np.ndarray:
        return np.zeros(FRAME, np.int16) if self.muted else self._microphone.frame_at(at)


@dataclass
class Received:
    message: dict
    received_ms: float  # Unix ms
    connection: int


@dataclass
class FaultClient:
    base_url: str
    answers: list[np.ndarray]  # 48 kHz speech, one per question, spoken when the relay starts listening
    link: ImpairedLink | None = None
    lost_after_s: float = 3.0
    attempt_timeout_s: float = 2.0  # for ICE to get through
    handshake_timeout_s: float = 10.0  # then for DTLS and SCTP, slow on a lossy link
    next_after_quiet_s: float = 6.0  # the relay closes an answer 3 s after speech; if a resume ate that, say "Next"
    received: list[Received] = field(default_factory=list)
    # 48 kHz speech per question index, said when a follow-up to that question has been asked and read out
    follow_up_answers: dict[int, np.ndarray] = field(default_factory=dict)
    connections: int = 0
    lost_at_ms: list[float] = field(default_factory=list)
    stale: list[Received] = field(default_factory=list)  # what older connections still said after the client moved on
    answered_ms: dict[int, float] = field(default_factory=dict)  # connection number -> when its offer was answered (Unix ms)
    session: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.microphone = Microphone()
        self.ended = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self._pc: RTCPeerConnection | None = None
        self._channel = None
        self._last_message = 0.0
        self._spoken: set[int] = set()
        self._listening: int | None = None
        self._listening_since = 0.0
        self._nexts: set[int] = set()
        self._follow_ups: set[tuple[int, int]] = set()  # (question index, n) asked
        self._follow_ups_answered: set[tuple[int, int]] = set()
        self._closing: set[asyncio.Task] = set()  # closing connections and their voice drains

    # -- what the tests read -----------------------------------------------------------------------------------------
    @property
    def finals(self) -> list[dict]:
        return [r.message for r in self.received if r.message["type"] == "transcript" and r.message["final"]]

    @property
    def highest_seq(self) -> int:
        return max((m["seq"] for m in self.finals), default=0)

    @property
    def speaking(self) -> int | None:
        """Index of the question whose answer is being spoken (or was spoken last)."""
        return max(self._spoken, default=None)

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.message["type"] == kind]

    def first_message_after(self, at_ms: float) -> Received | None:
        return next((r for r in self.received if r.received_ms >= at_ms), None)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session['token']}"}

    async def stored(self) -> dict:
        async with aiohttp.ClientSession() as http, http.get(f"{self.base_url}/api/sessions/{self.session['session_id']}", headers=self.auth) as r:
            return await r.json()

    # -- the interview -----------------------------------------------------------------------------------------------
    async def run(self, body: dict, timeout_s: float) -> None:
        """Create the session and hold the interview until it ends (resuming as often as needed)."""
        async with aiohttp.ClientSession() as http:
            self._http = http
            async with http.post(f"{self.base_url}/api/sessions", json=body) as r:
                self.session = await r.json()
                assert r.status == 201, self.session
            try:
                await asyncio.wait_for(self._converse(), timeout_s)
            finally:
                await self.close()

    async def close(self) -> None:
        self._drop_connection()
        for task in self._closing:
            if task.get_coro().__name__ == "drain":
                task.cancel()
        if self._closing:
            await asyncio.wait(self._closing, timeout=5)

    async def _converse(self) -> None:
        while not self.ended.is_set():
            if not await self._connect():
                await asyncio.sleep(0.2)
                continue
            await self._watch()

    async def _watch(self) -> None:
        """Ping, notice a lost link, say "Next" when an answer was never closed; return to reconnect."""
        channel = self._channel
        while not self.ended.is_set():
            if channel.readyState == "open":
                channel.send(json.dumps({"v": 1, "type": "ping", "t": time.time() * 1000}))
            if time.monotonic() - self._last_message > self.lost_after_s:
                self.lost_at_ms.append(time.time() * 1000)
                self._drop_connection()
                return
            self._maybe_next(channel)
            await asyncio.sleep(0.5)

    def _maybe_next(self, channel) -> None:
        index = self._listening
        if index is None or index in self._nexts or index not in self._spoken:
            return
        quiet_since = max(self.microphone.done_at, self._listening_since)
        if time.monotonic() - quiet_since > self.next_after_quiet_s and channel.readyState == "open":
            self._nexts.add(index)
            channel.send(json.dumps({"v": 1, "type": "next"}))

    async def _connect(self) -> bool:
        self.connections += 1
        number = self.connections
        pc = RTCPeerConnection()
        self._track = MicrophoneTrack(self.microphone)
        pc.addTransceiver(self._track, direction="sendrecv")
        channel = pc.createDataChannel("rehearse")
        opened = asyncio.Event()

        @pc.on("track")
        def on_track(track):
            task = asyncio.ensure_future(drain(track))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

        @channel.on("open")
        def on_open():
            channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": self.highest_seq}))
            opened.set()

        @channel.on("message")
        def on_message(raw):
            if number == self.connections:
                self._on_message(json.loads(raw), number)
            else:
                self.stale.append(Received(json.loads(raw), time.time() * 1000, number))

        self._pc, self._channel = pc, channel
        try:
            await pc.setLocalDescription(await pc.createOffer())
            offer = pc.localDescription.sdp
            if self.link is not None:
                offer = strip_candidates(offer)
            async with self._http.post(
                self.base_url + self.session["relay"]["offer_url"], json={"sdp": offer, "type": "offer"}, headers=self.auth
            ) as r:
                answer = await r.json()
            if r.status == 409:  # the interview ended while this client was away
                self.ended.set()
            if r.status != 200:
                raise ConnectionError(answer)
            self.answered_ms[number] = time.time() * 1000
            sdp = self.link.route(answer["sdp"]) if self.link is not None else answer["sdp"]
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
            await self._until_open(pc, opened)
        except (OSError, ConnectionError, aiohttp.ClientError, TimeoutError, ValueError):
            self._drop_connection()
            return False
        self._last_message = time.monotonic()
        return True

    async def _until_open(self, pc: RTCPeerConnection, opened: asyncio.Event) -> None:
        """Give up quickly while ICE gets no answer (the link is down), patiently once it has (a lossy link is slow)."""
        started = time.monotonic()
        while not opened.is_set():
            waited = time.monotonic() - started
            connected = pc.iceConnectionState in ("connected", "completed")
            if waited > self.attempt_timeout_s and not connected or waited > self.attempt_timeout_s + self.handshake_timeout_s:
                raise TimeoutError("the data channel did not open")
            try:
                await asyncio.wait_for(opened.wait(), 0.1)
            except TimeoutError:
                pass

    def _drop_connection(self) -> None:
        pc, self._pc, self._channel = self._pc, None, None
        if pc is not None:
            task = asyncio.ensure_future(pc.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _on_message(self, message: dict, connection: int) -> None:
        self.received.append(Received(message, time.time() * 1000, connection))
        self._last_message = time.monotonic()
        kind = message["type"]
        if kind == "state" and message["status"] == "listening":
            index = message["question_index"]
            self._listening, self._listening_since = index, time.monotonic()
            if index not in self._spoken and index < len(self.answers):
                self._spoken.add(index)
                self.microphone.say(self.answers[index])
            elif (asked := sorted(f for f in self._follow_ups - self._follow_ups_answered if f[0] == index)) and index in self.follow_up_answers:
                self._follow_ups_answered.add(asked[-1])
                self.microphone.say(self.follow_up_answers[index])
        elif kind == "follow_up":
            self._follow_ups.add((message["index"], message["n"]))
        elif kind == "state":
            self._listening = None
        elif kind == "ended":
            self.ended.set()
        elif kind == "ping" and self._channel is not None and self._channel.readyState == "open":
            self._channel.send(json.dumps({"v": 1, "type": "pong", "t": message["t"]}))


async def until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s} s for {what}")
        await asyncio.sleep(0.05)


def segments_lost(persisted: list[dict], delivered: list[dict]) -> int:
    """Finals persisted but never delivered to the client, plus finals delivered more than once."""
    persisted_seqs = {s["seq"] for s in persisted}
    delivered_seqs = [f["seq"] for f in delivered]
    return len(persisted_seqs - set(delivered_seqs)) + len(delivered_seqs) - len(set(delivered_seqs))
