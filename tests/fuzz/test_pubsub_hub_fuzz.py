"""Hostile clients of the local pub/sub hub: forged access tokens get a JSON 401; any frame leaves the connection usable."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import aiohttp
import jwt
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rehearse.adapters.local.pubsub_hub import PATH, SUBPROTOCOL
from tests.fuzz.embedded import SECRET
from tests.fuzz.expect import assert_clear_error, budget
from tests.fuzz.forged import OTHER_SECRET

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
frames = st.fixed_dictionaries(
    {"type": st.sampled_from(["joinGroup", "leaveGroup", "sendToGroup", "event", "sequenceAck", "JOINGROUP", ""]) | json_values},
    optional={
        "group": st.sampled_from(["session.s_other", "session.", "session.*", "*", ""]) | json_values,
        "ackId": st.integers(-5, 2**40) | json_values,
        "data": json_values,
        "dataType": st.sampled_from(["json", "text", "binary"]) | json_values,
        "event": json_values,
    },
)


@pytest.fixture(scope="module")
async def access(embedded, session):
    reply = await embedded.request("GET", f"/api/sessions/{session['session_id']}/negotiate", {"Authorization": f"Bearer {session['token']}"})
    assert reply.status == 200, reply
    return reply.json()


@pytest.fixture(scope="module")
async def http():
    async with aiohttp.ClientSession() as client:
        yield client


def hub_token(claims: dict, secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _now() -> int:
    import time

    return int(time.time())


@budget(60)
@given(token=st.text(max_size=300) | st.sampled_from(["", "a.b.c", "null"]))
@example(token=hub_token({"aud": "rehearse.pubsub", "sub": "s_x", "role": ["webpubsub.joinLeaveGroup.session.s_x"], "exp": _now() + 60}, OTHER_SECRET))
@example(token=hub_token({"aud": "rehearse.pubsub", "sub": "s_x", "exp": _now() - 60}))
@example(token=hub_token({"aud": "rehearse.session", "sub": "s_x", "exp": _now() + 60, "iss": "rehearse"}))
@example(token=hub_token({"aud": "rehearse.pubsub", "role": "webpubsub.joinLeaveGroup.session.s_x", "exp": _now() + 60}))
@example(token=hub_token({"aud": "rehearse.pubsub", "sub": "s_x"}))
@example(token=jwt.encode({"aud": "rehearse.pubsub", "sub": "s_x", "exp": _now() + 60}, None, algorithm="none"))
@example(token="\u00e9\u00e8")
async def test_access_tokens_that_are_not_the_hubs_get_a_json_401(embedded, token):
    reply = await embedded.request("GET", f"{PATH}?access_token={quote(token, safe='')}", {"Upgrade": "websocket", "Connection": "Upgrade"})
    error = assert_clear_error(reply, (401,))
    assert error["code"] == "invalid_token" and "negotiate" in error["message"]


async def _connected(http, access):
    ws = await http.ws_connect(access["url"], protocols=(SUBPROTOCOL,))
    assert (await ws.receive_json(timeout=5))["event"] == "connected"
    return ws


async def _receive(ws, timeout: float = 5) -> dict:
    message = await ws.receive(timeout=timeout)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


@budget(80)
@given(burst=st.lists(frames.map(json.dumps) | st.text(max_size=200) | st.binary(max_size=50) | json_values.map(json.dumps), min_size=1, max_size=5))
@example(burst=["[" * 5000, "null", "[]", "1", '"joinGroup"'])
@example(burst=[json.dumps({"type": "joinGroup", "group": ["session.x"], "ackId": 1})])
@example(burst=[json.dumps({"type": "joinGroup", "group": {"a": 1}, "ackId": {"nested": [1, 2]}})])
async def test_any_frames_leave_the_connection_usable_and_confined(embedded, session, access, http, burst):
    ws = await _connected(http, access)
    try:
        for frame in burst:
            await (ws.send_bytes(frame) if isinstance(frame, bytes) else ws.send_str(frame))
        await ws.send_json({"type": "joinGroup", "group": access["group"], "ackId": -424242})
        while True:  # acks of the burst come first, in order; each refusal says why
            ack = await _receive(ws)
            assert ack["type"] == "ack", ack
            if ack["ackId"] == -424242:
                assert ack["success"] is True, ack
                break
            if not ack["success"]:
                assert ack["error"]["name"] == "Forbidden" and len(ack["error"]["message"]) > 20, ack
        await embedded.hub.publish(session["session_id"], {"type": "probe"})
        message = await _receive(ws)
        assert message["group"] == access["group"] and message["data"] == {"type": "probe"}
        assert embedded.hub._groups.keys() <= {access["group"]} | {f"session.{s}" for s in _sessions(embedded)}
    finally:
        await ws.close()


def _sessions(embedded) -> set[str]:
    return {key.removeprefix("session.") for key in embedded.hub._groups}


async def test_a_frame_larger_than_the_limit_closes_only_that_connection(embedded, access, http):
    big = await _connected(http, access)
    await big.send_str(json.dumps({"type": "joinGroup", "group": access["group"], "data": "x" * 70_000}))
    closed = await big.receive(timeout=5)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING), closed
    await big.close()
    small = await _connected(http, access)
    await small.send_json({"type": "joinGroup", "group": access["group"], "ackId": 1})
    assert (await _receive(small))["success"] is True
    await small.close()
    await asyncio.sleep(0)
    assert (await embedded.request("GET", "/healthz")).status == 200
