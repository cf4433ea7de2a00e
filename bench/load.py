"""Load benchmark: how many candidate sessions one embedded-default process (`python -m rehearse.local`) carries.

    python -m bench.load                                  # both recognizers, about 6 minutes (part of `make bench`)
    python -m bench.load --recognizers forward_only --steps 2,4 --budget-s 60

Method. The app runs as its own process with its own data folder. For N = 1, 2, 3, ... N candidates connect at
once (starts spread over 3 s, as real candidates never start in the same 20 ms), each over real WebRTC with aiortc
as docs/protocol.md describes: create a one-question session, wait for the interviewer's question, then speak
~22 s of espeak-ng speech (6 sentences with 1.2 s pauses, rendered once and shared), stay silent until the relay
closes the answer (3 s of silence) and the interview ends, then read the stored transcript. Each client pings the
relay every 0.5 s over the data channel and answers the relay's pings. The clients run in separate processes (4
per process), away from the server's event loop, but on the same 2 cores: the figures are therefore pessimistic
for a relay with the machine to itself.

What is measured, per N (the `rounds` table):
- transcript latency: for every word the moment the first partial showing it arrived at the client (a word that begins
  where the words shown so far end; words a later partial corrects for the same audio are not new) minus the moment the client
  handed the 20 ms frame holding the word's end to its encoder (`transcript_*`: Opus, the network, the relay's jitter
  buffer, decoding and recognition, the data channel back). `transcript_heard_p95_ms` is bench/run.py's method:
  minus the relay's receipt of that frame (`heard_ms`), which hides the time audio waits for a busy relay, so the
  former is the criterion.
- final latency (the final's arrival minus `heard_ms` of its phrase) and ping round trips.
- nothing lost (`lost` counts problems): the finals a client got are exactly the persisted transcript (same seq and
  text, seq 1..n, no duplicates), every sentence spoken overlaps a final, and the interview ended in time.
- CPU over the round, in cores: the server process (utime + stime of it and its reaped children, from /proc), the
  client processes, and `other_cpu_cores`, the rest of the machine's busy time: other work on a shared machine,
  which the figures are only as clean as. `cpu_per_session` is server CPU seconds per session-second: the fraction
  of one core a live session costs, fixed costs included.

Criterion for the largest N: with the speech recognizer (`two_pass`), p95 transcript latency < 400 ms and nothing
lost. With `forward_only` (REHEARSE_RECOGNIZER=forward_only: the relay decodes the audio and a stage counts and
drops it) there is no transcript, so the criterion is the relay's own duty: every stream's recognizer stage received
all the audio its client sent, but for at most 10 frames (200 ms: the relay's jitter buffer holds back a few and a
few are in flight when the client hangs up; the counts come from the server's log), p95 ping round trip < 400 ms,
and every interview ended. N grows until the criterion fails or the next round would overrun the time budget;
`limited_by` says which, and a value limited by the budget or the steps is a lower bound."""

from __future__ import annotations

import argparse
import asyncio
import fractions
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame

from bench.run import GAP_S, UTTERANCES, emit
from bench.stats import percentiles
from rehearse.adapters.local.wav import decode_wav
from tests.support.audio import recall, speak, write_wav
from tests.support.server import running_app

ROOT = Path(__file__).resolve().parents[1]
RATE = 48000
FRAME = 960  # 20 ms at 48 kHz, one Opus packet
SENTENCES = 6
LEAD_S = 0.3
QUESTION = "Tell me about your last role."
CLIENTS_PER_PROCESS = 4
STAGGER_S = 3.0
PING_EVERY_S = 0.5
LATENCY_LIMIT_MS = 400.0
NEW_WORD_SLACK_S = 0.02  # a word beginning up to a frame before the words shown end is new (web/transcript.js)
FRAME_SLACK = 10
STEPS = {"two_pass": [1, 2, 3, 4, 5, 6, 8, 10, 12], "forward_only": [2, 4, 6, 8, 12, 16, 20, 24, 32]}
ENV = {"two_pass": "speech", "forward_only": "forward_only"}
_CLOSED = re.compile(r"forward-only stream (\d+) closed: (\d+) samples")


# -- the speech every client speaks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Speech:
    wav: Path
    text: str
    sentences: list[tuple[float, float]]  # voiced start and end of each sentence, seconds into the WAV
    seconds: float


