"""The relay killed (SIGKILL) the moment it has asked a follow-up, and started again on the same port and data dir: the
candidate gets the follow-up again after reconnecting, exactly once, no second follow-up is asked, the answer to it
is kept under the same question, and no final is lost or repeated."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.test_follow_ups import ANSWER, BODY, FOLLOW_UP_ANSWER
from tests.faults.app import AppProcess
from tests.faults.client import FaultClient, segments_lost, spoken, until


@pytest.fixture(scope="module")
async def restarted(tmp_path_factory, artifacts):
    app = AppProcess(tmp_path_factory.mktemp("follow-up-restart"), artifacts / "faults-follow-up-restart.log")
    await asyncio.to_thread(app.start)
    try:
        client = FaultClient(app.base_url, [spoken(ANSWER, gap_s=0.4)], follow_up_answers={0: spoken(FOLLOW_UP_ANSWER, gap_s=0.4)})
        run = asyncio.ensure_future(client.run(BODY, timeout_s=180))
        await until(lambda: client.of_type("follow_up"), 90, "a follow-up")
        app.kill()
        await asyncio.to_thread(app.start)
        await run
        return client, await client.stored()
    finally:
        app.stop()


async def test_the_follow_up_survives_a_relay_restart_once_and_is_answered(restarted):
    client, stored = restarted
    assert client.connections >= 2
    shown = [r for r in client.of_type("follow_up")]
    assert {r.message["n"] for r in shown} == {1} and [f["n"] for f in stored["follow_ups"]] == [1]
    assert len({r.connection for r in shown}) == len(shown)  # shown at most once per connection
    assert [r.message["question_id"] for r in client.of_type("answer_end")] == ["swe-01"]
    said = " ".join(f["text"] for f in client.finals if f["question_id"] == "swe-01").lower()
    assert "refund service" in said or "refunds now take" in said or "support tickets" in said, said


async def test_no_final_is_lost_or_repeated(restarted):
    client, stored = restarted
    assert segments_lost(stored["transcript"], client.finals) == 0
