"""One trace from the page's offer to the report: the embedded default with REHEARSE_TRACES=otlp, a real aiortc client
that sends a traceparent with its offer, and an OTLP collector on 127.0.0.1 receiving what the process exports."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from tests.support.audio import answer_wav
from tests.support.otlp import running_collector
from tests.support.server import running_app

PAGE_TRACE = "0af7651916cd43dd8448eb211c80319c"
PAGE_SPAN = "b7ad6b7169203331"


async def _answer_one_question(base_url: str, wav: str, traceparent: str) -> str:
    """The page's part: create a session, offer with a traceparent header, answer, wait for the end."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/sessions", json={"role": "software_engineer", "question_count": 1}) as r:
            session = await r.json()
            assert r.status == 201, session
        pc = RTCPeerConnection()
        player = MediaPlayer(wav, loop=True)
        pc.addTransceiver(player.audio, direction="sendrecv")
        channel = pc.createDataChannel("rehearse")
        ended = asyncio.Event()
        channel.on("open", lambda: channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0})))
        channel.on("message", lambda raw: ended.set() if json.loads(raw)["type"] == "ended" else None)
        await pc.setLocalDescription(await pc.createOffer())
        headers = {"Authorization": f"Bearer {session['token']}", "traceparent": traceparent}
        async with http.post(base_url + session["relay"]["offer_url"], json={"sdp": pc.localDescription.sdp, "type": "offer"}, headers=headers) as r:
            answer = await r.json()
            assert r.status == 200, answer
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        try:
            await asyncio.wait_for(ended.wait(), 90)
        finally:
            player.audio.stop()
            await pc.close()
    return session["session_id"]


@pytest.fixture(scope="module")
def traced(tmp_path_factory, artifacts):
    data_dir = tmp_path_factory.mktemp("traced-data")
    wav = answer_wav(tmp_path_factory.mktemp("audio") / "answer.wav")
    with running_collector() as collector:
        env = {"REHEARSE_TRACES": "otlp", "REHEARSE_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
        with running_app(data_dir, artifacts / "server-traced.log", **env) as (base, _proc):
            session_id = asyncio.run(_answer_one_question(base, str(wav), f"00-{PAGE_TRACE}-{PAGE_SPAN}-01"))
            # the feedback functions run after the interview ends; the report is the last thing they publish
            spans = collector.wait_for(
                lambda got: any(s.name == "pubsub.publish" and s.attributes.get("rehearse.event") == "report.ready" for s in got), timeout_s=60
            )
    return session_id, [s for s in spans if s.trace_id == PAGE_TRACE]


def test_the_offer_joins_the_page_trace(traced):
    session_id, spans = traced
    [offer] = [s for s in spans if s.name == "relay.offer"]
    assert offer.parent_span_id == PAGE_SPAN
    assert offer.attributes["rehearse.session_id"] == session_id and offer.service == "rehearse"


def test_every_hop_of_the_interview_is_in_that_trace_with_the_session_id(traced):
    session_id, spans = traced
    names = {s.name for s in spans}
    assert {
        "relay.offer", "recognizer.final", "relay.final", "store.record_segment", "session.close_answer", "queue.send",
        "function.score_answer", "function.evaluate_answer", "function.summarize_question", "function.finalize_report", "pubsub.publish",
    } <= names, names
    assert all(s.attributes.get("rehearse.session_id") == session_id for s in spans), [s.name for s in spans if s.attributes.get("rehearse.session_id") != session_id]
    assert all(s.status_code != 2 for s in spans)  # STATUS_CODE_ERROR


def test_each_final_phrase_is_a_span_under_the_offer_with_its_store_write(traced):
    _, spans = traced
    by_id = {s.span_id: s for s in spans}
    [offer] = [s for s in spans if s.name == "relay.offer"]
    finals = [s for s in spans if s.name == "relay.final"]
    assert finals and all(f.parent_span_id == offer.span_id for f in finals)
    writes = [s for s in spans if s.name == "store.record_segment"]
    assert sorted(by_id[w.parent_span_id].name for w in writes) == ["relay.final"] * len(finals)
    recognized = [s for s in spans if s.name == "recognizer.final"]
    assert len(recognized) >= len(finals) and {r.attributes["rehearse.phrase_id"] for r in recognized} >= {f.attributes["rehearse.phrase_id"] % 100_000 for f in finals}