def build_speech(folder: Path, sentences: int = SENTENCES) -> Speech:
    texts = UTTERANCES[:sentences]
    pieces, spans, at = [np.zeros(int(LEAD_S * RATE), np.int16)], [], LEAD_S
    for text in texts:
        pcm = speak(text, RATE)
        voiced = np.flatnonzero(np.abs(pcm) > 500)
        spans.append((at + voiced[0] / RATE, at + voiced[-1] / RATE))
        pieces += [pcm, np.zeros(int(GAP_S * RATE), np.int16)]
        at += (pcm.size + int(GAP_S * RATE)) / RATE
    audio = np.concatenate(pieces)
    wav = write_wav(folder / "speech.wav", audio, RATE)
    return Speech(wav, " ".join(texts), spans, audio.size / RATE)


# -- one candidate (runs in a client process) ------------------------------------------------------------------------
class SpeechTrack(MediaStreamTrack):
    """A microphone: silence until `speak()` (or `play(pcm)`), then the speech once, then silence; real time, 20 ms
    per frame."""

    kind = "audio"

    def __init__(self, pcm: np.ndarray) -> None:
        super().__init__()
        self._pcm = pcm
        self.sent_ms: list[float] = []  # wall clock at which each frame went to the encoder
        self.speech_frame: int | None = None
        self._start: float | None = None

    def speak(self) -> None:
        if self.speech_frame is None:
            self.speech_frame = len(self.sent_ms)

    def play(self, pcm: np.ndarray) -> None:
        """Say `pcm` from the next frame on, instead of whatever was being said."""
        self._pcm = pcm.astype(np.int16)
        self.speech_frame = len(self.sent_ms)

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        index = len(self.sent_ms)
        if self._start is None:
            self._start = time.monotonic()
        elif (wait := self._start + index * 0.02 - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        chunk = np.zeros(FRAME, np.int16)
        if self.speech_frame is not None:
            piece = self._pcm[(index - self.speech_frame) * FRAME :][:FRAME]
            chunk[: piece.size] = piece
        frame = AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, index * FRAME, fractions.Fraction(1, RATE)
        self.sent_ms.append(time.time() * 1000)
        return frame


async def run_candidate(base: str, speech: dict, pcm: np.ndarray, delay_s: float, timeout_s: float) -> dict:
    """One candidate's interview; returns what it measured and whether anything it said was lost."""
    await asyncio.sleep(delay_s)
    track = SpeechTrack(pcm)
    out: dict = {"sent_latency_ms": [], "heard_latency_ms": [], "final_latency_ms": [], "ping_ms": [], "finals": [], "problems": []}
    shown: dict[int, float] = {}  # phrase id -> the latest word end a partial reached
    ended, live, seen = asyncio.Event(), {}, {}  # seen: message or connection state -> seconds since the offer
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/sessions", json={"questions": [{"text": QUESTION}]}) as r:
            session = await r.json()
            if r.status != 201:
                return {**out, "problems": [f"session not created: {r.status} {session}"]}
        auth = {"Authorization": f"Bearer {session['token']}"}
        pc = RTCPeerConnection()
        pc.addTransceiver(track, direction="sendrecv")
        channel = pc.createDataChannel("rehearse")

        @pc.on("track")
        def on_track(remote):
            async def drain():  # the interviewer's voice: received and decoded, as a page would
                while True:
                    try:
                        await remote.recv()
                    except Exception:
                        return

            asyncio.ensure_future(drain())

        async def ping():
            while channel.readyState == "open":
                channel.send(json.dumps({"v": 1, "type": "ping", "t": time.time() * 1000}))
                await asyncio.sleep(PING_EVERY_S)

        @channel.on("open")
        def on_open():
            channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0}))
            asyncio.ensure_future(ping())

        @pc.on("connectionstatechange")
        def on_state():
            seen[f"connection {pc.connectionState}"] = time.monotonic() - live.get("started", time.monotonic())

        @channel.on("message")
        def on_message(raw):
            now = time.time() * 1000
            m = json.loads(raw)
            seen[m["type"]] = time.monotonic() - live.get("started", time.monotonic())
            if m["type"] == "pong":
                out["ping_ms"].append(now - m["t"])
            elif m["type"] == "ping":  # the relay's link watchdog: unanswered pings would make it thin out partials
                channel.send(json.dumps({"v": 1, "type": "pong", "t": m["t"]}))
            elif m["type"] == "state" and m["status"] == "listening":
                track.speak()
            elif m["type"] == "transcript" and not m["final"]:
                words = m["words"]
                reached = shown.get(m["phrase_id"], -1.0)
                # each word once, when a partial first shows it: a word that begins where the words shown so far end,
                # or later (web/transcript.js; a partial that corrects words already shown for the same audio, as
                # the accurate partials' reads do, brings none)
                for word in (w for w in words if w["start"] >= reached - NEW_WORD_SLACK_S):
                    frame = min(max(0, math.ceil(word["end"] / 0.02) - 1), len(track.sent_ms) - 1)
                    out["sent_latency_ms"].append(now - track.sent_ms[frame])
                    if word.get("heard_ms"):
                        out["heard_latency_ms"].append(now - word["heard_ms"])
                shown[m["phrase_id"]] = max([reached, *(w["end"] for w in words)])
            elif m["type"] == "transcript":
                out["finals"].append({k: m[k] for k in ("seq", "phrase_id", "text", "start", "end")})
                if m.get("heard_ms"):
                    out["final_latency_ms"].append(now - m["heard_ms"])
            elif m["type"] == "ended":
                live["ended"] = time.monotonic()
                ended.set()

        try:
            await pc.setLocalDescription(await pc.createOffer())
            async with http.post(base + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=auth) as r:
                answer = await r.json()
                if r.status != 200:
                    return {**out, "problems": [f"offer refused: {r.status} {answer}"]}
            live["started"] = time.monotonic()
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
            await asyncio.wait_for(ended.wait(), timeout_s)
        except TimeoutError:
            last = ", ".join(f"{k} at {v:.1f} s" for k, v in sorted(seen.items(), key=lambda kv: kv[1])[-3:])
            out["problems"].append(f"the interview did not end within {timeout_s:.0f} s (last: {last})")
        finally:
            await pc.close()
        async with http.get(f"{base}/api/sessions/{session['session_id']}", headers=auth) as r:
            stored = (await r.json()).get("transcript", [])
    out["live_s"] = live.get("ended", time.monotonic()) - live.get("started", time.monotonic())
    out["sent_frames"] = len(track.sent_ms)
    out["problems"] += _lost(out["finals"], stored, speech, track.speech_frame)
    out["recall"] = recall(speech["text"], " ".join(f["text"] for f in out["finals"]))
    return out


