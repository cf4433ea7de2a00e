"""The local hub speaks the Web PubSub JSON subprotocol to a real WebSocket client."""

import aiohttp
import pytest
from aiohttp import web

from rehearse.adapters.local.pubsub_hub import PATH, SUBPROTOCOL, LocalPubSubHub

SECRET = "s" * 40


@pytest.fixture
async def hub_url():
    hub = LocalPubSubHub(SECRET)
    app = web.Application()
    app.router.add_get(PATH, hub.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield hub, base
    await runner.cleanup()


async def test_a_client_joins_its_group_and_receives_events(hub_url):
    hub, base = hub_url
    access = await hub.client_access("s_1", base)
    async with aiohttp.ClientSession() as http, http.ws_connect(access["url"], protocols=(SUBPROTOCOL,)) as ws:
        assert ws.protocol == SUBPROTOCOL
        assert (await ws.receive_json())["event"] == "connected"
        await ws.send_json({"type": "joinGroup", "group": access["group"], "ackId": 1})
        assert await ws.receive_json() == {"type": "ack", "ackId": 1, "success": True}
        await hub.publish("s_1", {"type": "answer.scored", "question_id": "q1"})
        await hub.publish("s_2", {"type": "answer.scored", "question_id": "other"})
        message = await ws.receive_json()
        assert message == {"type": "message", "from": "group", "group": "session.s_1", "dataType": "json", "data": {"type": "answer.scored", "question_id": "q1"}}


async def test_a_client_cannot_join_another_sessions_group(hub_url):
    hub, base = hub_url
    access = await hub.client_access("s_1", base)
    async with aiohttp.ClientSession() as http, http.ws_connect(access["url"], protocols=(SUBPROTOCOL,)) as ws:
        await ws.receive_json()
        await ws.send_json({"type": "joinGroup", "group": "session.s_2", "ackId": 5})
        ack = await ws.receive_json()
        assert ack["ackId"] == 5 and ack["success"] is False and ack["error"]["name"] == "Forbidden"


async def test_a_connection_without_a_valid_token_is_refused(hub_url):
    _, base = hub_url
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}{PATH}?access_token=forged") as response:
            assert response.status == 401
