"""Turn-taking as a candidate hears it: the interviewer's first audio, the gap after an answer, barge-in.

    python -m bench.conversation          # about 3 minutes (part of `make bench`)
    python -m bench.conversation --keep-log FILE   # and keep the app's log

Method. The embedded default runs as its own process (the Piper voice, the semantic end of turn); one candidate
connects over real WebRTC with aiortc, as docs/protocol.md describes, with a microphone that is silent until the
candidate speaks. The interview has one question per scripted answer. All times are the client's wall clock, so
each figure includes Opus, the relay's jitter buffer and the network back:

- tts_first_audio_ms: in new sessions, each with a question never said before, the `question` message received ->
  the first frame of the interviewer's voice received (the relay sends the question when it decides to ask it, so
  this is decision -> first audio heard, plus one hop; later questions are synthesized ahead while the candidate
  answers and start sooner).
- end_of_turn_ms: the frame holding the answer's last voiced sample handed to the encoder -> the first frame of the
  interviewer's next utterance received (the acknowledgement and the next question). Each answer is 12-17 s of voice
  (in a voice other than the interviewer's) with a 0.8 s pause between its first sentences and a thinking pause of
  1.0-2.0 s later on (after "and", "so", "um" or half a clause).
- false_cutoff_rate: answers closed (`answer_end`) before their last part began, over all answers.
- barge_in_ms: the candidate starts speaking 0.8 s into the interviewer's question -> the interviewer's voice silent
  (the first received frame of a run of at least 300 ms of silence). Then the candidate answers from there.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription

from bench.load import RATE, SpeechTrack
from bench.stats import percentiles
from tests.support.audio import speak
from tests.support.server import running_app

LOUD = 300.0  # RMS of a received frame that holds the interviewer's voice (int16)
SILENT_RUN_S = 0.3
CANDIDATE_VOICE = "en-gb"  # every other answer; the others in the Piper voice, whose intonation is closer to a person's

# Answers as a candidate gives them (18-26 s, about 12-17 s of voice; interview answers run longer still):
# (opening, after a 0.8 s pause between sentences, after a thinking pause). The pauses are inside the turn: an
# interviewer who jumps in there cuts the candidate off.
ANSWERS = [
    ("I led the migration of our billing service last spring.",
     "It was the oldest system we had. We had about four hundred customers on it, and",
     "we moved every one of them within two weeks without a single failed invoice. Finance signed off on the first try."),
    ("The first thing I did was measure the error rate.",
     "Nobody had looked at it in months. It was close to three percent on the checkout page, so",
     "I could tell later whether each change actually helped our customers. After a month it was under half a percent."),
    ("We had a hard deadline on a Friday.",
     "A partner was launching on the same day. The scope was much larger than we had planned for. Um",
     "I split the work into three smaller releases and we shipped the first one on time. The partner launch went ahead as planned."),
    ("The outage started on a Monday morning.",
     "I was the engineer on call that week. I think the main reason it failed was that the",
     "cache was never invalidated after a write, so people saw old prices for an hour. I added the missing invalidation and a test for it."),
    ("Our team kept arguing about code reviews.",
     "Reviews were taking three days on average. I talked to each person on the team separately, and",
     "then we agreed on one short checklist that everyone now uses for every review. Reviews now take less than a day."),
    ("The search page was very slow.",
     "Customers complained about it every week. Our latency went from four seconds, um",
     "to about six hundred milliseconds once we batched the queries and added an index. Complaints about search stopped."),
]  # fmt: skip
SENTENCE_PAUSE_S = 0.8
PAUSES_S = [1.0, 1.4, 1.8, 1.2, 2.0, 1.6]
BARGE_INS = 4


@dataclass
class Ear:
    """The interviewer's voice as received: for each frame its arrival time and whether it holds voice."""

    frames: list[tuple[float, bool]] = field(default_factory=list)

    def listen(self, remote) -> None:
        """Receive the interviewer's track (until it ends), noting for each frame when it came and if it was loud."""

        async def receive() -> None:
            while True:
                try:
                    frame = await remote.recv()
                except Exception:
                    return
                pcm = frame.to_ndarray().astype(np.float32)
                self.frames.append((time.time() * 1000, float(np.sqrt(np.mean(pcm * pcm))) > LOUD))

        asyncio.ensure_future(receive())

    def first_voice_after(self, at_ms: float) -> float | None:
        return next((t for t, loud in self.frames if t >= at_ms and loud), None)

    def silent_after(self, at_ms: float) -> float | None:
        """The first frame after `at_ms` that starts SILENT_RUN_S of silence."""
        run_start, need = None, SILENT_RUN_S * 1000
        for t, loud in self.frames:
            if t < at_ms:
                continue
            if loud:
                run_start = None
            elif run_start is None:
                run_start = t
            if run_start is not None and t - run_start >= need:
                return run_start
        return None