def _lost(finals: list[dict], stored: list[dict], speech: dict, speech_frame: int | None) -> list[str]:
    problems = []
    if [(f["seq"], f["text"]) for f in finals] != [(s["seq"], s["text"]) for s in stored]:
        problems.append(f"finals received {[f['seq'] for f in finals]} differ from those persisted {[s['seq'] for s in stored]}")
    if [s["seq"] for s in stored] != list(range(1, len(stored) + 1)):
        problems.append("persisted seq numbers are not 1..n")
    if len({f["phrase_id"] for f in finals}) != len(finals):
        problems.append("a phrase was announced twice")
    if speech["expect_finals"]:
        if speech_frame is None:
            return [*problems, "the relay never started listening"]
        offset = speech_frame * 0.02
        for i, (start, end) in enumerate(speech["sentences"]):
            if not any(f["start"] <= offset + end and f["end"] >= offset + start for f in finals):
                problems.append(f"sentence {i + 1} has no final")
    elif finals:
        problems.append("forward_only produced finals")
    return problems


async def _drive(config: dict) -> list[dict]:
    pcm = decode_wav(Path(config["speech"]["wav"]), RATE)
    results = await asyncio.gather(
        *(run_candidate(config["base"], config["speech"], pcm, d, config["timeout_s"]) for d in config["delays"]), return_exceptions=True
    )
    failed = {"problems": [], "finals": [], "sent_frames": 0, "live_s": 0.0}
    return [r if isinstance(r, dict) else failed | {"problems": [f"client failed: {r!r}"]} for r in results]


# -- the server and the rounds ----------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and of its children it has reaped (espeak-ng), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _machine_busy_s() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat: everything but idle and iowait)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped children only: the client processes of past rounds
    return usage.ru_utime + usage.ru_stime


