"""A follow-up and its answer belong to the same question: the pipeline scores the whole exchange, marks what was said
only after the prompt, and the summary and the report's row say what the follow-up revealed."""

from __future__ import annotations

import pytest

from rehearse.adapters.local.in_process_queue import InProcessQueue
from rehearse.app.feedback_pipeline import REPORTS, SCORES, SUMMARIES, FeedbackPipeline, answer_text
from rehearse.app.report_export import render_report_html
from rehearse.app.sessions import parse_create_request
from rehearse.config import build_world
from rehearse.domain.analysis_model import Report
from rehearse.domain.follow_ups import AskedFollowUp, key_point_target
from rehearse.domain.model import Segment, segment_id_for
from rehearse.settings import Settings
from tests.functions.test_feedback_pipeline import timed_words
from tests.support.publisher import RecordingPublisher
from tests.support.server import EMBEDDER_DIR

ROLE = "Right now I'm a backend engineer on the payments team, owning the services that handle refunds and payouts."
STACK = "Day to day I work mostly in Go and Postgres, with everything running on Kubernetes."
POINT = "names the languages and systems used most"
PROBE = "Which languages and systems do you use most?"


@pytest.fixture
async def world(tmp_path):
    queue = InProcessQueue(backoff_s=0.01)
    w = build_world(Settings(data_dir=tmp_path, embedder_model_dir=EMBEDDER_DIR), RecordingPublisher(), queue)
    FeedbackPipeline(w).subscribe(queue)
    yield w
    await w.close()


async def interview_with_a_follow_up(world) -> str:
    """One question: the candidate names their role, the interviewer asks for the stack, the candidate names it."""
    sessions = world.sessions
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}))
    sid, question = session.session_id, session.questions[0]
    assert POINT in question.key_points
    await sessions.open_connection(sid)
    writer = await sessions.transcript_writer(sid)
    clock = 0.0
    for phrase, text in enumerate([ROLE, STACK]):
        words = timed_words(text, start=clock)
        clock = words[-1].end + 3.0
        await writer.record(
            Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, phrase), question_id=question.id, phrase_id=phrase,
                    text=text, start=words[0].start, end=words[-1].end, confidence=0.9, words=words)
        )  # fmt: skip
        if phrase == 0:
            [first] = await sessions.transcript(sid)
            await sessions.record_follow_up(
                sid, AskedFollowUp(question_id=question.id, n=1, text=PROBE, targets=key_point_target(POINT), after_seq=first.seq)
            )
    await sessions.close_answer(sid, 0, "silence")
    await world.queue.drain(60)
    return sid


async def test_a_follow_up_is_scored_with_its_answer_and_shown_in_the_summary_and_the_report(world):
    sid = await interview_with_a_follow_up(world)
    question_id = (await world.sessions.get(sid)).questions[0].id

    answer = await world.sessions.answer(sid, question_id)
    assert answer is not None and [f.n for f in answer.follow_ups] == [1]
    [turn] = answer_text(answer).follow_ups
    assert answer_text(answer).text[turn.from_char :] == STACK and turn.from_word == len(ROLE.split())

    [score] = await world.store.list(SCORES, sid)
    points = {kp["point"]: kp for kp in score["features"]["key_points"]}
    assert points[POINT]["state"] == "covered" and points[POINT]["after_follow_up"] == 1  # counted, and marked
    assert any(line.startswith("Covered ") and f'after a follow-up: "{POINT}"' in line for line in score["scores"]["content"]["evidence"])

    [summary] = await world.store.list(SUMMARIES, sid)
    [note] = summary["follow_ups"]
    assert note["n"] == 1 and note["text"] == PROBE and note["targets"] == key_point_target(POINT)
    assert note["revealed"] == f'Made "{POINT}" after the prompt: "Day to day I work mostly in Go and Postgres, with everything…"'
    assert any(b.startswith("Only after a follow-up: 'Day to day I work mostly in Go") for b in summary["bullets"])

    [stored] = await world.store.list(REPORTS, sid)
    report = Report.model_validate(stored)
    [row] = report.questions
    assert [n.model_dump() for n in row.follow_ups] == [note]
    notes = [e for e in world.publisher.events if e["type"] == "question.summary"]
    assert notes and notes[-1]["summary"]["follow_ups"] == [note]

    page = render_report_html(await world.sessions.get(sid), report, await world.sessions.transcript(sid), [])
    assert f'<p class="follow-up">Follow-up: “{PROBE}”<br>Made &quot;{POINT}&quot; after the prompt' in page
