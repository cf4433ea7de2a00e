"""The feedback functions on the embedded default: real store, real queue, real models; at-least-once safe."""

from __future__ import annotations

import asyncio

import pytest

from rehearse.adapters.local.in_process_queue import InProcessQueue
from rehearse.app.feedback_pipeline import EVALUATIONS, REPORTS, SCORES, SUMMARIES, FeedbackPipeline
from rehearse.app.sessions import parse_create_request
from rehearse.config import build_world
from rehearse.domain.events import QUEUE_FOR
from rehearse.domain.model import Segment, Word, segment_id_for
from rehearse.settings import Settings
from tests.support.publisher import RecordingPublisher
from tests.support.server import EMBEDDER_DIR

STRONG = (
    "At my last company our checkout page was slow and customers abandoned their carts. I was responsible for "
    "fixing it within one quarter. I profiled the service, added caching for the pricing calls and rewrote the "
    "slowest query. As a result page load time dropped from four seconds to one second and conversion grew by "
    "twelve percent."
)
WEAK = "Um, I guess we, uh, sort of worked on some stuff, like, maybe performance things, I think it was fine."


def timed_words(text: str, start: float, wpm: float = 140) -> list[Word]:
    step = 60 / wpm
    return [Word(w=w, start=round(start + i * step, 2), end=round(start + (i + 0.8) * step, 2), conf=0.9) for i, w in enumerate(text.split())]


@pytest.fixture
async def world(tmp_path):
    settings = Settings(data_dir=tmp_path, embedder_model_dir=EMBEDDER_DIR)
    queue = InProcessQueue(backoff_s=0.01)
    w = build_world(settings, RecordingPublisher(), queue)
    FeedbackPipeline(w).subscribe(queue)
    yield w
    await w.close()


async def run_interview(world, answers: list[str]) -> str:
    sessions = world.sessions
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": len(answers)}))
    sid = session.session_id
    await sessions.open_connection(sid)
    writer = await sessions.transcript_writer(sid)
    for index, (question, text) in enumerate(zip(session.questions, answers, strict=True)):
        words = timed_words(text, start=index * 100.0)
        await writer.record(
            Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, 100 + index), question_id=question.id, phrase_id=100 + index,
                    text=text, start=words[0].start, end=words[-1].end, confidence=0.9, words=words, fillers=["um"] if "Um" in text else [])
        )
        await sessions.close_answer(sid, index, "silence")
    await world.queue.drain(60)
    return sid


async def documents(world, sid):
    return {c: sorted((d for d in await world.store.list(c, sid)), key=lambda d: d.get("id", "")) for c in (SCORES, EVALUATIONS, SUMMARIES, REPORTS)}


async def test_an_interview_gets_scores_summaries_and_a_report(world):
    sid = await run_interview(world, [STRONG, WEAK])
    docs = await documents(world, sid)
    assert len(docs[SCORES]) == 2 and len(docs[EVALUATIONS]) == 2 and len(docs[SUMMARIES]) == 2
    [report] = docs[REPORTS]
    by_question = {q["question_id"]: q["overall"] for q in report["questions"]}
    assert by_question["swe-01"] > by_question["swe-02"]
    assert report["recommendations"] and report["rubric"]["version"]
    kinds = [e["type"] for e in world.publisher.events]
    assert kinds.count("answer.scored") == 2 and kinds.count("question.summary") == 2 and "report.ready" in kinds
    assert all(2 <= len(s["bullets"]) <= 5 for s in docs[SUMMARIES])
    exported = await world.blobs.get(REPORTS, f"{sid}/report.json")
    assert exported is not None and b'"overall"' in exported


async def test_every_message_delivered_twice_changes_nothing(world):
    sid = await run_interview(world, [STRONG, WEAK])
    before = await documents(world, sid)
    session = await world.sessions.get(sid)
    for question in session.questions:
        await world.queue.send(QUEUE_FOR["answer.completed"], {"type": "answer.completed", "session_id": sid, "question_id": question.id, "segment_ids": []})
        await world.queue.send(QUEUE_FOR["answer.scored"], {"type": "answer.scored", "session_id": sid, "question_id": question.id, "score_id": f"{sid}.{question.id}.score"})
    await world.queue.send(QUEUE_FOR["interview.ended"], {"type": "interview.ended", "session_id": sid})
    await world.queue.drain(60)
    assert await documents(world, sid) == before
    assert world.queue.poisoned == {}


async def test_a_malformed_message_lands_in_the_poison_queue(world):
    await world.queue.send(QUEUE_FOR["answer.scored"], {"what": "ever"})
    await world.queue.drain(60)
    reasons = [e["reason"] for entries in world.queue.poisoned.values() for e in entries]
    assert reasons and all("InvalidRequest" in r for r in reasons)


async def test_messages_for_a_deleted_session_are_acknowledged_and_dropped(world, caplog):
    sid = await run_interview(world, [STRONG])
    question_id = (await world.sessions.get(sid)).questions[0].id
    await world.sessions.delete(sid, world.blobs)
    for queue, message in [
        ("answer.completed", {"type": "answer.completed", "session_id": sid, "question_id": question_id, "segment_ids": []}),
        ("answer.scored", {"type": "answer.scored", "session_id": sid, "question_id": question_id, "score_id": f"{sid}.{question_id}.score"}),
        ("question.closed", {"type": "question.closed", "session_id": sid, "question_id": question_id}),
        ("interview.ended", {"type": "interview.ended", "session_id": sid}),
    ]:
        await world.queue.send(QUEUE_FOR[queue], message)
    await world.queue.drain(60)
    assert world.queue.poisoned == {}
    assert caplog.text.count("the message is dropped") == 4
    assert await documents(world, sid) == {SCORES: [], EVALUATIONS: [], SUMMARIES: [], REPORTS: []}


async def test_deleting_a_session_while_its_feedback_is_being_made_leaves_nothing_behind(world):
    sessions = world.sessions
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 2}))
    sid = session.session_id
    writer = await sessions.transcript_writer(sid)
    for index, question in enumerate(session.questions):
        words = timed_words(STRONG, start=index * 100.0)
        await writer.record(
            Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, index), question_id=question.id,
                    phrase_id=index, text=STRONG, start=words[0].start, end=words[-1].end, confidence=0.9, words=words)
        )
        await sessions.close_answer(sid, index, "silence")
    await asyncio.sleep(0.3)  # the handlers are at work: scoring, evaluating, summarizing
    await sessions.delete(sid, world.blobs)
    await world.queue.drain(60)
    assert world.queue.poisoned == {}
    assert await documents(world, sid) == {SCORES: [], EVALUATIONS: [], SUMMARIES: [], REPORTS: []}
    assert await world.blobs.list(REPORTS, f"{sid}/") == []