def _wait_until_idle(base: str, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            if json.loads(r.read())["live_sessions"] == 0:
                return True
        time.sleep(0.2)
    return False


def _clients(base: str, speech: Speech, n: int, expect_finals: bool) -> list[dict]:
    """N candidates in ceil(N / 4) client processes; their starts interleaved over STAGGER_S."""
    delays = [i * STAGGER_S / n for i in range(n)]
    processes = math.ceil(n / CLIENTS_PER_PROCESS)
    timeout_s = speech.seconds + 60
    spoken = {"wav": str(speech.wav), "text": speech.text, "sentences": speech.sentences, "expect_finals": expect_finals}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.load", "--drive", json.dumps({"base": base, "speech": spoken, "delays": delays[p::processes], "timeout_s": timeout_s})],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        for p in range(processes)
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=timeout_s + 90)
        lines = out.strip().splitlines()
        results += json.loads(lines[-1]) if proc.returncode == 0 and lines else [{"problems": [f"client process exited {proc.returncode}"]}]
    return results


def _streams_closed(log_path: Path, offset: int) -> list[int]:
    """Samples each forward-only stream received, from the server log lines written since `offset`."""
    with log_path.open("rb") as log:
        log.seek(offset)
        return [int(m.group(2)) for m in _CLOSED.finditer(log.read().decode(errors="replace"))]


