"""Sessions A and B in one embedded app: nothing A holds opens anything of B, and stale or foreign tokens open nothing."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import parse_qs, urlsplit

import aiohttp
import jwt
import pytest

from rehearse.adapters.local.pubsub_hub import SUBPROTOCOL
from rehearse.security.tokens import SessionTokens
from tests.fuzz.embedded import SECRET
from tests.fuzz.expect import assert_clear_error
from tests.fuzz.forged import OTHER_SECRET
from tests.fuzz.sdp import AIORTC_OFFER
from tests.security.peer import connect

JSON = "application/json"
QUIET_S = 0.4  # how long a client must hear nothing for "it received nothing" to count


def _body(method: str) -> bytes:
    return json.dumps({"sdp": AIORTC_OFFER, "type": "offer"}).encode() if method == "POST" else b""


async def call(embedded, method: str, path: str, token: str | None, **headers: str):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await embedded.request(method, path, {"Content-Type": JSON, **headers}, _body(method))


async def negotiate(embedded, session: dict) -> dict:
    reply = await call(embedded, "GET", f"/api/sessions/{session['session_id']}/negotiate", session["token"])
    assert reply.status == 200, reply
    return reply.json()


async def hub_client(http: aiohttp.ClientSession, access: dict) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(access["url"], protocols=(SUBPROTOCOL,))
    assert (await ws.receive_json(timeout=5))["event"] == "connected"
    return ws


async def next_frame(ws, timeout: float = 5) -> dict | None:
    """The next frame, or None if nothing arrives within `timeout`."""
    try:
        message = await ws.receive(timeout=timeout)
    except TimeoutError:
        return None
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as client:
        yield client


# -- the HTTP API and the relay -----------------------------------------------------------------------------------------
async def test_a_token_for_a_opens_no_route_of_b(embedded, a, b):
    routes = embedded.session_routes(b["session_id"])
    assert {path.rsplit("/", 1)[-1] for _, path in routes} >= {b["session_id"], "negotiate", "offer"}
    for method, path in routes:
        error = assert_clear_error(await call(embedded, method, path, a["token"]), (401,))
        assert error["code"] == "invalid_token" and "another session" in error["message"], (method, path, error)
        assert b["session_id"] not in error["message"]  # nothing about B is revealed
    reply = await call(embedded, "GET", f"/api/sessions/{b['session_id']}", b["token"])
    assert reply.status == 200 and reply.json()["questions"] == b["questions"]  # B is untouched, DELETE included


async def test_a_token_for_a_cannot_take_over_bs_live_connection(embedded, a, b):
    peer = await connect(embedded, b)
    try:
        live = embedded.app["relay"].live[b["session_id"]]
        for token in (a["token"], None, "garbage"):
            error = assert_clear_error(await call(embedded, "POST", f"/api/sessions/{b['session_id']}/offer", token), (401,))
            assert error["code"] == "invalid_token"
        broken = json.dumps({"sdp": AIORTC_OFFER.replace("a=mid:0", "a=mid:1"), "type": "offer"}).encode()
        headers = {"Content-Type": JSON, "Authorization": f"Bearer {b['token']}"}
        reply = await embedded.request("POST", f"/api/sessions/{b['session_id']}/offer", headers, broken)
        assert assert_clear_error(reply, (400,))["code"] == "invalid_sdp"  # even B's own broken reconnect keeps the live one
        await asyncio.sleep(0.3)
        assert embedded.app["relay"].live.get(b["session_id"]) is live  # B's connection was neither replaced nor closed
        assert peer.connectionState == "connected"
    finally:
        await peer.close()
        await embedded.close_live()


async def test_session_and_pubsub_tokens_do_not_stand_in_for_each_other(embedded, a):
    access = await negotiate(embedded, a)
    hub_token = parse_qs(urlsplit(access["url"]).query)["access_token"][0]
    error = assert_clear_error(await call(embedded, "GET", f"/api/sessions/{a['session_id']}", hub_token), (401,))
    assert error["code"] == "invalid_token"
    forged_url = access["url"].replace(hub_token, a["token"])
    reply = await embedded.request("GET", urlsplit(forged_url).path + "?" + urlsplit(forged_url).query)
    assert assert_clear_error(reply, (401,))["code"] == "invalid_token"


# -- expired tokens and tokens of another deployment -------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["expired", "other_secret"])
async def test_stale_or_foreign_session_tokens_are_refused_on_every_route(embedded, a, kind):
    if kind == "expired":  # issued by the project's own token code, two TTLs ago
        token, expires = embedded.world.tokens.issue(a["session_id"], now=time.time() - 2 * embedded.world.tokens.ttl_s)
        assert expires < time.time()
    else:
        token, _ = SessionTokens(OTHER_SECRET).issue(a["session_id"])
    for method, path in embedded.session_routes(a["session_id"]):
        error = assert_clear_error(await call(embedded, method, path, token), (401,))
        assert error["code"] == "invalid_token", (method, path, error)
        assert ("expired" if kind == "expired" else "not issued by this deployment") in error["message"], error


async def test_a_short_lived_token_works_until_it_expires(embedded, a):
    tokens = SessionTokens(SECRET, ttl_s=2)  # the deployment's secret, a two-second lifetime
    token, _ = tokens.issue(a["session_id"])
    assert (await call(embedded, "GET", f"/api/sessions/{a['session_id']}", token)).status == 200
    await asyncio.sleep(3.1)  # PyJWT compares exp with the wall clock: wait it out
    error = assert_clear_error(await call(embedded, "GET", f"/api/sessions/{a['session_id']}", token), (401,))
    assert "expired" in error["message"]


async def test_an_expired_pubsub_access_url_is_refused(embedded, a, hub_clock, http):
    hub_clock.offset_s = -2 * 3600  # the hub hands out a URL whose token expired an hour ago
    try:
        access = await negotiate(embedded, a)
    finally:
        hub_clock.offset_s = 0
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(access["url"], protocols=(SUBPROTOCOL,))
    assert refused.value.status == 401
    split = urlsplit(access["url"])
    error = assert_clear_error(await embedded.request("GET", f"{split.path}?{split.query}"), (401,))
    assert "expired" in error["message"] and "negotiate" in error["message"]


async def test_a_pubsub_token_signed_by_another_deployment_is_refused(embedded, a):
    now = int(time.time())
    group = f"session.{a['session_id']}"
    claims = {"aud": "rehearse.pubsub", "sub": a["session_id"], "role": [f"webpubsub.joinLeaveGroup.{group}"], "iat": now, "exp": now + 600}
    token = jwt.encode(claims, OTHER_SECRET, algorithm="HS256")
    assert assert_clear_error(await embedded.request("GET", f"/pubsub/client?access_token={token}"), (401,))["code"] == "invalid_token"


# -- the pub/sub hub ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "group_of_b",
    ["session.{b}", "session.{b} ", "SESSION.{b}", "session.{b}\u0000", "session.*", "*", "session.", "session.{a},session.{b}"],
)
async def test_as_client_cannot_join_bs_group_with_a_hand_crafted_frame(embedded, a, b, http, group_of_b):
    access_a, access_b = await negotiate(embedded, a), await negotiate(embedded, b)
    ws_a, ws_b = await hub_client(http, access_a), await hub_client(http, access_b)
    try:
        await ws_b.send_json({"type": "joinGroup", "group": access_b["group"], "ackId": 1})
        assert (await next_frame(ws_b))["success"] is True
        group = group_of_b.format(a=a["session_id"], b=b["session_id"])
        await ws_a.send_json({"type": "joinGroup", "group": group, "ackId": 7})
        ack = await next_frame(ws_a)
        assert ack["ackId"] == 7 and ack["success"] is False and ack["error"]["name"] == "Forbidden", ack
        await embedded.hub.publish(b["session_id"], {"type": "answer.scored", "secret": "b's score"})
        assert (await next_frame(ws_b))["data"]["secret"] == "b's score"
        assert await next_frame(ws_a, QUIET_S) is None  # A heard nothing of B
    finally:
        await ws_a.close()
        await ws_b.close()


@pytest.mark.parametrize("frame", [
    {"type": "sendToGroup", "group": "session.{b}", "dataType": "json", "data": {"type": "session.ended"}},
    {"type": "sendToGroup", "group": "session.{a}", "dataType": "json", "data": {"type": "session.ended"}},
    {"type": "event", "event": "message", "dataType": "json", "data": {"group": "session.{b}"}},
])
async def test_no_client_can_send_or_publish_to_a_group(embedded, a, b, http, frame):
    access_a, access_b = await negotiate(embedded, a), await negotiate(embedded, b)
    ws_a, ws_b = await hub_client(http, access_a), await hub_client(http, access_b)
    try:
        for ws, access in ((ws_a, access_a), (ws_b, access_b)):
            await ws.send_json({"type": "joinGroup", "group": access["group"], "ackId": 1})
            assert (await next_frame(ws))["success"] is True
        filled = json.loads(json.dumps(frame).replace("{a}", a["session_id"]).replace("{b}", b["session_id"]))
        await ws_a.send_json({**filled, "ackId": 9})
        ack = await next_frame(ws_a)
        assert ack["ackId"] == 9 and ack["success"] is False and ack["error"]["name"] == "Forbidden", ack
        assert await next_frame(ws_b, QUIET_S) is None  # nothing reached B's group
        assert await next_frame(ws_a, 0.05) is None  # nor A's own
    finally:
        await ws_a.close()
        await ws_b.close()


async def test_leaving_and_rejoining_stays_within_the_own_group(embedded, a, b, http):
    access_a = await negotiate(embedded, a)
    ws_a = await hub_client(http, access_a)
    try:
        for kind, group, ok in (("joinGroup", access_a["group"], True), ("leaveGroup", access_a["group"], True),
                                ("leaveGroup", f"session.{b['session_id']}", False), ("joinGroup", access_a["group"], True)):
            await ws_a.send_json({"type": kind, "group": group, "ackId": 3})
            assert (await next_frame(ws_a))["success"] is ok, (kind, group)
        await embedded.hub.publish(b["session_id"], {"type": "for b"})
        await embedded.hub.publish(a["session_id"], {"type": "for a"})
        assert (await next_frame(ws_a))["data"]["type"] == "for a"
    finally:
        await ws_a.close()
