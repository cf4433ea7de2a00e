"""Tracing: spans carry the session id, trace context crosses the queue, and one trace runs store -> queue ->
function -> publisher on the embedded default's real store, queue, handlers and pub/sub hub."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from rehearse import tracing
from rehearse.adapters.local.in_process_queue import InProcessQueue
from rehearse.adapters.local.pubsub_hub import LocalPubSubHub
from rehearse.app.feedback_pipeline import FeedbackPipeline
from rehearse.app.sessions import parse_create_request
from rehearse.config import build_world
from rehearse.domain.events import QUEUE_FOR, parse_event
from rehearse.domain.model import Segment, segment_id_for
from rehearse.settings import Settings
from tests.functions.test_feedback_pipeline import STRONG, WEAK, timed_words
from tests.support.server import EMBEDDER_DIR, ROOT
from tests.support.spans import hex_trace, recording

PAGE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PAGE_SPAN = "00f067aa0ba902b7"
PAGE_TRACEPARENT = f"00-{PAGE_TRACE}-{PAGE_SPAN}-01"


@pytest.fixture
def spans():
    with recording() as exporter:
        yield exporter


# -- the helpers ---------------------------------------------------------------------------------------------------------
def test_a_span_carries_the_session_id_and_its_attributes(spans):
    with tracing.span("store.record_segment", "s_1", segment_id="seg-1", seq=3, skipped=None):
        pass
    [span] = spans.get_finished_spans()
    assert span.name == "store.record_segment"
    assert dict(span.attributes) == {"rehearse.session_id": "s_1", "rehearse.segment_id": "seg-1", "rehearse.seq": 3}


def test_a_nested_span_inherits_the_session_id_and_the_trace(spans):
    with tracing.span("relay.offer", "s_2", kind="server"):
        with tracing.span("recognizer.final", None, phrase_id=1):
            pass
    inner, outer = spans.get_finished_spans()
    assert inner.attributes["rehearse.session_id"] == "s_2"
    assert inner.parent.span_id == outer.context.span_id and hex_trace(inner) == hex_trace(outer)
    assert outer.kind == SpanKind.SERVER


def test_spans_of_other_libraries_inside_a_rehearse_span_get_the_session_id(spans):
    from opentelemetry import trace

    with tracing.span("pubsub.publish", "s_3"):
        with trace.get_tracer("azure.messaging.webpubsubservice").start_as_current_span("POST /api/hubs"):
            pass
    library_span, _ = spans.get_finished_spans()
    assert library_span.attributes["rehearse.session_id"] == "s_3"


def test_traceparent_carries_a_span_through_a_dict(spans):
    with tracing.span("queue.send", "s_4", kind="producer"):
        message = tracing.inject({"type": "answer.completed", "session_id": "s_4"})
    with tracing.span("function.score_answer", "s_4", parent=tracing.extract(message), kind="consumer"):
        pass
    sent, handled = spans.get_finished_spans()
    assert message["traceparent"].startswith(f"00-{hex_trace(sent)}-{format(sent.context.span_id, '016x')}-")
    assert handled.parent.span_id == sent.context.span_id and hex_trace(handled) == hex_trace(sent)
    assert handled.parent.is_remote


@pytest.mark.parametrize("carrier", [{}, {"traceparent": None}, {"traceparent": "not-a-traceparent"}, {"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"}, ["traceparent"], None])
def test_a_message_without_a_usable_traceparent_starts_a_trace_of_its_own(spans, carrier):
    with tracing.span("relay.offer", "s_5"):  # an unrelated current span must not adopt the message's handler
        with tracing.span("function.finalize_report", "s_5", parent=tracing.extract(carrier)):
            pass
    handled, _ = spans.get_finished_spans()
    assert handled.parent is None


def test_outside_any_span_nothing_is_injected(spans):
    assert tracing.traceparent() is None
    assert tracing.inject({"session_id": "s_6"}) == {"session_id": "s_6"}


def test_an_exception_is_recorded_on_its_span_and_raised(spans):
    with pytest.raises(LookupError), tracing.span("function.evaluate_answer", "s_7"):
        raise LookupError("score not stored yet")
    [span] = spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert [e.name for e in span.events] == ["exception"]


def test_without_an_sdk_the_page_trace_context_still_passes_on():
    """No exporter set up (the embedded default): spans are no-ops, yet the page's trace reaches the queue."""
    probe = (
        "import sys\n"
        "from rehearse import tracing\n"
        f"with tracing.span('relay.offer', 's_8', parent=tracing.extract({{'traceparent': '{PAGE_TRACEPARENT}'}})):\n"
        "    print(tracing.traceparent())\n"
        "print('opentelemetry.sdk' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert out == [PAGE_TRACEPARENT, "False"]


# -- a real flow -----------------------------------------------------------------------------------------------------------
@pytest.fixture
async def world(tmp_path):
    settings = Settings(data_dir=tmp_path, embedder_model_dir=EMBEDDER_DIR)
    queue = InProcessQueue(backoff_s=0.01)
    w = build_world(settings, LocalPubSubHub("t" * 48), queue)
    FeedbackPipeline(w).subscribe(queue)
    yield w
    await w.close()


async def _interview(world, answers: list[str]) -> str:
    """What the relay does for one connection: every final recorded, every answer closed, under the offer's span."""
    sessions = world.sessions
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": len(answers)}))
    sid = session.session_id
    with tracing.span("relay.offer", sid, parent=tracing.extract({"traceparent": PAGE_TRACEPARENT}), kind="server"):
        await sessions.open_connection(sid)
        writer = await sessions.transcript_writer(sid)
        for index, (question, text) in enumerate(zip(session.questions, answers, strict=True)):
            words = timed_words(text, start=index * 100.0)
            with tracing.span("relay.final", sid, phrase_id=100 + index):
                await writer.record(
                    Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, 100 + index), question_id=question.id,
                            phrase_id=100 + index, text=text, start=words[0].start, end=words[-1].end, confidence=0.9, words=words)
                )
            await sessions.close_answer(sid, index, "silence")
    await world.queue.drain(60)
    return sid


