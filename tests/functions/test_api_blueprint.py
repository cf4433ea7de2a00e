"""The Functions app indexes as the host would load it, and its HTTP functions run the shared handlers."""

import json

import azure.functions as func
import pytest

import function_app

_INDEXED = {f.get_function_name(): f for f in function_app.app.get_functions()}  # the host indexes once


def functions_by_name():
    return _INDEXED


def test_every_api_operation_is_an_http_function():
    routes = {}
    for name, function in functions_by_name().items():
        trigger = function.get_trigger()
        if trigger.type != "httpTrigger":
            continue
        routes[name] = (trigger.route, tuple(m.value if hasattr(m, "value") else m for m in trigger.methods))
    assert routes == {
        "list_roles": ("api/roles", ("GET",)),
        "create_session": ("api/sessions", ("POST",)),
        "get_session": ("api/sessions/{session_id}", ("GET",)),
        "negotiate": ("api/sessions/{session_id}/negotiate", ("GET",)),
        "upload_diagnostics": ("api/sessions/{session_id}/diagnostics", ("POST",)),
        "get_recording": ("api/sessions/{session_id}/recordings/{name}", ("GET",)),
        "delete_session": ("api/sessions/{session_id}", ("DELETE",)),
        "get_report_html": ("api/sessions/{session_id}/report.html", ("GET",)),
        "web_page": ("{*path}", ("GET", "HEAD")),
        "list_history": ("api/history", ("GET",)),
    }


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("REHEARSE_DATA_DIR", str(tmp_path))
    from functions import api_blueprint, host_world

    api_blueprint._api.cache_clear()
    host_world.host_world.cache_clear()
    yield
    api_blueprint._api.cache_clear()
    host_world.host_world.cache_clear()


async def invoke(name, req):
    user_function = functions_by_name()[name].get_user_function()
    return await user_function(req)


async def test_create_then_read_a_session_through_the_functions(isolated):
    created = await invoke(
        "create_session",
        func.HttpRequest("POST", "http://localhost:7071/api/sessions", headers={"Content-Type": "application/json"}, body=json.dumps({"role": "sales", "question_count": 2}).encode()),
    )
    assert created.status_code == 201
    body = json.loads(created.get_body())
    read = await invoke(
        "get_session",
        func.HttpRequest("GET", f"http://localhost:7071/api/sessions/{body['session_id']}", headers={"Authorization": f"Bearer {body['token']}"}, body=b"", route_params={"session_id": body["session_id"]}),
    )
    assert read.status_code == 200 and json.loads(read.get_body())["questions"] == body["questions"]


async def test_bad_body_is_a_json_error_in_functions_too(isolated):
    response = await invoke("create_session", func.HttpRequest("POST", "http://localhost:7071/api/sessions", headers={"Content-Type": "application/json"}, body=b"{"))
    assert response.status_code == 400 and json.loads(response.get_body())["error"]["code"] == "invalid_json"


def test_each_feedback_handler_listens_on_its_queue():
    queues = {name: f.get_trigger().queue_name for name, f in functions_by_name().items() if f.get_trigger().type == "queueTrigger"}
    assert queues == {
        "score_answer": "answer-completed",
        "evaluate_answer": "answer-scored",
        "summarize_question": "question-closed",
        "finalize_report": "interview-ended",
    }
    for name in queues:
        assert functions_by_name()[name].get_trigger().connection == "AzureWebJobsStorage"


def principal(oid: str) -> str:
    import base64

    claims = {"auth_typ": "aad", "claims": [{"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": oid}, {"typ": "name", "val": "Ada"}]}
    return base64.b64encode(json.dumps(claims).encode()).decode()


async def test_with_sign_in_required_sessions_belong_to_the_signed_in_candidate(isolated, monkeypatch):
    monkeypatch.setenv("REHEARSE_REQUIRE_SIGN_IN", "true")
    body = json.dumps({"role": "sales", "question_count": 1}).encode()
    anonymous = await invoke("create_session", func.HttpRequest("POST", "http://x/api/sessions", headers={"Content-Type": "application/json"}, body=body))
    assert anonymous.status_code == 401 and json.loads(anonymous.get_body())["error"]["code"] == "sign_in_required"
    created = await invoke(
        "create_session",
        func.HttpRequest("POST", "http://x/api/sessions", headers={"Content-Type": "application/json", "X-MS-CLIENT-PRINCIPAL": principal("oid-ada")}, body=body),
    )
    assert created.status_code == 201
    session = json.loads(created.get_body())

    def read_as(oid):
        headers = {"Authorization": f"Bearer {session['token']}", "X-MS-CLIENT-PRINCIPAL": principal(oid)}
        return invoke("get_session", func.HttpRequest("GET", f"http://x/api/sessions/{session['session_id']}", headers=headers, body=b"", route_params={"session_id": session["session_id"]}))

    assert (await read_as("oid-ada")).status_code == 200
    other = await read_as("oid-eve")
    assert other.status_code == 403 and json.loads(other.get_body())["error"]["code"] == "not_your_session"
