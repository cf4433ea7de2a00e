"""The Function App's HTTP functions send the same security headers as the embedded server (rehearse/security/headers.py):
nosniff and no Referer on every reply, no-store on everything that carries a transcript or a token, the printable
report included; the report keeps its own Content-Security-Policy."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from rehearse.security.headers import API_HEADERS, directives
from tests.functions.test_api_blueprint import functions_by_name
from tests.functions.test_report_export import finished_interview
from tests.fuzz.embedded import embedded_app

BASE = "http://localhost:7071/api"


@pytest.fixture
def functions(tmp_path, monkeypatch):
    monkeypatch.setenv("REHEARSE_DATA_DIR", str(tmp_path))
    from functions import api_blueprint, host_world

    api_blueprint._api.cache_clear()
    host_world.host_world.cache_clear()
    # the API's functions; web_page sends the page's headers (tests/functions/test_web_blueprint.py)
    yield {name: f.get_user_function() for name, f in functions_by_name().items() if f.get_trigger().type == "httpTrigger" and name != "web_page"}
    api_blueprint._api.cache_clear()
    host_world.host_world.cache_clear()


def _request(method: str, path: str, token: str | None = None, body: dict | None = None, **route: str) -> func.HttpRequest:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return func.HttpRequest(method, f"{BASE}/{path}", headers=headers, body=json.dumps(body).encode() if body is not None else b"",
                            route_params=route)


async def test_every_http_function_replies_with_the_api_security_headers(functions):
    created = await functions["create_session"](_request("POST", "sessions", body={"role": "sales", "question_count": 1}))
    session = json.loads(created.get_body())
    sid, token = session["session_id"], session["token"]
    at = {"session_id": sid}
    replies = {
        "create_session": created,
        "list_roles": await functions["list_roles"](_request("GET", "roles")),
        "get_session": await functions["get_session"](_request("GET", f"sessions/{sid}", token, **at)),
        "get_session without a token": await functions["get_session"](_request("GET", f"sessions/{sid}", **at)),
        "negotiate": await functions["negotiate"](_request("GET", f"sessions/{sid}/negotiate", token, **at)),
        "list_history": await functions["list_history"](_request("GET", "history", session["candidate"]["token"])),
        "get_report_html": await functions["get_report_html"](_request("GET", f"sessions/{sid}/report.html", token, **at)),
        "get_recording": await functions["get_recording"](_request("GET", f"sessions/{sid}/recordings/q-0-1.wav", token, name="q-0-1.wav", **at)),
        "upload_diagnostics": await functions["upload_diagnostics"](_request("POST", f"sessions/{sid}/diagnostics", token, {"v": 1}, **at)),
        "delete_session": await functions["delete_session"](_request("DELETE", f"sessions/{sid}", token, **at)),
    }
    assert set(functions) <= set(replies)
    for what, reply in replies.items():
        assert {name: reply.headers.get(name) for name in API_HEADERS} == API_HEADERS, what


async def test_the_printable_report_is_never_stored_and_keeps_its_own_policy(tmp_path):
    # The report handler is shared; the embedded app and the blueprint apply the same defaults under its headers.
    from rehearse.app.feedback_pipeline import FeedbackPipeline

    async with embedded_app(tmp_path / "data") as embedded:
        FeedbackPipeline(embedded.world).subscribe(embedded.world.queue)
        session = await finished_interview(embedded)
        reply = await embedded.request("GET", f"/api/sessions/{session['session_id']}/report.html?token={session['token']}")
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-content-type-options"] == "nosniff" and reply.headers["referrer-policy"] == "no-referrer"
    policy = directives(reply.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
