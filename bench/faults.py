"""Benchmark of resilience: how fast an interview resumes after a blackout, and that no final is lost under faults.

    python -m bench.faults              (also part of `make bench`; about 4 minutes)
    python -m bench.faults --handover   (the relay-replica handover alone; about 1.5 minutes)

resume_ms      link restored -> the next data channel message in the page (Chromium), over 5 blackouts of 3-10 s
               in one answer; the link is tests/support/impaired_link.py
segments_lost  finals persisted but never delivered to the candidate, or delivered twice; one line per fault:
               the blackouts (the page), a lossy link (10 % loss, 150 ms each way) and the relay killed (SIGKILL)
               and restarted mid-answer (the aiortc client of tests/faults/client.py), and sessions handed over
               between two relay replicas. Must be 0.
handover_ms    the reconnect's offer answered by the other relay replica -> the first transcript message (partial or
               final) on the new connection: two `rehearse.local` processes on one data dir behind a round-robin proxy
               (tests/handover/), the page moving between them every few seconds of one answer, and once the replica
               holding the session killed (SIGKILL)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import percentiles
from tests.faults.app import AppProcess
from tests.faults.browser import FaultyPage, microphone_wav
from tests.faults.client import STORY, FaultClient, segments_lost, spoken, until
from tests.handover.client import MovingClient
from tests.handover.proxy import RoundRobinProxy
from tests.support.impaired_link import ImpairedLink

BLACKOUTS_S = [3, 6, 10, 4, 8]
BETWEEN_S = 5  # talking on a healthy link between two blackouts
HANDOVERS = 4  # moves between the two replicas in one answer, then the holder is killed once
ONE_QUESTION = {"questions": [{"text": "Tell me about a project you led."}]}


def _progress(text: str) -> None:
    print(f"faults: {text}", file=sys.stderr, flush=True)


async def _lost(client: FaultClient) -> int:
    return segments_lost((await client.stored())["transcript"], client.finals)


async def blackouts(base: str, tmp: Path) -> tuple[list[float], int]:
    """The page in Chromium through one answer long enough for every blackout, each followed by talk on a healthy link."""
    from playwright.async_api import async_playwright

    talk_s = sum(BLACKOUTS_S) + BETWEEN_S * (len(BLACKOUTS_S) + 2)
    sentences = (STORY * 10)[: int(talk_s / 3.2) + 1]  # about 3.2 s per sentence with its pause
    wav = microphone_wav(tmp / "blackouts.wav", spoken(sentences))
    async with async_playwright() as playwright, ImpairedLink(seed=21) as link:
        page = await FaultyPage(playwright, base, wav, link, ONE_QUESTION["questions"]).start()
        try:
            await page.page.wait_for_selector("#transcript .line.final", timeout=60_000)
            resumes = []
            for seconds in BLACKOUTS_S:
                link.cut()
                await asyncio.sleep(seconds)
                restored_ms = link.restore()
                await asyncio.sleep(BETWEEN_S)
                after = [m["at"] for m in await page.received() if m["at"] >= restored_ms]
                if not after:
                    raise RuntimeError(f"nothing reached the page within {BETWEEN_S} s of a {seconds} s blackout")
                resumes.append(after[0] - restored_ms)
                _progress(f"{seconds} s blackout: the page heard from the relay {resumes[-1]:.0f} ms after the link returned")
            if not await page.ended(60):
                raise RuntimeError("the interview did not end after the blackouts")
            delivered = [m for m in await page.received() if m["type"] == "transcript" and m["final"]]
            return resumes, segments_lost((await page.stored())["transcript"], delivered)
        finally:
            await page.close()


async def lossy_link(base: str) -> int:
    async with ImpairedLink(loss=0.10, delay_s=0.15, seed=22) as link:
        client = FaultClient(base, [spoken(STORY[:3])], link)
        await client.run(ONE_QUESTION, timeout_s=90)
        return await _lost(client)


async def relay_killed(app: AppProcess) -> int:
    client = FaultClient(app.base_url, [spoken(STORY[:5])])
    run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=120))
    await until(lambda: len(client.finals) >= 1, 60, "a final before the kill")
    app.kill()
    await asyncio.to_thread(app.start)
    await run
    return await _lost(client)


async def handovers(tmp: Path) -> tuple[list[float], float, int]:
    """handover_ms of each move between two live replicas, of the holder killed, and the segments lost in both."""
    apps = [AppProcess(tmp / "replicas", tmp / f"replica-{i}.log") for i in range(2)]
    try:
        await asyncio.gather(*(asyncio.to_thread(app.start) for app in apps))
        async with RoundRobinProxy([app.base_url for app in apps]) as proxy:
            client = MovingClient(proxy.base_url, [spoken(STORY * 2)])
            run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=120))
            await until(lambda: len(client.finals) >= 1, 60, "a final before the first move")
            for _ in range(HANDOVERS):
                client.move()
                moved = len(client.left)
                await until(lambda: client.connections > moved and client.connections in client.answered_ms, 20, "the next offer")  # noqa: B023
                await asyncio.sleep(4)
            moves = [client.handover_ms(n) for n in range(2, client.connections + 1)]
            apps[proxy.offers[-1]].kill()
            killed_at = client.connections
            await until(lambda: client.connections > killed_at and client.connections in client.answered_ms, 30, "the reconnect")
            await until(lambda: client.handover_ms(client.connections) is not None, 20, "the transcript after the kill")
            killed = client.handover_ms(client.connections)
            await run
            lost = await _lost(client)
    finally:
        for app in apps:
            app.stop()
    if None in moves or killed is None:
        raise RuntimeError(f"the transcript did not flow again after every handover: {moves}, killed: {killed}")
    return moves, killed, lost


async def measure_handovers(tmp: Path) -> list[dict]:
    moves, killed, lost = await handovers(tmp)
    _progress(f"handovers: {[round(m) for m in moves]} ms between live replicas, {killed:.0f} ms after the holder was killed")
    return [
        {"metric": "handover_ms", **percentiles([*moves, killed]), "moves": len(moves), "holder_killed_ms": round(killed, 1),
         "replicas": 2, "client": "aiortc (tests/handover/client.py)"},
        {"metric": "segments_lost", "value": lost, "unit": "segments", "target": 0,
         "fault": f"{len(moves)} reconnects alternating between two relay replicas, then the holder killed (SIGKILL)"},
    ]  # fmt: skip


async def measure(tmp: Path) -> list[dict]:
    app = AppProcess(tmp / "data", tmp / "server.log")
    await asyncio.to_thread(app.start)
    try:
        resumes, lost_in_blackouts = await blackouts(app.base_url, tmp)
        lost_in_loss = await lossy_link(app.base_url)
        _progress(f"lossy link: {lost_in_loss} segments lost")
        lost_in_kill = await relay_killed(app)
        _progress(f"relay killed: {lost_in_kill} segments lost")
    finally:
        app.stop()
    lost = {"unit": "segments", "target": 0}
    return [
        {"metric": "resume_ms", **percentiles(resumes), "target_p95": 3000, "blackouts_s": BLACKOUTS_S, "client": "chromium page"},
        {"metric": "segments_lost", "value": lost_in_loss, **lost, "fault": "10 % loss, 150 ms each way, the whole session"},
        {"metric": "segments_lost", "value": lost_in_blackouts, **lost, "fault": f"{len(BLACKOUTS_S)} blackouts of 3-10 s in one answer (page)"},
        {"metric": "segments_lost", "value": lost_in_kill, **lost, "fault": "relay SIGKILL and restart mid-answer"},
        *await measure_handovers(tmp),
    ]


def run(only_handover: bool = False) -> list[dict]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        lines = asyncio.run((measure_handovers if only_handover else measure)(Path(tmp)))
    _progress(f"took {time.monotonic() - started:.0f} s")
    return lines


if __name__ == "__main__":
    from bench.run import emit

    for line in run(only_handover="--handover" in sys.argv[1:]):
        emit(line.pop("metric"), **line)
