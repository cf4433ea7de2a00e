"""Recorded answers over HTTP: consent at creation, the session view maps lines to recordings, byte ranges, tokens, names.

The embedded default's aiohttp app runs in this process on a free port (no speech models needed); the Functions
blueprint is invoked as the host would call it. Both serve the same handler."""

import json

import aiohttp
import azure.functions as func
import numpy as np
import pytest
import yarl
from aiohttp import web

from rehearse.adapters.local.pubsub_hub import LocalPubSubHub
from rehearse.adapters.local.wav import wav_bytes
from rehearse.app.sessions import RECORDINGS
from rehearse.config import build_world
from rehearse.domain.model import PHRASES_PER_CONNECTION, Recording, Segment, recording_name, segment_id_for
from rehearse.local import build_app
from rehearse.settings import Settings

SECRET = "s" * 48


@pytest.fixture(scope="module")
async def server(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("recordings-api"), token_secret=SECRET, preload_models=False)
    world = build_world(settings, LocalPubSubHub(SECRET, settings.token_ttl_s))
    runner = web.AppRunner(build_app(world, LocalPubSubHub(SECRET, settings.token_ttl_s)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        yield f"http://127.0.0.1:{port}", http, world
    await runner.cleanup()


async def create(server, **body):
    base, http, _ = server
    async with http.post(f"{base}/api/sessions", json={"role": "software_engineer", "question_count": 2, **body}) as r:
        return r.status, await r.json()


@pytest.fixture(scope="module")
async def recorded(server):
    """A session with consent, one recorded answer (2 s of a rising ramp, so every byte is checkable) and one line."""
    _, _, world = server
    status, session = await create(server, record_audio=True)
    assert status == 201 and session["record_audio"] is True
    sid, question_id = session["session_id"], session["questions"][0]["id"]
    name = recording_name(question_id, 1)
    data = wav_bytes((np.arange(32000) % 30000).astype(np.int16), 16000)
    await world.blobs.put(RECORDINGS, f"{sid}/{name}", data, "audio/wav")
    await world.sessions.save_recording(Recording(session_id=sid, name=name, question_id=question_id, connection=1, start=4.0, duration=2.0))
    phrase_id = PHRASES_PER_CONNECTION + 1
    await (await world.sessions.transcript_writer(sid)).record(
        Segment(session_id=sid, seq=1, segment_id=segment_id_for(sid, phrase_id), question_id=question_id, phrase_id=phrase_id,
                text="I led the team.", start=4.75, end=5.5, confidence=0.9)
    )
    return {"sid": sid, "token": session["token"], "name": name, "data": data, "question_id": question_id}


async def fetch(server, path, token=None, query_token=None, headers=None):
    base, http, _ = server
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    url = yarl.URL(base + path, encoded=True)
    if query_token:
        url = url.update_query(token=query_token)
    async with http.get(url, headers=sent) as r:
        return r.status, r.headers, await r.read()


def recording_path(rec, name=None):
    return f"/api/sessions/{rec['sid']}/recordings/{name or rec['name']}"


async def test_consent_is_off_unless_asked_for(server):
    status, session = await create(server)
    assert status == 201 and session["record_audio"] is False
    status, error = await create(server, record_audio="yes")
    assert status == 400 and error["error"]["code"] == "invalid_request" and "record_audio" in error["error"]["message"]


async def test_the_session_lists_its_recordings_and_places_each_line_in_one(server, recorded):
    status, _, raw = await fetch(server, f"/api/sessions/{recorded['sid']}", token=recorded["token"])
    body = json.loads(raw)
    assert status == 200 and body["record_audio"] is True
    assert body["recordings"] == [
        {"name": recorded["name"], "question_id": recorded["question_id"], "connection": 1, "url": recording_path(recorded), "start": 4.0, "duration": 2.0}
    ]
    line = body["transcript"][0]
    assert (line["recording"], line["offset"]) == (recorded["name"], 0.75)


async def test_a_session_without_recordings_lists_none(server):
    _, session = await create(server)
    status, _, raw = await fetch(server, f"/api/sessions/{session['session_id']}", token=session["token"])
    assert status == 200 and json.loads(raw)["recordings"] == []


async def test_the_whole_recording_is_served_with_ranges_announced(server, recorded):
    status, headers, data = await fetch(server, recording_path(recorded), token=recorded["token"])
    assert status == 200 and data == recorded["data"]
    assert headers["Content-Type"] == "audio/wav" and headers["Accept-Ranges"] == "bytes"
    assert int(headers["Content-Length"]) == len(recorded["data"])


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-43", 0, 43), ("bytes=1000-2047", 1000, 2047), ("bytes=60000-", 60000, None), ("bytes=-100", -100, None),
     ("bytes=64000-999999", 64000, None), ("bytes=0-0", 0, 0)],
)
async def test_a_byte_range_gets_exactly_those_bytes(server, recorded, header, first, last):
    data = recorded["data"]
    want = data[first:] if last is None else data[first : last + 1]
    status, headers, got = await fetch(server, recording_path(recorded), token=recorded["token"], headers={"Range": header})
    assert status == 206 and got == want
    start = first if first >= 0 else len(data) + first
    assert headers["Content-Range"] == f"bytes {start}-{start + len(want) - 1}/{len(data)}"
    assert int(headers["Content-Length"]) == len(want) and headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header", ["bytes=64044-", "bytes=99999-100000", "bytes=50-10", "bytes=-0", "bytes=abc", "bytes=-"])
async def test_a_range_outside_the_file_is_416(server, recorded, header):
    status, headers, raw = await fetch(server, recording_path(recorded), token=recorded["token"], headers={"Range": header})
    assert len(recorded["data"]) == 64044
    assert status == 416 and headers["Content-Range"] == "bytes */64044"
    assert json.loads(raw)["error"]["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1"])
