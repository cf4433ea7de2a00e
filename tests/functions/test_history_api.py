"""Candidates, their history and deleting a session, over HTTP on the embedded default's app (real sockets, real
SQLite and folder; a real aiortc connection for the live case)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer

from rehearse.app import history
from rehearse.app.sessions import SESSION_BLOB_CONTAINERS, SESSION_CONTAINERS
from rehearse.security.tokens import CandidateTokens
from tests.fuzz.embedded import SECRET, embedded_app
from tests.support.audio import answer_wav

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def embedded(tmp_path):
    async with embedded_app(tmp_path / "data") as app:
        yield app
        await app.close_live()


async def create(embedded, body: dict | None = None, candidate: str | None = None, **headers: str) -> dict:
    extra = {"X-Rehearse-Candidate": candidate} if candidate else {}
    reply = await embedded.request("POST", "/api/sessions", {**JSON, **extra, **headers}, json.dumps(body or {"role": "sales", "question_count": 1}).encode())
    assert reply.status == 201, reply
    return reply.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_new_browser_gets_a_candidate_and_keeps_it_across_sessions(embedded):
    first = await create(embedded)
    candidate = first["candidate"]
    assert candidate["id"].startswith("c_") and candidate["token"] and candidate["expires_at"].endswith("Z")
    second = await create(embedded, candidate=candidate["token"])
    assert second["candidate"]["id"] == candidate["id"]
    assert (await create(embedded))["candidate"]["id"] != candidate["id"]  # no token: a new candidate
    stored = await embedded.world.sessions.get(second["session_id"])
    assert stored.candidate_id == candidate["id"]


async def test_history_lists_the_candidates_interviews_newest_first_with_tokens_that_open_them(embedded):
    first = await create(embedded, {"role": "sales", "question_count": 1})
    token = first["candidate"]["token"]
    second = await create(embedded, {"role": "software_engineer", "question_count": 2}, candidate=token)
    await create(embedded)  # someone else

    reply = await embedded.request("GET", "/api/history", bearer(token))
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    body = reply.json()
    assert body["candidate"]["id"] == first["candidate"]["id"]
    rows = body["interviews"]
    assert [r["session_id"] for r in rows] == [second["session_id"], first["session_id"]]
    assert rows[0]["role"] == "software_engineer" and rows[0]["question_count"] == 2 and rows[0]["status"] == "created"
    assert rows[0]["report_ready"] is False and rows[0]["overall"] is None and rows[0]["scores"] is None
    for row in rows:  # each row's token opens that interview, and only it
        opened = await embedded.request("GET", f"/api/sessions/{row['session_id']}", bearer(row["token"]))
        assert opened.status == 200 and opened.json()["session_id"] == row["session_id"]
    limited = await embedded.request("GET", "/api/history?limit=1", bearer(token))
    assert [r["session_id"] for r in limited.json()["interviews"]] == [second["session_id"]]
    bad = await embedded.request("GET", "/api/history?limit=0", bearer(token))
    assert bad.status == 400 and bad.json()["error"]["code"] == "invalid_request"


async def test_candidate_and_session_tokens_each_open_only_their_own_doors(embedded):
    session = await create(embedded)
    as_history = await embedded.request("GET", "/api/history", bearer(session["token"]))
    assert as_history.status == 401 and "not a candidate token" in as_history.json()["error"]["message"]
    as_session = await embedded.request("GET", f"/api/sessions/{session['session_id']}", bearer(session["candidate"]["token"]))
    assert as_session.status == 401 and as_session.json()["error"]["code"] == "invalid_token"
    missing = await embedded.request("GET", "/api/history")
    assert missing.status == 401 and "missing candidate token" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        CandidateTokens(SECRET, ttl_s=60).issue("c_old", now=1_000_000)[0],  # expired
        CandidateTokens("z" * 64).issue("c_1")[0],  # another deployment's
    ],
)
async def test_a_bad_candidate_token_is_refused_before_anything_is_created(embedded, token):
    reply = await embedded.request("POST", "/api/sessions", {**JSON, "X-Rehearse-Candidate": token}, json.dumps({"role": "sales"}).encode())
    assert reply.status == 401 and reply.json()["error"]["code"] == "invalid_token"
    assert (await embedded.request("GET", "/api/history", bearer(token))).status == 401


async def test_a_job_description_session_is_tailored_and_titled_in_history(embedded):
    description = "Account Executive\nOwn a quota, run discovery calls with prospects, negotiate pricing and close deals."
    session = await create(embedded, {"job_description": description, "question_count": 3})
    assert session["role"] is None and len(session["questions"]) == 3
    assert sum(q["id"].startswith("sales-") for q in session["questions"]) >= 2, session["questions"]
    [row] = (await embedded.request("GET", "/api/history", bearer(session["candidate"]["token"]))).json()["interviews"]
    assert row["job_title"] == "Account Executive"
    too_long = await embedded.request("POST", "/api/sessions", JSON, json.dumps({"job_description": "x" * 20_001}).encode())
    assert too_long.status == 400 and "job_description" in too_long.json()["error"]["message"]


async def leftovers(embedded, session_id: str, candidate_id: str) -> dict[str, int]:
    world = embedded.world
    found = {c: len(await world.store.list(c, session_id)) for c in SESSION_CONTAINERS}
    found |= {f"blob:{c}": len(await world.blobs.list(c, f"{session_id}/")) for c in SESSION_BLOB_CONTAINERS}
    found["history"] = int(await history.has_entry(world.store, candidate_id, session_id))
    return {k: v for k, v in found.items() if v}


async def test_deleting_with_the_session_token_removes_everything_and_a_second_delete_is_404(embedded):
    session = await create(embedded)
    sid, cid = session["session_id"], session["candidate"]["id"]
    diag = {"v": 1, "reason": "ended", "state": "ended", "at": 1}
    assert (await embedded.request("POST", f"/api/sessions/{sid}/diagnostics", {**JSON, **bearer(session["token"])}, json.dumps(diag).encode())).status == 202
    await embedded.world.blobs.put("reports", f"{sid}/report.json", b"{}")
    assert await leftovers(embedded, sid, cid) == {"sessions": 1, "blob:reports": 1, "blob:diagnostics": 1, "history": 1}

    reply = await embedded.request("DELETE", f"/api/sessions/{sid}", bearer(session["token"]))
    assert reply.status == 200, reply
    assert reply.json() == {"v": 1, "session_id": sid, "documents": 2, "blobs": 2}
    assert await leftovers(embedded, sid, cid) == {}
    again = await embedded.request("DELETE", f"/api/sessions/{sid}", bearer(session["token"]))
    assert again.status == 404 and again.json()["error"]["code"] == "unknown_session"
    assert (await embedded.request("GET", f"/api/sessions/{sid}", bearer(session["token"]))).status == 404


async def test_deleting_with_the_owning_candidate_token_and_never_anothers(embedded):
    mine = await create(embedded)
    theirs = await create(embedded)
    refused = await embedded.request("DELETE", f"/api/sessions/{theirs['session_id']}", bearer(mine["candidate"]["token"]))
    assert refused.status == 403 and refused.json()["error"]["code"] == "not_your_session"
    assert await embedded.world.sessions.get(theirs["session_id"])
    wrong_token = await embedded.request("DELETE", f"/api/sessions/{theirs['session_id']}", bearer(mine["token"]))
    assert wrong_token.status == 401
    deleted = await embedded.request("DELETE", f"/api/sessions/{mine['session_id']}", bearer(mine["candidate"]["token"]))
    assert deleted.status == 200
    assert (await embedded.request("GET", "/api/history", bearer(mine["candidate"]["token"]))).json()["interviews"] == []
    unknown = await embedded.request("DELETE", f"/api/sessions/{mine['session_id']}", bearer(mine["candidate"]["token"]))
    assert unknown.status == 404 and unknown.json()["error"]["code"] == "unknown_session"
    odd = await embedded.request("DELETE", "/api/sessions/a%2Fb", bearer(mine["candidate"]["token"]))
    assert odd.status == 404


async def test_a_live_connection_is_closed_when_its_session_is_deleted(embedded, tmp_path):
    session = await create(embedded, {"role": "software_engineer", "question_count": 2, "record_audio": True})
    sid = session["session_id"]
    pc = RTCPeerConnection()
    player = MediaPlayer(str(answer_wav(tmp_path / "answer.wav")), loop=True)
    pc.addTransceiver(player.audio, direction="sendrecv")
    channel = pc.createDataChannel("rehearse")
    finals = asyncio.Event()
    closed = asyncio.Event()

    @channel.on("open")
    def on_open():
        channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0}))

    @channel.on("message")
    def on_message(raw):
        message = json.loads(raw)
        if message["type"] == "transcript" and message.get("final"):
            finals.set()

    @pc.on("connectionstatechange")
    def on_state():
        if pc.connectionState in ("closed", "failed"):
            closed.set()

    try:
        await pc.setLocalDescription(await pc.createOffer())
        offer = {"sdp": pc.localDescription.sdp, "type": "offer"}
        answer = await embedded.request("POST", f"/api/sessions/{sid}/offer", {**JSON, **bearer(session["token"])}, json.dumps(offer).encode())
        assert answer.status == 200, answer
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.json()["sdp"], type=answer.json()["type"]))
        await asyncio.wait_for(finals.wait(), 45)  # the candidate is speaking: a final is persisted
        assert sid in embedded.app["relay"].live

        started = time.monotonic()
        reply = await embedded.request("DELETE", f"/api/sessions/{sid}", bearer(session["candidate"]["token"]))
        assert reply.status == 200, reply
        assert time.monotonic() - started < 15  # closing waits for the connection's last finals, bounded
        assert sid not in embedded.app["relay"].live
        await asyncio.wait_for(closed.wait(), 30)  # the page hears its connection end
        await asyncio.sleep(0.5)  # anything still on its way would land now
        assert await leftovers(embedded, sid, session["candidate"]["id"]) == {}
        assert reply.json()["documents"] >= 3  # the session, its segments, its history entry
    finally:
        player.audio.stop()
        await pc.close()


def principal(oid: str) -> str:
    claims = {"auth_typ": "aad", "claims": [{"typ": "oid", "val": oid}]}
    return base64.b64encode(json.dumps(claims).encode()).decode()


async def test_with_sign_in_the_candidate_is_the_signed_in_person(tmp_path):
    async with embedded_app(tmp_path / "data", require_sign_in=True) as embedded:
        ada = {"X-MS-CLIENT-PRINCIPAL": principal("oid-ada")}
        eve = {"X-MS-CLIENT-PRINCIPAL": principal("oid-eve")}
        session = await create(embedded, **ada)
        assert session["candidate"]["id"] == "oid-ada"
        token = session["candidate"]["token"]
        # the principal alone lists their interviews (a new browser); with a token, it must be theirs
        assert len((await embedded.request("GET", "/api/history", ada)).json()["interviews"]) == 1
        assert (await embedded.request("GET", "/api/history", {**ada, **bearer(token)})).status == 200
        mismatch = await embedded.request("GET", "/api/history", {**eve, **bearer(token)})
        assert mismatch.status == 403 and mismatch.json()["error"]["code"] == "candidate_mismatch"
        signed_out = await embedded.request("GET", "/api/history", bearer(token))
        assert signed_out.status == 401 and signed_out.json()["error"]["code"] == "sign_in_required"
        stolen = await embedded.request("DELETE", f"/api/sessions/{session['session_id']}", {**eve, **bearer(session["token"])})
        assert stolen.status == 403 and stolen.json()["error"]["code"] == "not_your_session"
        assert (await embedded.request("DELETE", f"/api/sessions/{session['session_id']}", {**ada, **bearer(token)})).status == 200