async def test_store_queue_function_and_publisher_share_the_page_trace(world, spans):
    sid = await _interview(world, [STRONG, WEAK])
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    for expected in ("relay.offer", "relay.final", "store.record_segment", "session.close_answer", "queue.send", "pubsub.publish",
                     "function.score_answer", "function.evaluate_answer", "function.summarize_question", "function.finalize_report"):
        assert expected in names, (expected, names)
    assert {hex_trace(s) for s in finished} == {PAGE_TRACE}
    assert {s.attributes["rehearse.session_id"] for s in finished} == {sid}
    assert world.queue.poisoned == {}

    by_id = {s.context.span_id: s for s in finished}

    def ancestors(span) -> list[str]:
        chain = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            chain.append(span.name)
        return chain

    # each function runs under the queue.send span whose message it handles, and its publish under the function
    for handler in (s for s in finished if s.name.startswith("function.")):
        assert by_id[handler.parent.span_id].name == "queue.send" and handler.kind == SpanKind.CONSUMER
    scored = next(s for s in finished if s.name == "pubsub.publish" and s.attributes["rehearse.event"] == "answer.scored")
    assert ancestors(scored)[:3] == ["function.score_answer", "queue.send", "session.close_answer"]
    assert ancestors(scored)[-1] == "relay.offer"
    report = next(s for s in finished if s.name == "function.finalize_report" and any(p.name == "pubsub.publish" for p in finished if p.parent and p.parent.span_id == s.context.span_id))
    assert "function.summarize_question" in ancestors(report)
    offer = next(s for s in finished if s.name == "relay.offer")
    assert format(offer.parent.span_id, "016x") == PAGE_SPAN
    record = next(s for s in finished if s.name == "store.record_segment")
    assert ancestors(record) == ["relay.final", "relay.offer"]


async def test_queue_messages_carry_their_traceparent_and_old_ones_still_work(world, spans):
    sent: list[tuple[str, dict]] = []
    send = world.queue.send

    async def spy(queue: str, message: dict) -> None:
        sent.append((queue, json.loads(json.dumps(message))))
        await send(queue, message)

    world.queue.send = spy
    sid = await _interview(world, [STRONG])
    assert sent and all(m["traceparent"].startswith(f"00-{PAGE_TRACE}-") for _, m in sent)
    assert parse_event(sent[0][1]).traceparent == sent[0][1]["traceparent"]
    before = {c: await world.store.list(c, sid) for c in ("scores", "evaluations", "summaries", "reports")}

    # at-least-once: the same message again, and one from before tracing (no traceparent field at all)
    spans.clear()
    question_id = (await world.sessions.get(sid)).questions[0].id
    traced = next(m for q, m in sent if q == QUEUE_FOR["answer.completed"])
    await world.queue.send(QUEUE_FOR["answer.completed"], traced)
    await world.queue.send(QUEUE_FOR["answer.completed"], {"type": "answer.completed", "session_id": sid, "question_id": question_id, "segment_ids": []})
    await world.queue.drain(60)
    assert world.queue.poisoned == {}
    assert {c: await world.store.list(c, sid) for c in before} == before
    scored = [s for s in spans.get_finished_spans() if s.name == "function.score_answer"]
    assert len(scored) == 2
    again, old = scored
    assert format(again.parent.span_id, "016x") == traced["traceparent"].split("-")[2]  # the redelivery: same parent
    assert old.parent is None and old.attributes["rehearse.session_id"] == sid  # the old message: a trace of its own


async def test_a_poisoned_message_leaves_failed_spans(world, spans):
    await world.queue.send(QUEUE_FOR["answer.scored"], {"what": "ever"})
    await world.queue.drain(60)
    failed = [s for s in spans.get_finished_spans() if s.name == "function.evaluate_answer"]
    assert len(failed) == world.settings.queue_max_dequeue
    assert all(s.status.status_code == StatusCode.ERROR and s.attributes["rehearse.session_id"] == "unknown" for s in failed)
