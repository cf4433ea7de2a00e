"""The HTTP API of the running embedded default: happy paths and every kind of bad input get a clear JSON error."""

import json
import urllib.error
import urllib.request

import pytest


def call(base, method, path, body=None, token=None, content_type="application/json", raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None and content_type:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def session(app_url):
    status, body = call(app_url, "POST", "/api/sessions", {"role": "software_engineer", "question_count": 2})
    assert status == 201, body
    return body


def test_roles_are_listed(app_url):
    status, body = call(app_url, "GET", "/api/roles")
    assert status == 200
    assert {"software_engineer", "product_manager", "data_scientist", "customer_success"} <= {r["id"] for r in body["roles"]}


def test_created_session_says_where_to_connect(session):
    assert session["session_id"].startswith("s_") and session["token"]
    assert session["relay"]["offer_url"] == f"/api/sessions/{session['session_id']}/offer"
    assert len(session["questions"]) == 2 and session["status"] == "created"


def test_session_is_read_back_with_its_token(app_url, session):
    status, body = call(app_url, "GET", f"/api/sessions/{session['session_id']}", token=session["token"])
    assert status == 200
    assert body["questions"] == session["questions"] and body["transcript"] == []


def test_own_questions_make_a_session(app_url):
    status, body = call(app_url, "POST", "/api/sessions", {"questions": [{"text": "Why do you want this job?", "key_points": ["motivation"]}]})
    assert status == 201 and body["questions"][0]["text"] == "Why do you want this job?"


@pytest.mark.parametrize(
    ("body", "raw", "content_type", "status", "code"),
    [
        (None, b"{not json", "application/json", 400, "invalid_json"),
        ({"role": "astronaut"}, None, "application/json", 404, "unknown_role"),
        ({"question_count": 3}, None, "application/json", 400, "invalid_request"),
        ({"role": "software_engineer", "question_count": 99}, None, "application/json", 400, "invalid_request"),
        ({"role": "software_engineer"}, None, "text/plain", 415, "unsupported_media_type"),
        (None, b'{"questions": [{"text": "' + b"a" * 70000 + b'"}]}', "application/json", 413, "body_too_large"),
    ],
)
def test_bad_create_requests_get_clear_errors(app_url, body, raw, content_type, status, code):
    got_status, got = call(app_url, "POST", "/api/sessions", body, raw=raw, content_type=content_type)
    assert (got_status, got["error"]["code"]) == (status, code)
    assert got["error"]["message"]


def test_reading_a_session_needs_its_token(app_url, session):
    sid = session["session_id"]
    assert call(app_url, "GET", f"/api/sessions/{sid}")[0] == 401
    assert call(app_url, "GET", f"/api/sessions/{sid}", token="garbage")[1]["error"]["code"] == "invalid_token"


def test_one_candidate_cannot_read_another_session(app_url, session):
    _, other = call(app_url, "POST", "/api/sessions", {"role": "product_manager", "question_count": 1})
    status, body = call(app_url, "GET", f"/api/sessions/{session['session_id']}", token=other["token"])
    assert status == 401 and "another session" in body["error"]["message"]


def test_unknown_route_is_a_json_404(app_url):
    status, body = call(app_url, "GET", "/api/nothing-here")
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"sdp": "this is not sdp", "type": "offer"}, "invalid_sdp"),
        ({"sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "type": "offer"}, "invalid_sdp"),
        ({"sdp": "v=0\r\n", "type": "answer"}, "invalid_sdp"),
        ({"type": "offer"}, "invalid_request"),
    ],
)
def test_malformed_offers_are_refused_and_the_server_lives_on(app_url, session, payload, code):
    status, body = call(app_url, "POST", f"/api/sessions/{session['session_id']}/offer", payload, token=session["token"])
    assert status == 400 and body["error"]["code"] == code, body
    assert call(app_url, "GET", "/healthz")[0] == 200


def test_offer_needs_the_session_token(app_url, session):
    status, body = call(app_url, "POST", f"/api/sessions/{session['session_id']}/offer", {"sdp": "v=0", "type": "offer"})
    assert status == 401 and body["error"]["code"] == "invalid_token"


def test_offer_for_an_unknown_session_is_refused(app_url, session):
    status, body = call(app_url, "POST", "/api/sessions/s_nope/offer", {"sdp": "v=0", "type": "offer"}, token=session["token"])
    assert status == 401  # the token names another session: nothing about s_nope is revealed


def test_negotiate_gives_a_pubsub_url_for_the_session_group(app_url, session):
    status, body = call(app_url, "GET", f"/api/sessions/{session['session_id']}/negotiate", token=session["token"])
    assert status == 200
    assert body["group"] == f"session.{session['session_id']}" and body["url"].startswith("ws://")
