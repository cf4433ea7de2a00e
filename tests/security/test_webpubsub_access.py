"""In the Azure world, negotiate hands out Web PubSub client tokens that may join only their own session's group."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from rehearse.adapters.azure.webpubsub_publisher import WebPubSubPublisher
from rehearse.app.http_api import ApiRequest, HttpApi
from rehearse.config import build_world
from tests.fuzz.embedded import settings_for
from tests.support.fake_webpubsub import FakeWebPubSub

HUB = "rehearse"


@pytest.fixture
async def api(tmp_path):
    async with FakeWebPubSub() as service:
        publisher = WebPubSubPublisher(HUB, connection_string=service.connection_string(), retry_total=0)
        world = build_world(settings_for(tmp_path), publisher)
        try:
            yield HttpApi(world), world, service
        finally:
            await world.close()


async def create(api: HttpApi) -> dict:
    reply = await api.handle("create_session", ApiRequest("POST", {"content-type": "application/json"}, json.dumps({"role": "sales", "question_count": 1}).encode()))
    assert reply.status == 201, reply
    return reply.body


async def negotiate(api: HttpApi, session_id: str, token: str):
    request = ApiRequest("GET", {"authorization": f"Bearer {token}"}, route={"session_id": session_id}, base_url="https://app.example")
    return await api.handle("negotiate", request)


def client_claims(service: FakeWebPubSub, url: str) -> dict:
    token = parse_qs(urlsplit(url).query)["access_token"][0]
    return jwt.decode(token, service.access_key, algorithms=["HS256"], audience=f"{service.endpoint}/client/hubs/{HUB}")


async def test_each_client_token_may_join_only_its_own_sessions_group(api):
    http_api, _, service = api
    a, b = await create(http_api), await create(http_api)
    granted = {}
    for session in (a, b):
        reply = await negotiate(http_api, session["session_id"], session["token"])
        assert reply.status == 200, reply.body
        granted[session["session_id"]] = client_claims(service, reply.body["url"])
    for session_id, claims in granted.items():
        assert claims["role"] == [f"webpubsub.joinLeaveGroup.session.{session_id}"]  # no other group, no sendToGroup
        assert claims["sub"] == session_id and "webpubsub.group" not in claims  # joins nothing on its own
        assert claims["exp"] - time.time() <= 3600


async def test_no_client_token_is_handed_out_for_another_or_a_stale_session(api):
    http_api, world, _ = api
    a, b = await create(http_api), await create(http_api)
    expired, _ = world.tokens.issue(b["session_id"], now=time.time() - 2 * world.tokens.ttl_s)
    for session_id, token, says in ((b["session_id"], a["token"], "another session"), (b["session_id"], expired, "expired")):
        reply = await negotiate(http_api, session_id, token)
        assert reply.status == 401 and reply.body["error"]["code"] == "invalid_token" and says in reply.body["error"]["message"]
        assert "url" not in reply.body
