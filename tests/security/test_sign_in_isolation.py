"""With sign-in required (Easy Auth), a session belongs to a person: candidate X cannot read candidate Y's session,
not even holding Y's session token."""

from __future__ import annotations

import base64
import json

import pytest

from tests.fuzz.embedded import embedded_app
from tests.fuzz.expect import assert_clear_error

OBJECT_ID = "http://schemas.microsoft.com/identity/claims/objectidentifier"


def principal(oid: str) -> dict[str, str]:
    """The headers Easy Auth sets after an Entra ID sign-in."""
    document = {"auth_typ": "aad", "claims": [{"typ": OBJECT_ID, "val": oid}, {"typ": "name", "val": oid.title()}]}
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(document).encode()).decode(), "X-MS-CLIENT-PRINCIPAL-ID": oid}


@pytest.fixture(scope="module")
async def signed_in(tmp_path_factory):
    async with embedded_app(tmp_path_factory.mktemp("sign-in-data"), require_sign_in=True) as app:
        yield app


async def create(app, oid: str) -> dict:
    reply = await app.request("POST", "/api/sessions", {"Content-Type": "application/json", **principal(oid)}, b'{"role": "sales", "question_count": 1}')
    assert reply.status == 201, reply
    return reply.json()


@pytest.fixture(scope="module")
async def x_and_y(signed_in):
    return await create(signed_in, "oid-xavier"), await create(signed_in, "oid-yolanda")


def reading_routes(app, session_id: str) -> list[tuple[str, str]]:
    """Every route under the session except the relay's offer, whose container has no Easy Auth in front of it."""
    return [(m, p) for m, p in app.session_routes(session_id) if not p.endswith("/offer")]


async def test_x_holding_ys_token_reads_nothing_of_ys_session(signed_in, x_and_y):
    _, y = x_and_y
    routes = reading_routes(signed_in, y["session_id"])
    assert ("GET", f"/api/sessions/{y['session_id']}/negotiate") in routes
    for method, path in routes:
        headers = {"Authorization": f"Bearer {y['token']}", "Content-Type": "application/json", **principal("oid-xavier")}
        reply = await signed_in.request(method, path, headers, b"{}" if method == "POST" else b"")
        error = assert_clear_error(reply, (403,))
        assert error["code"] == "not_your_session", (method, path, error)
    own = {"Authorization": f"Bearer {y['token']}", **principal("oid-yolanda")}
    assert (await signed_in.request("GET", f"/api/sessions/{y['session_id']}", own)).status == 200  # Y still can


async def test_without_signing_in_even_the_right_token_reads_nothing(signed_in, x_and_y):
    _, y = x_and_y
    for method, path in reading_routes(signed_in, y["session_id"]):
        reply = await signed_in.request(method, path, {"Authorization": f"Bearer {y['token']}", "Content-Type": "application/json"}, b"{}" if method == "POST" else b"")
        error = assert_clear_error(reply, (401,))
        assert error["code"] == "sign_in_required" and "sign in" in error["message"], (method, path, error)


async def test_xs_own_token_does_not_open_ys_session(signed_in, x_and_y):
    x, y = x_and_y
    for method, path in signed_in.session_routes(y["session_id"]):
        headers = {"Authorization": f"Bearer {x['token']}", "Content-Type": "application/json", **principal("oid-xavier")}
        reply = await signed_in.request(method, path, headers, b"{}" if method == "POST" else b"")
        assert assert_clear_error(reply, (401,))["code"] == "invalid_token", (method, path)


async def test_history_lists_only_the_signed_in_candidates_sessions(signed_in, x_and_y):
    x, y = x_and_y
    reply = await signed_in.request("GET", "/api/history", principal("oid-xavier"))
    assert reply.status == 200, reply
    listed = {entry["session_id"] for entry in reply.json()["interviews"]}
    assert x["session_id"] in listed and y["session_id"] not in listed
    ys_candidate = {"Authorization": f"Bearer {y['candidate']['token']}", **principal("oid-xavier")}
    assert_clear_error(await signed_in.request("GET", "/api/history", ys_candidate))  # Y's candidate token does not make X into Y


@pytest.mark.parametrize(
    "header",
    [
        "!!!",
        base64.b64encode(b"[" * 5000).decode(),
        base64.b64encode(b'{"auth_typ": "aad", "claims": "x"}').decode(),
        base64.b64encode(json.dumps({"auth_typ": "aad", "claims": [{"typ": "oid", "val": "v" * 300}]}).encode()).decode(),
    ],
)
async def test_malformed_principals_are_refused_with_a_json_error(signed_in, header):
    reply = await signed_in.request("POST", "/api/sessions", {"Content-Type": "application/json", "X-MS-CLIENT-PRINCIPAL": header}, b'{"role": "sales"}')
    assert_clear_error(reply, (400, 401))