def _frames_check(results: list[dict], received_samples: list[int]) -> tuple[list[str], int | None]:
    """Problems, and the most frames a stream missed. Streams and clients are paired by size (the log has no ids)."""
    sent = sorted(r.get("sent_frames", 0) for r in results)
    received = sorted(s // 320 for s in received_samples)  # 16 kHz after decoding: 320 samples per 20 ms frame
    if len(received) != len(sent):
        return [f"{len(received)} recognizer streams closed for {len(sent)} clients"], None
    missed = [want - got for got, want in zip(received, sent, strict=True)]
    return [f"a stream missed {m} of its client's frames" for m in missed if m > FRAME_SLACK], max(missed, default=0)


def _p95(values: list[float]) -> float | None:
    return percentiles(values)["p95"] if values else None


def run_round(base: str, pid: int, log_path: Path, speech: Speech, n: int, recognizer: str) -> dict:
    log_offset = log_path.stat().st_size
    started, cpu_before, clients_before, busy_before = time.monotonic(), cpu_seconds(pid), _children_cpu_s(), _machine_busy_s()
    results = _clients(base, speech, n, expect_finals=recognizer == "two_pass")
    window_s, cpu_s = time.monotonic() - started, cpu_seconds(pid) - cpu_before
    clients_s, busy_s = _children_cpu_s() - clients_before, _machine_busy_s() - busy_before
    problems = [p for r in results for p in r["problems"]]
    if not _wait_until_idle(base):
        problems.append("sessions still live 30 s after their clients left")
    frames_missed = None
    if recognizer == "forward_only":
        frame_problems, frames_missed = _frames_check(results, _streams_closed(log_path, log_offset))
        problems += frame_problems
    sent = [x for r in results for x in r.get("sent_latency_ms", [])]
    pings = [x for r in results for x in r.get("ping_ms", [])]
    session_s = sum(r.get("live_s", 0.0) for r in results)
    row = {
        "sessions": n,
        "transcript_p50_ms": percentiles(sent)["p50"] if sent else None,
        "transcript_p95_ms": _p95(sent),
        "transcript_heard_p95_ms": _p95([x for r in results for x in r.get("heard_latency_ms", [])]),
        "final_p95_ms": _p95([x for r in results for x in r.get("final_latency_ms", [])]),
        "ping_p95_ms": _p95(pings),
        "words_timed": len(sent),
        "recall": round(float(np.mean([r.get("recall", 0.0) for r in results])), 3) if recognizer == "two_pass" else None,
        "lost": len(problems),
        "frames_missed_max": frames_missed,
        "server_cpu_cores": round(cpu_s / window_s, 3),
        "cpu_per_session": round(cpu_s / session_s, 3) if session_s else None,
        "client_cpu_cores": round(clients_s / window_s, 3),
        # whatever else ran on the machine meanwhile (the figures are only as clean as this is small)
        "other_cpu_cores": round(max(0.0, busy_s - cpu_s - clients_s) / window_s, 3),
        "round_s": round(window_s, 1),
    }
    if recognizer == "two_pass":
        row["passed"] = not problems and bool(sent) and row["transcript_p95_ms"] < LATENCY_LIMIT_MS
    else:
        row["passed"] = not problems and bool(pings) and row["ping_p95_ms"] < LATENCY_LIMIT_MS
    if problems:
        row["problems"] = problems[:5]
    return row


def measure(recognizer: str, speech: Speech, folder: Path, steps: list[int], budget_s: float, **env: str) -> dict:
    """Rounds of growing N against one app process, until the criterion fails or the time budget would be overrun."""
    started, rounds, value, limited_by = time.monotonic(), [], 0, "steps"
    log_path = folder / f"server-{recognizer}.log"
    # The answer's 1.2 s pauses must not end it (each sentence is checked for a final): silence alone ends turns here.
    app_env = {"REHEARSE_RECOGNIZER": ENV[recognizer], "REHEARSE_MAX_LIVE_SESSIONS": str(max(steps)), "REHEARSE_TURN_MODEL": "none", **env}
    with running_app(folder / f"data-{recognizer}", log_path, **app_env) as (base, proc):
        for n in steps:
            if rounds and time.monotonic() - started + 1.2 * rounds[-1]["round_s"] > budget_s:
                limited_by = "time budget"
                break
            row = run_round(base, proc.pid, log_path, speech, n, recognizer)
            rounds.append(row)
            print(f"load {recognizer}: {json.dumps(row)}", file=sys.stderr, flush=True)
            if row["other_cpu_cores"] > 0.25:
                print(f"load: other processes used {row['other_cpu_cores']} cores during that round", file=sys.stderr)
            if not row["passed"]:
                limited_by = "criterion"
                break
            value = n
    return {"recognizer": recognizer, "value": value, "limited_by": limited_by, "rounds": rounds}


def metrics(result: dict) -> list[dict]:
    """The JSON lines of one recognizer's result: the largest N, and the CPU a session costs at that N."""
    recognizer, rounds = result["recognizer"], result["rounds"]
    criterion = (
        f"p95 transcript latency (client sends the audio -> partial word back) < {LATENCY_LIMIT_MS:.0f} ms and nothing lost"
        if recognizer == "two_pass"
        else f"every frame reached the recognizer stage and p95 ping < {LATENCY_LIMIT_MS:.0f} ms"
    )
    at = next((r for r in rounds if r["sessions"] == result["value"]), rounds[0] if rounds else {})
    return [
        {"metric": "concurrent_sessions_max", "recognizer": recognizer, "value": result["value"], "unit": "sessions",
         "criterion": criterion, "limited_by": result["limited_by"], "speech_s_per_client": result.get("speech_s"),
         "other_cpu_cores_max": max((r["other_cpu_cores"] for r in rounds), default=None), "rounds": rounds},
        {"metric": "cpu_per_session", "recognizer": recognizer, "value": at.get("cpu_per_session"), "unit": "cores per live session",
         "at_sessions": at.get("sessions"), "server_cpu_cores": at.get("server_cpu_cores")},
    ]


def run(recognizers: list[str], budget_s: float, steps: list[int] | None = None, sentences: int = SENTENCES) -> list[dict]:
    """Every recognizer in turn; each gets an equal share of what is left of the budget."""
    started, out = time.monotonic(), []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        speech = build_speech(folder, sentences)
        print(f"load: {speech.seconds:.1f} s of speech per client, {len(speech.sentences)} sentences", file=sys.stderr)
        for i, recognizer in enumerate(recognizers):
            share = (budget_s - (time.monotonic() - started)) / (len(recognizers) - i)
            result = measure(recognizer, speech, folder, steps or STEPS[recognizer], share)
            out += metrics(result | {"speech_s": round(speech.seconds, 1)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recognizers", default="two_pass,forward_only")
    parser.add_argument("--steps", help="comma-separated N to try, instead of each recognizer's default")
    parser.add_argument("--budget-s", type=float, default=330.0, help="time for all the rounds together")
    parser.add_argument("--sentences", type=int, default=SENTENCES)
    parser.add_argument("--drive", help=argparse.SUPPRESS)  # internal: a client process
    args = parser.parse_args()
    if args.drive:
        print(json.dumps(asyncio.run(_drive(json.loads(args.drive)))), flush=True)
        return
    steps = [int(s) for s in args.steps.split(",")] if args.steps else None
    for line in run(args.recognizers.split(","), args.budget_s, steps, args.sentences):
        emit(line.pop("metric"), **line)


if __name__ == "__main__":
    main()
