"""A flaky network between an aiortc candidate and the relay (tests/support/impaired_link.py): every final the relay
persisted reaches the candidate exactly once, and the session resumes soon after the link returns."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.client import STORY, FaultClient, segments_lost, spoken, until
from tests.support.audio import recall
from tests.support.impaired_link import ImpairedLink

ONE_QUESTION = {"questions": [{"text": "Tell me about a project."}]}


def assert_each_final_once_in_order(client: FaultClient, stored: dict) -> None:
    persisted = [s["seq"] for s in stored["transcript"]]
    delivered = [f["seq"] for f in client.finals]
    assert delivered == persisted, (delivered, persisted)
    assert len(set(delivered)) == len(delivered)
    assert segments_lost(stored["transcript"], client.finals) == 0


@pytest.fixture(scope="module")
async def lossy(app_url):
    """A whole answer over a link that loses 10 % of the packets and delays each by 150 ms, both ways."""
    async with ImpairedLink(seed=7) as link:
        client = FaultClient(app_url, [spoken(STORY[:3])], link)
        run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=100))
        await until(lambda: client.speaking == 0, 30, "the question")
        link.impair(loss=0.10, delay_s=0.15)
        await run
        return {"client": client, "stored": await client.stored(), "counts": link.counts}


async def test_a_lossy_link_loses_no_final(lossy):
    client, stored = lossy["client"], lossy["stored"]
    assert stored["status"] == "ended" and client.of_type("ended")
    assert lossy["counts"]["up_dropped"] > 50 and lossy["counts"]["down_dropped"] > 50  # the link really was lossy
    assert stored["transcript"], "nothing was recognized"
    assert_each_final_once_in_order(client, stored)


async def test_words_still_get_through_a_lossy_link(lossy):
    heard = " ".join(f["text"] for f in lossy["client"].finals)
    assert recall(" ".join(STORY[:3]), heard) >= 0.6, heard


@pytest.fixture(scope="module")
async def blackout(app_url):
    """A 10-second blackout (nothing passes either way) in the middle of an answer."""
    async with ImpairedLink(seed=11) as link:
        client = FaultClient(app_url, [spoken(STORY[:5])], link)
        run = asyncio.ensure_future(client.run(ONE_QUESTION, timeout_s=120))
        await until(lambda: client.speaking == 0, 30, "the first question")
        await until(lambda: len(client.finals) >= 1, 15, "a final before the blackout")
        link.cut()
        cut_ms = time.time() * 1000
        await asyncio.sleep(10)
        restored_ms = link.restore()
        await run
        return {"client": client, "stored": await client.stored(), "cut_ms": cut_ms, "restored_ms": restored_ms}


async def test_a_blackout_loses_no_final(blackout):
    client, stored = blackout["client"], blackout["stored"]
    assert stored["status"] == "ended"
    assert_each_final_once_in_order(client, stored)
    before = [r for r in client.received if r.received_ms < blackout["cut_ms"] and r.message["type"] == "transcript" and r.message["final"]]
    after = [r for r in client.received if r.received_ms > blackout["restored_ms"] and r.message["type"] == "transcript" and r.message["final"]]
    assert before and after, "the answer was heard on both sides of the blackout"


async def test_the_session_resumes_within_3_s_of_the_link_returning(blackout):
    client = blackout["client"]
    assert any(blackout["cut_ms"] < lost <= blackout["restored_ms"] for lost in client.lost_at_ms), "the client noticed the blackout"
    first = client.first_message_after(blackout["restored_ms"])
    assert first is not None
    assert first.received_ms - blackout["restored_ms"] <= 3000, first


async def test_the_interview_resumes_at_the_same_question(blackout):
    client = blackout["client"]
    resumed = [r for r in client.of_type("question") if r.received_ms > blackout["restored_ms"]]
    assert resumed and all(r.message["index"] == 0 for r in resumed)
    assert [r.message["reason"] for r in client.of_type("answer_end")] in (["silence"], ["next"])
