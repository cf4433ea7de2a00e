"""The nastiest inputs the in-process fuzzing found, once more against the real `python -m rehearse.local` process."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import aiohttp

from rehearse.adapters.local.pubsub_hub import SUBPROTOCOL
from tests.fuzz.embedded import raw_request
from tests.fuzz.expect import assert_clear_error
from tests.fuzz.sdp import CHROMIUM_OFFER

JSON = {"Content-Type": "application/json"}


async def test_the_real_process_refuses_hostile_input_and_stays_healthy(app_url):
    port = urlsplit(app_url).port

    async def request(method, target, headers=None, body=b""):
        return await raw_request(port, method, target, headers or {}, body)

    created = await request("POST", "/api/sessions", JSON, b'{"role": "sales", "question_count": 1}')
    assert created.status == 201, created
    session = created.json()
    sid, auth = session["session_id"], {"Authorization": f"Bearer {session['token']}", **JSON}
    hostile = [
        ("POST", "/api/sessions", JSON, b"[" * 20_000),
        ("POST", "/api/sessions", JSON, b'{"questions": [{"text": "   "}]}'),
        ("POST", "/api/sessions", {**JSON, "X-Rehearse-Candidate": "\u00e9"}, b'{"role": "sales"}'),
        ("GET", f"/api/sessions/{sid}", {"Authorization": "Bearer \u00e9\u00e8"}, b""),
        ("POST", f"/api/sessions/{sid}/offer", auth, json.dumps({"sdp": CHROMIUM_OFFER.replace("a=mid:0", "a=mid:1"), "type": "offer"}).encode()),
        ("POST", f"/api/sessions/{sid}/offer", auth, json.dumps({"sdp": CHROMIUM_OFFER.replace(" 46243 typ", " 99999 typ"), "type": "offer"}).encode()),
        ("POST", f"/api/sessions/{sid}/offer", auth, b"[" * 20_000),
        ("PUT", f"/api/sessions/{sid}/negotiate", auth, b"{}"),
        ("POST", "/api/nothing", JSON, b"{}"),
        ("GET", "/pubsub/client?access_token=%C3%A9", {}, b""),
        ("POST", "/api/sessions", {**JSON, "X-MS-CLIENT-PRINCIPAL": base64.b64encode(b"[" * 5000).decode()}, b'{"role": "sales"}'),
    ]
    for method, target, headers, body in hostile:
        reply = await request(method, target, headers, body)
        if reply.status != 201:  # sign-in is off here: a principal header is ignored and the session created
            assert_clear_error(reply)
    reply = await request("GET", f"/api/sessions/{sid}/negotiate", auth)
    async with aiohttp.ClientSession() as http, http.ws_connect(reply.json()["url"], protocols=(SUBPROTOCOL,)) as ws:
        await ws.receive_json(timeout=5)
        for frame in ("[" * 5000, "null", '{"type": "joinGroup", "group": ["x"], "ackId": 1}', '{"type": "sendToGroup", "group": "session.x", "ackId": 2}'):
            await ws.send_str(frame)
        await ws.send_json({"type": "joinGroup", "group": f"session.{sid}", "ackId": 3})
        acks = [await ws.receive_json(timeout=5) for _ in range(3)]
        assert [(ack["ackId"], ack["success"]) for ack in acks] == [(1, False), (2, False), (3, True)]
    health = await request("GET", "/healthz")
    assert health.status == 200 and health.json()["status"] == "ok"
