"""The HTTP API under quotas: 429 with Retry-After and the usual JSON error, per address and per candidate; what the
page is told is kept; deleting an interview removes its counters."""

from __future__ import annotations

import json

import pytest

from rehearse.app.http_api import ApiRequest, HttpApi
from rehearse.app.quotas import QUOTAS
from rehearse.config import build_world
from rehearse.security.identity import CANDIDATE_HEADER
from rehearse.settings import Settings
from tests.support.publisher import RecordingPublisher

BODY = json.dumps({"role": "software_engineer", "question_count": 1}).encode()


@pytest.fixture
async def api(tmp_path):
    settings = Settings(
        data_dir=tmp_path, token_secret="q" * 32, preload_models=False, quota_sessions_per_address_per_hour=4,
        quota_sessions_per_candidate_per_hour=2, recording_retention_days=30, document_retention_days=90,
    )  # fmt: skip
    world = build_world(settings, RecordingPublisher())
    yield HttpApi(world), world
    await world.close()


async def create(api: HttpApi, address: str | None, candidate_token: str | None = None):
    headers = {"content-type": "application/json", **({CANDIDATE_HEADER: candidate_token} if candidate_token else {})}
    return await api.handle("create_session", ApiRequest("POST", headers, BODY, client_address=address))


async def test_a_flood_from_one_address_is_refused_with_429_and_retry_after(api):
    api, _ = api
    statuses = [(await create(api, "203.0.113.7")).status for _ in range(6)]
    assert statuses == [201] * 4 + [429] * 2
    refused = await create(api, "203.0.113.7")
    assert refused.status == 429 and 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.body["error"]["code"] == "quota_exceeded"
    assert refused.body["error"]["retry_after_s"] == int(refused.headers["Retry-After"])
    assert "network address" in refused.body["error"]["message"] and "try again in" in refused.body["error"]["message"]
    assert (await create(api, "198.51.100.1")).status == 201  # another address is untouched


async def test_a_candidate_past_their_hourly_sessions_is_refused_from_any_address(api):
    api, _ = api
    first = await create(api, "198.51.100.1")
    token = first.body["candidate"]["token"]
    assert (await create(api, "198.51.100.2", token)).status == 201
    refused = await create(api, "198.51.100.3", token)
    assert refused.status == 429 and "interviews you started" in refused.body["error"]["message"]


async def test_the_page_is_told_what_is_kept_and_for_how_long(api):
    api, _ = api
    roles = await api.handle("roles", ApiRequest("GET", {}))
    assert roles.body["privacy"] == {"recording_retention_days": 30, "document_retention_days": 90}
    assert roles.body["sign_in"] == {"required": False}  # the page asks Easy Auth who is signed in only when required


async def test_deleting_an_interview_removes_its_counters_and_its_live_hold(api):
    api, world = api
    created = await create(api, "198.51.100.1")
    sid, candidate = created.body["session_id"], created.body["candidate"]
    await world.quotas.hold_live(candidate["id"], sid)
    await world.quotas.add_audio(sid, 12.0)
    deleted = await api.handle("delete_session", ApiRequest("DELETE", {"authorization": f"Bearer {created.body['token']}"}, route={"session_id": sid}))
    assert deleted.status == 200
    assert await world.store.list(QUOTAS, sid) == []
    rows = world.store._db.execute("SELECT session_id, doc_id FROM documents WHERE container=?", (QUOTAS,)).fetchall()
    assert rows and not any(sid in doc_id for _, doc_id in rows)  # what is left: the hour's hashed counters
    assert not any("198.51.100.1" in partition or candidate["id"] in partition for partition, _ in rows)