@dataclass(frozen=True)
class Answer:
    pcm: np.ndarray
    first_voiced_s: float
    second_part_s: float  # where the last part, after the thinking pause, begins
    last_voiced_s: float


async def answer_audio(opening: str, middle: str, end: str, pause_s: float, neural: bool) -> Answer:
    if neural:
        a, b, c = [await _piper().synthesize(text) for text in (opening, middle, end)]
    else:
        a, b, c = (speak(text, RATE, voice=CANDIDATE_VOICE) for text in (opening, middle, end))
    gap, thinking = np.zeros(int(SENTENCE_PAUSE_S * RATE), np.int16), np.zeros(int(pause_s * RATE), np.int16)
    pcm = np.concatenate((a, gap, b, thinking, c))
    voiced = np.flatnonzero(np.abs(pcm) > 500)
    return Answer(pcm, voiced[0] / RATE, (pcm.size - c.size) / RATE, voiced[-1] / RATE)


async def converse(base: str) -> dict:
    answers = [await answer_audio(*parts, pause, neural=i % 2 == 0) for i, (parts, pause) in enumerate(zip(ANSWERS, PAUSES_S, strict=True))]
    total = len(answers) + BARGE_INS
    mic, ear = SpeechTrack(np.zeros(0, np.int16)), Ear()
    out: dict = {"first_audio_ms": [], "end_of_turn_ms": [], "barge_in_ms": [], "cut_off": 0, "answers": 0, "problems": []}
    events: asyncio.Queue = asyncio.Queue()
    async with aiohttp.ClientSession() as http:
        questions = [{"text": f"Question {i + 1}: tell me about a project you are proud of."} for i in range(total)]
        async with http.post(f"{base}/api/sessions", json={"questions": questions}) as r:
            session = await r.json()
            if r.status != 201:
                raise RuntimeError(session)
        auth = {"Authorization": f"Bearer {session['token']}"}
        pc = RTCPeerConnection()
        pc.addTransceiver(mic, direction="sendrecv")
        channel = pc.createDataChannel("rehearse")

        pc.on("track", ear.listen)

        @channel.on("open")
        def on_open():
            channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0}))

        @channel.on("message")
        def on_message(raw):
            m = json.loads(raw)
            m["at_ms"] = time.time() * 1000
            if m["type"] == "ping":
                channel.send(json.dumps({"v": 1, "type": "pong", "t": m["t"]}))
            events.put_nowait(m)

        async def next_of(kind: str, timeout: float = 30.0, status: str | None = None) -> dict:
            while True:
                m = await asyncio.wait_for(events.get(), timeout)
                if m["type"] == kind and (status is None or m.get("status") == status):
                    return m

        await pc.setLocalDescription(await pc.createOffer())
        async with http.post(base + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=auth) as r:
            answer = await r.json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        try:
            question = await next_of("question")
            for turn in range(total):
                asked_ms = question["at_ms"]
                barge = turn >= len(answers)
                answer = answers[turn % len(answers)]
                if barge:  # speak over the question 0.8 s after its voice begins
                    first = await _wait_for(lambda asked=asked_ms: ear.first_voice_after(asked))
                    await asyncio.sleep(max(0.0, (first + 800 - time.time() * 1000) / 1000))
                else:
                    await next_of("state", status="listening")
                mic.play(answer.pcm)
                started = mic.speech_frame
                if barge:
                    voice_frame = started + int(answer.first_voiced_s / 0.02)
                    await _wait_for(lambda f=voice_frame: mic.sent_ms[f] if len(mic.sent_ms) > f else None)
                    spoke_ms = mic.sent_ms[voice_frame]
                    silent = await _wait_for(lambda s=spoke_ms: ear.silent_after(s))
                    out["barge_in_ms"].append(silent - spoke_ms)
                end = await next_of("answer_end", timeout=60)
                out["answers"] += 1
                ended_at_s = (end["at_ms"] - mic.sent_ms[started]) / 1000
                if ended_at_s < answer.second_part_s:
                    out["cut_off"] += 1
                    mic.play(np.zeros(0, np.int16))
                if turn + 1 == total:
                    break
                question = await next_of("question")
                last_voiced_ms = mic.sent_ms[started + int(answer.last_voiced_s / 0.02)]
                if ended_at_s >= answer.second_part_s:  # the acknowledgement, said the moment the turn ended
                    first_audio = await _wait_for(lambda at=last_voiced_ms: ear.first_voice_after(at + 20))
                    out["end_of_turn_ms"].append(first_audio - last_voiced_ms)
        except TimeoutError:
            out["problems"].append("the interview stalled")
        finally:
            await pc.close()
    return out


