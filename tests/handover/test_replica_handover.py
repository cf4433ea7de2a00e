"""Sessions move between relay replicas: two `rehearse.local` processes on one SQLite data dir, behind a round-robin
proxy with no sticky sessions (tests/handover/proxy.py). A reconnect may land on either replica; it resumes from the
Store with nothing lost or repeated, and the replica that held the session lets go by itself within a few seconds
(the lease: rehearse/domain/lease.py, media_relay/ownership.py)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest

from tests.faults.app import AppProcess
from tests.faults.client import STORY, segments_lost, spoken, until
from tests.handover.client import MovingClient
from tests.handover.proxy import RoundRobinProxy

ONE_QUESTION = {"questions": [{"text": "Tell me about a project you led."}]}
LET_GO_S = 5.0  # the old replica closes the connection it no longer holds within this long of the new offer's answer


def live_sessions(app: AppProcess) -> int:
    with urllib.request.urlopen(app.base_url + "/healthz", timeout=2) as r:
        return json.loads(r.read())["live_sessions"]


@pytest.fixture(scope="module")
async def replicas(tmp_path_factory, artifacts):
    data_dir = tmp_path_factory.mktemp("replicas-data")
    apps = [AppProcess(data_dir, artifacts / f"handover-replica-{i}.log") for i in range(2)]
    try:
        await asyncio.gather(*(asyncio.to_thread(app.start) for app in apps))
        async with RoundRobinProxy([app.base_url for app in apps]) as proxy:
            yield apps, proxy
    finally:
        for app in apps:
            app.stop()


def assert_nothing_lost_or_repeated(client: MovingClient, stored: dict) -> None:
    persisted = [s["seq"] for s in stored["transcript"]]
    assert [f["seq"] for f in client.finals] == persisted, "every persisted final reached the client once, in order"
    assert persisted == list(range(1, len(persisted) + 1)), "seq numbers neither repeat nor skip"
    assert segments_lost(stored["transcript"], client.finals) == 0
    texts = [s["text"] for s in stored["transcript"]]
    assert len(set(texts)) == len(texts), f"a phrase was recorded twice: {texts}"


@pytest.fixture(scope="module")
async def moved_mid_answer(replicas):
    """(a) One long answer; after its first final the page moves, and its next offer lands on the other replica."""
    apps, proxy = replicas
    client = MovingClient(proxy.base_url, [spoken(STORY[:6])])
    run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=150))
    await until(lambda: len(client.finals) >= 1, 60, "a final before the move")
    client.move()
    await until(lambda: len(proxy.offers) >= 2 and client.left[0].closed_ms is not None or run.done(), 30, "the old connection closed")
    old = apps[proxy.offers[0]]
    await until(lambda: live_sessions(old) == 0, 15, "the old replica to forget the session")  # after its last finals
    forgotten_ms = time.time() * 1000
    await run
    return {"client": client, "stored": await client.stored(), "offers": list(proxy.offers), "forgotten_ms": forgotten_ms}


def test_a_reconnect_on_the_other_replica_resumes_with_nothing_lost_or_repeated(moved_mid_answer):
    client, stored = moved_mid_answer["client"], moved_mid_answer["stored"]
    assert moved_mid_answer["offers"][:2] in ([0, 1], [1, 0]), "the reconnect landed on the other replica"
    assert stored["status"] == "ended"
    assert_nothing_lost_or_repeated(client, stored)
    moved_ms = client.left[0].at_ms
    assert any(r.received_ms > moved_ms for r in client.received if r.message["type"] == "transcript" and r.message["final"]), \
        "the answer went on being transcribed on the new replica"


def test_the_old_replica_closes_the_connection_it_no_longer_holds_within_seconds(moved_mid_answer):
    client = moved_mid_answer["client"]
    left = client.left[0]
    assert left.closed_ms is not None, "the old replica never let go"
    assert left.closed_ms - client.answered_ms[2] <= LET_GO_S * 1000
    assert moved_mid_answer["forgotten_ms"] - client.answered_ms[2] <= 3 * LET_GO_S * 1000, "its last finals took too long"
    assert not [r for r in client.stale if r.received_ms > left.closed_ms], "the old replica spoke after closing"


def test_transcript_flows_again_soon_after_the_handover(moved_mid_answer):
    handover = moved_mid_answer["client"].handover_ms(2)
    assert handover is not None and handover < 5000, handover


@pytest.fixture(scope="module")
async def alternating(replicas, moved_mid_answer):
    """(c) Both replicas alive, the page moving every few seconds: its offers alternate between them."""
    apps, proxy = replicas
    before = len(proxy.offers)
    client = MovingClient(proxy.base_url, [spoken(STORY)])
    run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=150))
    await until(lambda: len(client.finals) >= 1, 60, "a final before the first move")
    for _ in range(3):
        client.move()
        moved = len(client.left)
        await until(lambda: client.connections > moved and client.connections in client.answered_ms, 20, "the next connection")  # noqa: B023
        await asyncio.sleep(4)
    await run
    return {"client": client, "stored": await client.stored(), "offers": proxy.offers[before:]}


def test_a_page_alternating_between_replicas_loses_and_repeats_nothing(alternating):
    client, stored = alternating["client"], alternating["stored"]
    offers = alternating["offers"]
    assert len(offers) >= 4 and all(a != b for a, b in zip(offers, offers[1:], strict=False)), offers
    assert stored["status"] == "ended"
    assert_nothing_lost_or_repeated(client, stored)


def test_each_replica_left_behind_closes_its_connection_within_seconds(alternating):
    client = alternating["client"]
    for left in client.left:
        assert left.closed_ms is not None, f"connection {left.connection} was never closed by its replica"
        assert left.closed_ms - client.answered_ms[left.connection + 1] <= LET_GO_S * 1000, left


@pytest.fixture(scope="module")
async def holder_killed(replicas, alternating):
    """(b) The replica holding the session is killed (SIGKILL) mid-answer; the page reconnects to the other one."""
    apps, proxy = replicas
    client = MovingClient(proxy.base_url, [spoken(STORY[:5])])
    run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=150))
    await until(lambda: len(client.finals) >= 1, 60, "a final before the kill")
    holder = proxy.offers[-1]
    apps[holder].kill()
    killed_ms = time.time() * 1000
    await run
    return {"client": client, "stored": await client.stored(), "holder": holder, "offers": list(proxy.offers), "killed_ms": killed_ms}


def test_the_holding_replica_killed_the_other_resumes_with_nothing_lost_or_repeated(holder_killed):
    client, stored = holder_killed["client"], holder_killed["stored"]
    assert holder_killed["offers"][-1] != holder_killed["holder"]
    assert stored["status"] == "ended"
    assert_nothing_lost_or_repeated(client, stored)
    assert any(r.received_ms > holder_killed["killed_ms"] for r in client.received if r.message["type"] == "transcript"), \
        "the answer went on being transcribed on the surviving replica"
    handover = client.handover_ms(client.connections)
    assert handover is not None and handover < 8000, handover
