"""The embedded default's every reply carries the security headers: the page its Content-Security-Policy, the API,
the relay and the pub/sub hub nosniff, no Referer and no caching of transcripts or tokens (rehearse/security/headers.py).

The aiohttp app runs in this process on a real socket (no speech models); a raw client sees exactly what is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rehearse.security.headers import directives
from tests.fuzz.embedded import Embedded, embedded_app

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture(scope="module")
async def embedded(tmp_path_factory):
    async with embedded_app(tmp_path_factory.mktemp("edge-headers")) as app:
        yield app


async def _session(embedded: Embedded) -> dict:
    return await embedded.create_session()


def _page_policy(reply) -> dict[str, list[str]]:
    assert reply.status == 200, reply
    return directives(reply.headers["content-security-policy"])


async def every_reply(embedded: Embedded) -> list[tuple[str, str, object]]:
    """(method, target, reply) for every route of the app, with and without a valid token, and for paths it lacks."""
    session = await _session(embedded)
    sid, token = session["session_id"], session["token"]
    auth = {"Authorization": f"Bearer {token}"}
    json_body = {"Content-Type": "application/json"}
    asked: list[tuple[str, str, dict[str, str], bytes]] = [("GET", "/", {}, b""), ("GET", "/index.html", {}, b"")]
    asked += [("GET", f"/{f.name}", {}, b"") for f in sorted(WEB.iterdir()) if f.is_file()]
    asked += [
        ("GET", "/no-such-file.js", {}, b""),
        ("GET", "/healthz", {}, b""),
        ("GET", "/pubsub/client", {}, b""),
        ("GET", "/api/nowhere", {}, b""),
        ("PUT", "/api/roles", {}, b""),
        ("POST", "/api/sessions", json_body, b"{"),
        ("POST", f"/api/sessions/{sid}/offer", {**auth, **json_body}, b"{}"),
        ("POST", f"/api/sessions/{sid}/offer", json_body, b"{}"),
        ("GET", "/api/history?limit=5", {"Authorization": f"Bearer {session['candidate']['token']}"}, b""),
        ("POST", f"/api/sessions/{sid}/diagnostics", {**auth, **json_body}, json.dumps({"reason": "manual"}).encode()),
    ]
    for method, path in embedded.session_routes(sid):
        if method != "DELETE":
            asked += [(method, path, auth, b""), (method, path, {}, b"")]
    asked.append(("DELETE", f"/api/sessions/{sid}", auth, b""))  # last: it ends the session the others read
    return [(method, target, await embedded.request(method, target, headers, body)) for method, target, headers, body in asked]


async def test_every_reply_is_nosniff_and_sends_no_referrer(embedded):
    replies = await every_reply(embedded)
    assert len(replies) > 40
    missing = [(m, t, r.status) for m, t, r in replies if r.headers.get("x-content-type-options") != "nosniff"]
    assert missing == []
    assert [(m, t) for m, t, r in replies if r.headers.get("referrer-policy") != "no-referrer"] == []


async def test_the_page_carries_its_content_security_policy_and_permissions(embedded):
    for target in ("/", "/index.html"):
        reply = await embedded.request("GET", target)
        policy = _page_policy(reply)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert "microphone=(self)" in reply.headers["permissions-policy"]
        assert reply.headers["cache-control"] == "no-cache"  # the page's own: revalidated, never stale after an update


async def test_api_replies_with_transcripts_or_tokens_are_never_stored(embedded):
    session = await _session(embedded)
    sid, token = session["session_id"], session["token"]
    auth = {"Authorization": f"Bearer {token}"}
    carrying = {
        "a new session's token": await embedded.request("POST", "/api/sessions", {"Content-Type": "application/json"},
                                                        json.dumps({"role": "sales", "question_count": 1}).encode()),
        "a transcript": await embedded.request("GET", f"/api/sessions/{sid}", auth),
        "a pub/sub access token": await embedded.request("GET", f"/api/sessions/{sid}/negotiate", auth),
        "session tokens in the history": await embedded.request(
            "GET", "/api/history", {"Authorization": f"Bearer {session['candidate']['token']}"}),
        "the report (not ready yet)": await embedded.request("GET", f"/api/sessions/{sid}/report.html", auth),
        "an error": await embedded.request("GET", f"/api/sessions/{sid}"),
    }
    assert {what: r.status for what, r in carrying.items()} == {
        "a new session's token": 201, "a transcript": 200, "a pub/sub access token": 200, "session tokens in the history": 200,
        "the report (not ready yet)": 404, "an error": 401,
    }
    assert {what: r.headers.get("cache-control") for what, r in carrying.items() if r.headers.get("cache-control") != "no-store"} == {}


async def test_the_page_may_connect_to_a_relay_elsewhere(tmp_path):
    async with embedded_app(tmp_path, relay_public_url="https://relay.example.com") as app:
        policy = _page_policy(await app.request("GET", "/"))
    assert policy["connect-src"] == ["'self'", "https://relay.example.com"]
