"""Hostile HTTP against the embedded app: never a 5xx, always a JSON error that says what to fix, and still healthy."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rehearse.security.tokens import CandidateTokens
from tests.fuzz.embedded import SECRET
from tests.fuzz.expect import assert_answered, assert_clear_error, budget
from tests.fuzz.forged import OTHER_SECRET, authorization_values, forged_token_names, forged_tokens, header_text

JSON = "application/json"
ROLES = ["software_engineer", "product_manager", "data_scientist", "customer_success", "sales"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)
create_bodies = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(ROLES) | st.text(max_size=80) | json_values,
        "question_count": st.integers(-3, 14) | json_values,
        "questions": st.lists(
            st.fixed_dictionaries({}, optional={"text": st.text(max_size=40) | json_values, "key_points": st.lists(st.text(max_size=20), max_size=22) | json_values}),
            max_size=22,
        )
        | json_values,
        "job_description": st.text(max_size=200) | json_values,
        "record_audio": st.booleans() | json_values,
        "v": json_values,
    },
)
content_types = st.sampled_from(
    [JSON, "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=latin-1", "text/plain", "",
     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "application/*", " ; "]
) | header_text


@budget(60)
@given(body=create_bodies)
@example(body={"questions": [{"text": "   "}]})
@example(body={"questions": [{"text": "\u0000\u200b\U0001f600\u202e"}]})
@example(body={"role": "software_engineer", "question_count": 1e300})
async def test_any_json_body_creates_a_session_or_says_what_is_wrong(embedded, body):
    reply = await embedded.request("POST", "/api/sessions", {"Content-Type": JSON}, json.dumps(body).encode())
    created = assert_answered(reply)
    if created is not None:
        assert reply.status == 201 and created["session_id"].startswith("s_") and created["questions"]


@budget(60)
@given(raw=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()), content_type=content_types)
@example(raw=b"[" * 5000, content_type=JSON)
@example(raw=b'{"role": "' + b"\xff\xfe" + b'"}', content_type=JSON)
@example(raw=b'{"role": "\\ud800"}', content_type=JSON)
@example(raw=b"1e999999", content_type=JSON)
@example(raw=b'{"role": "software_engineer", "question_count": ' + b"9" * 5000 + b"}", content_type=JSON)
async def test_any_bytes_under_any_content_type_get_a_clear_answer(embedded, raw, content_type):
    reply = await embedded.request("POST", "/api/sessions", {"Content-Type": content_type}, raw)
    assert_answered(reply)


@pytest.mark.parametrize("size", [65_536, 65_537, 200_000, 2_000_000])
@pytest.mark.parametrize("chunked", [False, True])
async def test_huge_bodies_are_refused_before_they_are_read(embedded, size, chunked):
    raw = json.dumps({"questions": [{"text": "x" * (size - 29)}]}).encode()
    assert len(raw) == size
    headers = {"Content-Type": JSON}
    if chunked:  # no Content-Length: the limit must hold while streaming
        headers["Transfer-Encoding"] = "chunked"
        raw = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (raw[i : i + 8192] for i in range(0, len(raw), 8192))) + b"0\r\n\r\n"
    reply = await embedded.request("POST", "/api/sessions", headers, raw)
    if size > 65_536:
        error = assert_clear_error(reply, (413,))
        assert error["code"] == "body_too_large" and "65536" in error["message"]
    else:
        assert_clear_error(reply, (400,))  # under the limit, but a 65 KB question is too long


@budget(40)
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "PURGE"]), which=st.integers(0, 20))
async def test_wrong_methods_name_the_right_ones(embedded, session, method, which):
    sid = session["session_id"]
    paths = ["/api/roles", "/api/sessions", "/api/history", "/healthz"] + sorted({path for _, path in embedded.session_routes(sid)})
    path = paths[which % len(paths)]
    right = embedded.route_methods(path)
    assert right, path
    if method in right:  # the right methods are fuzzed by the other tests
        return
    headers = {"Authorization": f"Bearer {session['token']}", "Content-Type": JSON}
    error = assert_clear_error(await embedded.request(method, path, headers, b"{}"), (405,))
    assert all(m in error["message"] for m in right), error


@budget(80)
@given(
    segment=st.text(max_size=40).map(lambda s: quote(s, safe=""))
    | st.sampled_from(["", ".", "..", "%2e%2e", "%2F", "a%2Fb", "%00", "%FF", "%C0%AF", ";", "?", "#", "~", "//", "s_%20", "*"])
    | st.text("abcdefs_0123456789/.;%", max_size=30),
    tail=st.sampled_from(
        ["", "/", "/negotiate", "/offer", "/diagnostics", "/report.html", "/recordings/q1-0.wav", "/recordings/..%2F..%2Fx", "/negotiate/",
         "/offer/x", "/../roles", "/%2e%2e/roles"]
    ),
    method=st.sampled_from(["GET", "POST"]),
)
async def test_odd_session_ids_and_paths_never_reach_another_session(embedded, session, segment, tail, method):
    headers = {"Authorization": f"Bearer {session['token']}", "Content-Type": JSON}
    reply = await embedded.request(method, f"/api/sessions/{segment}{tail}", headers, b"{}" if method == "POST" else b"")
    body = assert_answered(reply)
    if body is not None and "session_id" in body:  # only the token's own session is ever shown
        assert body["session_id"] == session["session_id"], (segment, tail)


@budget(80)
@given(authorization=authorization_values, which=st.integers(0, 20))
async def test_any_authorization_header_but_the_token_is_refused(embedded, session, authorization, which):
    routes = embedded.session_routes(session["session_id"])
    method, path = routes[which % len(routes)]
    reply = await embedded.request(method, path, {"Authorization": authorization, "Content-Type": JSON}, b"{}" if method == "POST" else b"")
    if authorization.removeprefix("Bearer ").strip() == session["token"]:
        return
    error = assert_clear_error(reply, (401,))
    assert error["code"] == "invalid_token"


@pytest.mark.parametrize("kind", forged_token_names())
async def test_forged_tokens_are_refused_on_every_session_route(embedded, session, kind):
    other = await embedded.create_session("sales", 1)
    token = forged_tokens(session["session_id"], other["session_id"], other["token"])[kind]
    for method, path in embedded.session_routes(session["session_id"]):
        reply = await embedded.request(method, path, {"Authorization": f"Bearer {token}", "Content-Type": JSON}, b"{}" if method == "POST" else b"")
        error = assert_clear_error(reply, (401,))
        assert error["code"] == "invalid_token", (kind, path, error)
        if kind == "expired":
            assert "expired" in error["message"]


@budget(30)
@given(
    principal=header_text | st.binary(max_size=200).map(lambda b: __import__("base64").b64encode(b).decode()),
    principal_id=st.none() | header_text,
)
async def test_odd_easy_auth_headers_are_ignored_when_sign_in_is_off(embedded, principal, principal_id):
    headers = {"Content-Type": JSON, "X-MS-CLIENT-PRINCIPAL": principal}
    if principal_id is not None:
        headers["X-MS-CLIENT-PRINCIPAL-ID"] = principal_id
    reply = await embedded.request("POST", "/api/sessions", headers, json.dumps({"role": "sales", "question_count": 1}).encode())
    assert reply.status == 201, reply


async def test_unknown_api_routes_are_json_404s_whatever_the_method(embedded):
    for method in ("GET", "POST", "PUT", "DELETE"):
        error = assert_clear_error(await embedded.request(method, "/api/nothing-here", {"Content-Type": JSON}, b"{}"), (404,))
        assert error["code"] == "not_found" and "/api/nothing-here" in error["message"]


async def test_health_answers_in_json_even_to_a_wrong_method(embedded):
    assert (await embedded.request("GET", "/healthz")).json()["status"] == "ok"
    error = assert_clear_error(await embedded.request("POST", "/healthz", {}, b"x"), (405,))
    assert "GET" in error["message"]


@budget(40)
@given(token=authorization_values.map(lambda v: v.removeprefix("Bearer ").strip()) | st.sampled_from(["session", "expired", "other_secret"]))
async def test_candidate_tokens_that_are_not_ours_are_refused(embedded, session, token):
    now = int(time.time())
    token = {
        "session": session["token"],  # a session token is no candidate token
        "expired": CandidateTokens(SECRET, ttl_s=60).issue("c_someone", now=now - 3600)[0],
        "other_secret": CandidateTokens(OTHER_SECRET).issue("c_someone")[0],
    }.get(token, token)
    if not token:
        return  # no token: a new candidate, which is fine
    created = await embedded.request("POST", "/api/sessions", {"Content-Type": JSON, "X-Rehearse-Candidate": token}, b'{"role": "sales", "question_count": 1}')
    assert assert_clear_error(created, (401,))["code"] == "invalid_token"
    listed = await embedded.request("GET", "/api/history", {"Authorization": f"Bearer {token}"})
    assert assert_clear_error(listed, (401,))["code"] == "invalid_token"


diagnostics_bodies = st.fixed_dictionaries(
    {},
    optional={
        "v": st.just(1) | json_values,
        "reason": st.sampled_from(["state_change", "ended", "pagehide", "resume", "../../etc", ""]) | json_values,
        "state": st.sampled_from(["idle", "connecting", "good", "poor", "lost", "ended"]) | json_values,
        "at": st.integers(-5, 2**63) | json_values,
        "link": st.fixed_dictionaries({}, optional={"rtt_ms": st.floats() | json_values, "packet_loss": st.floats() | json_values}) | json_values,
        "traffic": st.fixed_dictionaries({}, optional={"packets_lost": st.integers() | json_values}) | json_values,
        "connection_changes": st.lists(st.fixed_dictionaries({"state": st.sampled_from(["good", "x"]), "at": st.integers(-1, 10)}), max_size=205) | json_values,
        "user_agent": st.text(max_size=600),
        "unknown": json_values,
    },
)


@budget(50)
@given(body=diagnostics_bodies)
@example(body={"v": 1, "reason": "state_change", "state": "good", "at": 1})
async def test_diagnostics_uploads_are_stored_or_refused_clearly(embedded, session, body):
    sid = session["session_id"]
    headers = {"Authorization": f"Bearer {session['token']}", "Content-Type": JSON}
    reply = await embedded.request("POST", f"/api/sessions/{sid}/diagnostics", headers, json.dumps(body).encode())
    stored = assert_answered(reply)
    if stored is not None:  # kept under the session's own folder, whatever the page sent
        assert reply.status == 202 and stored["name"].startswith(f"{sid}/") and ".." not in stored["name"], stored


@budget(40)
@given(name=st.text(max_size=30).map(lambda s: quote(s, safe="")) | st.sampled_from(["..%2F..%2Ftoken-secret", "%2e%2e", "q1-0.wav%00.txt", "q1-0.wav"]))
async def test_recording_names_never_reach_outside_the_session(embedded, session, name):
    sid = session["session_id"]
    reply = await embedded.request("GET", f"/api/sessions/{sid}/recordings/{name}", {"Authorization": f"Bearer {session['token']}"})
    assert reply.status != 200 or reply.headers["content-type"] == "audio/wav", reply
    if reply.status >= 400:
        assert_clear_error(reply)


@budget(30)
@given(limit=st.text(max_size=12).map(lambda s: quote(s, safe="")), token=st.sampled_from(["query", "header"]))
async def test_query_parameters_are_checked(embedded, session, limit, token):
    listed = await embedded.request("GET", f"/api/history?limit={limit}", {"Authorization": f"Bearer {session['candidate']['token']}"})
    assert_answered(listed)
    sid = session["session_id"]
    target = f"/api/sessions/{sid}/report.html?token={limit}" if token == "query" else f"/api/sessions/{sid}/report.html"
    report = await embedded.request("GET", target, {} if token == "query" else {"Authorization": f"Bearer {limit}"})
    assert_clear_error(report)  # a made-up token, and no report before the interview ends