async def first_question_audio(base: str, text: str) -> float:
    """One new session: its `question` received -> the first frame of the interviewer's voice received (ms)."""
    ear, mic = Ear(), SpeechTrack(np.zeros(0, np.int16))
    asked: asyncio.Future = asyncio.get_running_loop().create_future()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/sessions", json={"questions": [{"text": text}]}) as r:
            session = await r.json()
        pc = RTCPeerConnection()
        pc.addTransceiver(mic, direction="sendrecv")
        channel = pc.createDataChannel("rehearse")

        pc.on("track", ear.listen)

        channel.on("open", lambda: channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0})))

        @channel.on("message")
        def on_message(raw):
            if json.loads(raw)["type"] == "question" and not asked.done():
                asked.set_result(time.time() * 1000)

        await pc.setLocalDescription(await pc.createOffer())
        auth = {"Authorization": f"Bearer {session['token']}"}
        async with http.post(base + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=auth) as r:
            answer = await r.json()
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        try:
            at = await asyncio.wait_for(asked, 20)
            return await _wait_for(lambda: ear.first_voice_after(at)) - at
        finally:
            await pc.close()


FIRST_QUESTIONS = [
    "Walk me through a decision you made with incomplete information.",
    "What is the most useful feedback you have ever received?",
    "Describe a time you had to learn a new technology quickly.",
    "How do you decide what to work on first when everything is urgent?",
    "Tell me about a time you changed your mind after hearing a colleague out.",
    "What would your last manager say is your biggest strength?",
    "Describe a project that did not go as planned, and what you did about it.",
    "How do you make sure a handover to another team goes well?",
]


_PIPER = []


def _piper():
    from rehearse.adapters.local.piper_synthesizer import PiperSynthesizer

    if not _PIPER:
        _PIPER.append(PiperSynthesizer())
    return _PIPER[0]


async def _wait_for(probe, timeout_s: float = 20.0) -> float:
    deadline = time.monotonic() + timeout_s
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)
    return found


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        with running_app(Path(tmp) / "data", Path(tmp) / "server.log") as (base, _proc):
            out = asyncio.run(converse(base))
            out["first_audio_ms"] = [asyncio.run(first_question_audio(base, text)) for text in FIRST_QUESTIONS]
        log = (Path(tmp) / "server.log").read_text(errors="replace")
    if len(sys.argv) > 2 and sys.argv[1] == "--keep-log":
        Path(sys.argv[2]).write_text(log)
    relay_turn = [float(ms) for ms in re.findall(r"turn ended \(.*?\) (\d+) ms after the last voiced frame", log)]
    said = re.findall(r"first audio of '(.*?)' sent (\d+) ms after it was decided(?: and (\d+) ms after the answer's last voiced frame arrived)?", log)
    relay_first = [float(ms) for text, ms, _ in said if any(q.startswith(text) for q in FIRST_QUESTIONS)]
    relay_reply = [float(after) for _, _, after in said if after]
    relay_hold = [float(ms) for ms in re.findall(r"interviewer held (\d+) ms after the candidate's voice", log)]
    turn_reasons = re.findall(r"turn ended \((\w+)", log)
    lines = [
        {"metric": "tts_first_audio_ms", **percentiles(out["first_audio_ms"]), "target_p95": 250,
         "measured": "a new session's first question (never said before) received -> its first audio frame received"},
        {"metric": "end_of_turn_ms", **percentiles(out["end_of_turn_ms"]), "target_p50": 600, "target_p95": 1200,
         "measured": "last voiced frame sent -> first frame of the next utterance received", "answers": len(out["end_of_turn_ms"])},
        {"metric": "false_cutoff_rate", "value": round(out["cut_off"] / max(1, out["answers"]), 3), "unit": "fraction",
         "answers": out["answers"], "target": 0.03, "source": "live, one thinking pause of 1.0-2.0 s per answer"},
        {"metric": "barge_in_ms", **percentiles(out["barge_in_ms"]), "target_p95": 300,
         "measured": "candidate's first voiced frame sent -> interviewer silent at the client"},
        {"metric": "barge_in_relay_ms", **percentiles(relay_hold), "target_p95": 300,
         "measured": "relay: first voiced frame of the run received -> interviewer paused"},
        {"metric": "end_of_turn_relay_ms", **percentiles(relay_reply), "target_p50": 600, "target_p95": 1200,
         "measured": "relay: the answer's last voiced frame received -> first frame of the interviewer's reply sent"},
        {"metric": "end_of_turn_decision_relay_ms", **percentiles(relay_turn),
         "measured": "relay: last voiced frame received -> turn ended", "ended_by": {r: turn_reasons.count(r) for r in sorted(set(turn_reasons))}},
        {"metric": "tts_first_audio_relay_ms", **percentiles(relay_first), "target_p95": 250,
         "measured": "relay: a new session's first question decided -> its first audio frame sent"},
    ]
    if out["problems"]:
        lines.append({"metric": "conversation_problems", "value": out["problems"]})
    return lines


if __name__ == "__main__":
    for line in run():
        print(json.dumps(line), flush=True)
    sys.exit(0)