async def test_ranges_it_does_not_serve_get_the_whole_file(server, recorded, header):
    status, _, data = await fetch(server, recording_path(recorded), token=recorded["token"], headers={"Range": header})
    assert status == 200 and data == recorded["data"]


async def test_the_token_may_come_in_the_query_for_audio_elements(server, recorded):
    status, _, data = await fetch(server, recording_path(recorded), query_token=recorded["token"], headers={"Range": "bytes=44-"})
    assert status == 206 and data == recorded["data"][44:]


async def test_a_wrong_or_missing_token_is_401(server, recorded):
    _, other = await create(server, record_audio=True)
    for kwargs in ({}, {"token": "garbage"}, {"query_token": "garbage"}, {"token": other["token"]}, {"query_token": other["token"]}):
        status, _, raw = await fetch(server, recording_path(recorded), **kwargs)
        assert status == 401 and json.loads(raw)["error"]["code"] == "invalid_token", kwargs


async def test_an_unknown_recording_is_a_json_404(server, recorded):
    status, _, raw = await fetch(server, recording_path(recorded, "swe-09-1.wav"), token=recorded["token"])
    assert status == 404 and json.loads(raw)["error"]["code"] == "unknown_recording"


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Ftoken-secret", "..%2Freports%2Freport.json", "%2E%2E", "q1-1.wav%00.txt", "q1.wav", "-1.wav", "q1-1.WAV.json", "%2Fetc%2Fpasswd"],
)
async def test_names_that_are_not_recordings_are_refused(server, recorded, name):
    _, _, world = server
    await world.blobs.put("reports", f"{recorded['sid']}/report.json", b'{"secret": 1}', "application/json")
    status, _, raw = await fetch(server, recording_path(recorded, name), token=recorded["token"])
    assert status == 400 and json.loads(raw)["error"]["code"] == "invalid_request", (name, raw)


async def test_path_segments_never_reach_another_container(server, recorded):
    status, _, raw = await fetch(server, f"/api/sessions/{recorded['sid']}/recordings/../../reports/{recorded['sid']}/report.json", token=recorded["token"])
    assert status in (400, 401, 404) and b"secret" not in raw


# -- the same handler as an Azure Functions HTTP function ---------------------------------------------------------------

@pytest.fixture
def functions_world(tmp_path, monkeypatch):
    monkeypatch.setenv("REHEARSE_DATA_DIR", str(tmp_path))
    from functions import api_blueprint, host_world

    api_blueprint._api.cache_clear()
    host_world.host_world.cache_clear()
    yield host_world.host_world()
    api_blueprint._api.cache_clear()
    host_world.host_world.cache_clear()


async def test_the_functions_blueprint_serves_byte_ranges_from_blobs(functions_world):
    from tests.functions.test_api_blueprint import functions_by_name  # the app as the host indexed it, once

    functions = {name: f.get_user_function() for name, f in functions_by_name().items()}
    created = await functions["create_session"](
        func.HttpRequest("POST", "http://localhost:7071/api/sessions", headers={"Content-Type": "application/json"},
                         body=json.dumps({"role": "sales", "question_count": 1, "record_audio": True}).encode())
    )
    session = json.loads(created.get_body())
    sid = session["session_id"]
    data = wav_bytes((np.arange(16000) % 20000).astype(np.int16), 16000)
    await functions_world.blobs.put(RECORDINGS, f"{sid}/sales-01-1.wav", data, "audio/wav")

    def request(name, **headers):
        return func.HttpRequest("GET", f"http://localhost:7071/api/sessions/{sid}/recordings/{name}", headers=headers, body=b"",
                                route_params={"session_id": sid, "name": name}, params={"token": session["token"]})

    partial = await functions["get_recording"](request("sales-01-1.wav", Range="bytes=100-199"))
    assert partial.status_code == 206 and partial.get_body() == data[100:200]
    assert partial.headers["Content-Range"] == f"bytes 100-199/{len(data)}" and partial.headers["Accept-Ranges"] == "bytes"
    assert partial.mimetype == "audio/wav" or partial.headers["Content-Type"] == "audio/wav"
    beyond = await functions["get_recording"](request("sales-01-1.wav", Range=f"bytes={len(data)}-"))
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    missing = await functions["get_recording"](request("sales-02-1.wav"))
    assert missing.status_code == 404 and json.loads(missing.get_body())["error"]["code"] == "unknown_recording"
    traversal = await functions["get_recording"](request("..%2F..%2Ftoken-secret"))
    assert traversal.status_code == 400


async def test_a_recording_whose_audio_was_deleted_by_retention_is_not_listed(server):
    _, _, world = server
    _, session = await create(server, record_audio=True)
    sid, question_id = session["session_id"], session["questions"][0]["id"]
    name = recording_name(question_id, 1)
    # the document outlives the blob: the storage lifecycle rule deletes old audio, not Store documents
    await world.sessions.save_recording(Recording(session_id=sid, name=name, question_id=question_id, connection=1, start=0.0, duration=2.0))
    phrase_id = PHRASES_PER_CONNECTION + 1
    await (await world.sessions.transcript_writer(sid)).record(
        Segment(session_id=sid, seq=1, segment_id=segment_id_for(sid, phrase_id), question_id=question_id, phrase_id=phrase_id,
                text="I led the team.", start=0.5, end=1.5, confidence=0.9)
    )
    status, _, raw = await fetch(server, f"/api/sessions/{sid}", token=session["token"])
    body = json.loads(raw)
    assert status == 200 and body["recordings"] == []
    assert body["transcript"][0]["recording"] is None
