"""Load: a flood of POST /api/sessions from one address is refused with 429 while a normal candidate, from another
address, creates a session and holds an interview in parallel, untouched. Real sockets on 127.0.0.1 against the
embedded default; the flood comes from 127.0.0.2 (any 127/8 address is the loopback on Linux)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from tests.support.audio import answer_wav
from tests.support.live_interview import create_session, interview
from tests.support.server import running_app

FLOOD = 200
PER_ADDRESS = 20


@pytest.fixture(scope="module")
def app(tmp_path_factory, artifacts):
    env = {"REHEARSE_QUOTA_SESSIONS_PER_ADDRESS_PER_HOUR": str(PER_ADDRESS), "REHEARSE_PRELOAD_MODELS": "false"}
    with running_app(tmp_path_factory.mktemp("flood"), artifacts / "server-quota-flood.log", **env) as (base, _proc):
        yield base


async def flood(base: str) -> list[tuple[int, dict, dict, float]]:
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0), limit=50)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one():
            started = time.perf_counter()
            status, body, headers = await create_session(http, base)
            return status, body, headers, time.perf_counter() - started

        return await asyncio.gather(*(one() for _ in range(FLOOD)))


async def candidate(base: str, wav: str) -> tuple[int, float, list[dict]]:
    async with aiohttp.ClientSession() as http:  # from 127.0.0.1
        started = time.perf_counter()
        status, session, _ = await create_session(http, base)
        created_s = time.perf_counter() - started
    assert status == 201, session
    return status, created_s, await interview(base, session, wav)


async def test_a_flood_from_one_address_is_refused_while_a_candidates_interview_goes_on(app, tmp_path, artifacts):
    wav = str(answer_wav(tmp_path / "answer.wav"))
    started = time.perf_counter()
    flood_task = asyncio.create_task(flood(app))
    await asyncio.sleep(0.3)  # the flood is under way when the candidate creates a session
    status, created_s, messages = await candidate(app, wav)
    flooded = await flood_task
    flood_s = time.perf_counter() - started

    statuses = [s for s, *_ in flooded]
    assert statuses.count(201) == PER_ADDRESS and statuses.count(429) == FLOOD - PER_ADDRESS
    refused = [(body, headers) for s, body, headers, _ in flooded if s == 429]
    assert all(b["error"]["code"] == "quota_exceeded" and int(h["Retry-After"]) >= 1 for b, h in refused)

    assert status == 201
    assert messages[-1]["type"] == "ended" and [m["reason"] for m in messages if m["type"] == "answer_end"] == ["silence"]
    assert [m for m in messages if m["type"] in ("limit", "error")] == []
    assert any(m["type"] == "transcript" and m.get("final") and m["text"].strip() for m in messages)

    latencies = sorted(t for *_, t in flooded)
    figures = {
        "flood_requests": FLOOD, "accepted": statuses.count(201), "refused_429": statuses.count(429),
        "wall_s": round(flood_s, 2), "flood_p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "flood_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000),
        "candidate_create_ms": round(created_s * 1000), "candidate_finals": sum(1 for m in messages if m["type"] == "transcript" and m.get("final")),
    }  # fmt: skip
    (artifacts / "quota-flood.json").write_text(json.dumps(figures, indent=2))
    print(figures)
