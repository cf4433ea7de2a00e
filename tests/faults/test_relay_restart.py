"""The relay process killed (SIGKILL) and started again on the same port and data dir, twice: in the middle of an
answer, and the moment the last answer of an aiortc candidate is closed while its feedback is still queued. The
candidates (that one, and the page in Chromium, interviewed at the same time) get everything they missed exactly
once and carry on at the current question; the feedback queue delivers what the dead process left (a duplicate
changes nothing, a message that always fails lands in the poison queue with its reason)."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import async_playwright

from rehearse.adapters.local.in_process_queue import PENDING, POISON, InProcessQueue
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.domain.events import QUEUE_FOR
from tests.faults.app import AppProcess
from tests.faults.browser import FaultyPage, microphone_wav
from tests.faults.client import STORY, FaultClient, segments_lost, spoken, until

QUESTIONS = {"questions": [{"text": "Why this role?"}, {"text": "Tell me about a project."}]}
MISSING_QUESTION = "q-missing"


async def _report(stored, timeout_s: float) -> dict:
    """The session as stored once its report is there (or as it is when time runs out)."""
    deadline = time.monotonic() + timeout_s
    while True:
        session = await stored()
        if session["feedback"]["report"] is not None or time.monotonic() > deadline:
            return session
        await asyncio.sleep(0.5)


async def _leave_in_the_queue(db, session_id: str) -> None:
    """What a crash can leave behind: a message delivered before (q1's answer again) and one that can never succeed."""
    store = SqliteStore(db)
    queue = InProcessQueue(store=store)  # no handler subscribed: the messages wait in the store
    completed = QUEUE_FOR["answer.completed"]
    await queue.send(completed, {"v": 1, "type": "answer.completed", "session_id": session_id, "question_id": "q1", "segment_ids": []})
    await queue.send(completed, {"v": 1, "type": "answer.completed", "session_id": session_id, "question_id": MISSING_QUESTION, "segment_ids": []})
    await store.close()


@pytest.fixture(scope="module")
async def restarted(tmp_path_factory, artifacts):
    """An aiortc candidate (two questions) and the page in Chromium (one long answer) on the same relay process."""
    data_dir = tmp_path_factory.mktemp("restart-data")
    wav = microphone_wav(data_dir / "page.wav", spoken(STORY + STORY[:2]))
    app = AppProcess(data_dir, artifacts / "faults-restart.log", REHEARSE_QUEUE_MAX_DEQUEUE="2")
    await asyncio.to_thread(app.start)
    try:
        async with async_playwright() as playwright:
            page = await FaultyPage(playwright, app.base_url, wav, None, [{"text": "Tell me about a project."}]).start()
            try:
                client = FaultClient(app.base_url, [spoken(STORY[:1]), spoken(STORY[1:5])])
                run = asyncio.ensure_future(client.run(QUESTIONS, timeout_s=150))
                await until(lambda: client.speaking == 1, 60, "the second question")
                await until(lambda: any(f["question_id"] == "q2" for f in client.finals), 15, "a final of the second answer")
                await page.page.wait_for_selector("#transcript .line.final", timeout=10_000)
                app.kill()
                killed_ms = time.time() * 1000
                await asyncio.to_thread(app.start)
                await until(lambda: any(r.received_ms > killed_ms for r in client.of_type("question")), 30, "the resumed question")
                first_score = (await client.stored())["feedback"]["scores"]
                await until(lambda: len(client.of_type("answer_end")) == 2, 60, "the end of the last answer")
                app.kill()  # its answer.completed and interview.ended are queued, not yet handled
                await _leave_in_the_queue(data_dir / "rehearse.sqlite3", client.session["session_id"])
                await asyncio.to_thread(app.start)
                await run
                stored = await _report(client.stored, 30)
                page_ended = await page.ended(60)
                page_outcome = {
                    "ended": page_ended,
                    "received": await page.received(),
                    "shown": await page.shown_finals(),
                    "metrics": await page.metrics(),
                    "stored": await _report(page.stored, 30 if page_ended else 1),
                }
            finally:
                await page.close()
        store = SqliteStore(data_dir / "rehearse.sqlite3")
        poisoned = await store.list(POISON, client.session["session_id"])
        left = await store.list(PENDING, "pending")
        await store.close()
    finally:
        app.stop()
    return {
        "client": client, "stored": stored, "killed_ms": killed_ms, "first_score": first_score, "poisoned": poisoned, "left": left,
        "page": page_outcome,
    }


def test_the_candidate_gets_every_final_exactly_once(restarted):
    client, stored = restarted["client"], restarted["stored"]
    assert [f["seq"] for f in client.finals] == [s["seq"] for s in stored["transcript"]]
    assert segments_lost(stored["transcript"], client.finals) == 0
    assert len({s["segment_id"] for s in stored["transcript"]}) == len({s["seq"] for s in stored["transcript"]}) == len(stored["transcript"])


def test_the_interview_continues_at_the_current_question_and_finishes(restarted):
    client, stored = restarted["client"], restarted["stored"]
    assert client.connections >= 2
    resumed = [r.message["index"] for r in client.of_type("question") if r.received_ms > restarted["killed_ms"]]
    assert resumed and set(resumed) == {1}
    assert stored["status"] == "ended"
    assert any(s["question_id"] == "q2" for s in stored["transcript"])


def test_feedback_left_by_the_killed_process_is_computed(restarted):
    feedback = restarted["stored"]["feedback"]
    assert feedback["report"] is not None, "the report of an interview whose process died was never computed"
    assert {q["question_id"] for q in feedback["report"]["questions"]} == {"q1", "q2"}
    assert restarted["left"] == [], "messages still waiting after the restart"


def test_a_duplicate_delivery_computes_nothing_twice(restarted):
    scores = restarted["stored"]["feedback"]["scores"]
    assert sorted(s["question_id"] for s in scores) == ["q1", "q2"]
    [first] = restarted["first_score"]
    assert next(s for s in scores if s["question_id"] == "q1") == first


def test_a_message_that_always_fails_lands_in_the_poison_queue_with_its_reason(restarted):
    [entry] = restarted["poisoned"]
    assert entry["queue"] == QUEUE_FOR["answer.completed"] and entry["message"]["question_id"] == MISSING_QUESTION
    assert MISSING_QUESTION in entry["reason"] and entry["dequeue_count"] == 2


def test_the_page_reconnects_by_itself_and_shows_every_final_exactly_once(restarted):
    page = restarted["page"]
    after_kill = [m for m in page["received"] if m["at"] > restarted["killed_ms"]]
    assert after_kill, "the page never heard from the restarted relay"
    assert page["metrics"]["resumes"] >= 1
    assert {m["index"] for m in after_kill if m["type"] == "question"} == {0}
    assert page["ended"]
    persisted = page["stored"]["transcript"]
    assert [line["seq"] for line in page["shown"]] == [s["seq"] for s in persisted]
    delivered = [m for m in page["received"] if m["type"] == "transcript" and m["final"]]
    assert segments_lost(persisted, delivered) == 0
    assert page["stored"]["feedback"]["report"] is not None


def test_an_answer_under_way_is_not_interrupted_by_the_question_read_out_again(restarted):
    after = [r for r in restarted["client"].of_type("state") if r.received_ms > restarted["killed_ms"]]
    asking = next(r for r in after if r.message["status"] == "asking")
    listening = next(r for r in after if r.message["status"] == "listening" and r.received_ms >= asking.received_ms)
    assert listening.received_ms - asking.received_ms < 500, "the resumed question was spoken again mid-answer"
