"""POST /api/sessions/{id}/diagnostics on the running embedded default: validated, size-limited, kept as a blob."""

import json
import time
from pathlib import Path

import pytest

from tests.functions.test_http_api import call

UPLOAD = {
    "v": 1,
    "reason": "state_change",
    "state": "poor",
    "at": 1764158400123,
    "link": {"rtt_ms": 612.5, "ping_loss": 0.0, "packet_loss": 0.07, "jitter_ms": 31.0, "available_kbps": 96.0},
    "candidate_pair": {"local_type": "host", "remote_type": "host", "protocol": "udp", "state": "succeeded"},
    "traffic": {"packets_sent": 5000, "packets_received": 4900, "packets_lost": 12, "bytes_sent": 400000, "bytes_received": 390000},
    "ice_connection_state": "connected",
    "connection_state": "connected",
    "connection_changes": [{"state": "connecting", "at": 1764158390000}, {"state": "good", "at": 1764158391000}, {"state": "poor", "at": 1764158400000}],
    "resumes": 0,
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0",
}


def stored_blobs(tmp_path_factory, session_id: str) -> list[Path]:
    """The diagnostics blobs the app process wrote (FolderBlobs under the suite's data directory)."""
    return sorted(tmp_path_factory.getbasetemp().glob(f"rehearse-data*/blobs/diagnostics/{session_id}/*.json"))


@pytest.fixture(scope="module")
def session(app_url):
    status, body = call(app_url, "POST", "/api/sessions", {"role": "sales", "question_count": 1})
    assert status == 201, body
    return body


def path_of(session):
    return f"/api/sessions/{session['session_id']}/diagnostics"


def test_an_upload_is_kept_as_a_blob_named_by_session_time_and_reason(app_url, session, tmp_path_factory):
    status, body = call(app_url, "POST", path_of(session), UPLOAD, token=session["token"])
    assert status == 202, body
    assert body["container"] == "diagnostics"
    sid = session["session_id"]
    assert body["name"].startswith(f"{sid}/") and body["name"].endswith("-state_change.json")
    blobs = [p for p in stored_blobs(tmp_path_factory, sid) if p.name == body["name"].split("/")[1]]
    assert blobs, "the blob was not written"
    stored = json.loads(blobs[0].read_text())
    assert stored["session_id"] == sid and stored["received_at"]
    assert {k: stored[k] for k in UPLOAD} == UPLOAD


def test_uploads_do_not_overwrite_each_other(app_url, session, tmp_path_factory):
    names = set()
    for reason in ("state_change", "ended"):
        status, body = call(app_url, "POST", path_of(session), {**UPLOAD, "reason": reason}, token=session["token"])
        assert status == 202, body
        names.add(body["name"])
        time.sleep(0.002)
    assert len(names) == 2
    on_disk = {f"{session['session_id']}/{p.name}" for p in stored_blobs(tmp_path_factory, session["session_id"])}
    assert names <= on_disk


def test_a_minimal_upload_is_enough(app_url, session):
    status, body = call(app_url, "POST", path_of(session), {"v": 1, "reason": "pagehide", "state": "lost", "at": 1}, token=session["token"])
    assert status == 202, body


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"v": 2}, "v"),
        ({"reason": "because"}, "reason"),
        ({"state": "wobbly"}, "state"),
        ({"link": {"packet_loss": 3}}, "link.packet_loss"),
        ({"traffic": {"bytes_sent": -5}}, "traffic.bytes_sent"),
        ({"user_agent": "x" * 600}, "user_agent"),
        ({"connection_changes": [{"state": "good", "at": 1}] * 201}, "connection_changes"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_a_bad_upload_gets_a_clear_error_naming_the_field(app_url, session, change, where):
    status, body = call(app_url, "POST", path_of(session), {**UPLOAD, **change}, token=session["token"])
    assert status == 400 and body["error"]["code"] == "invalid_request", body
    assert where in body["error"]["message"]


def test_a_body_that_is_not_an_object_is_refused(app_url, session):
    assert call(app_url, "POST", path_of(session), raw=b"[1, 2]", token=session["token"])[1]["error"]["code"] == "invalid_request"
    assert call(app_url, "POST", path_of(session), raw=b"{oops", token=session["token"])[1]["error"]["code"] == "invalid_json"
    status, body = call(app_url, "POST", path_of(session), UPLOAD, token=session["token"], content_type="text/plain")
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type")


def test_an_oversized_upload_is_refused(app_url, session):
    status, body = call(app_url, "POST", path_of(session), {**UPLOAD, "user_agent": "x" * 40_000}, token=session["token"])
    assert (status, body["error"]["code"]) == (413, "body_too_large")


def test_an_upload_needs_the_session_token(app_url, session, tmp_path_factory):
    before = stored_blobs(tmp_path_factory, session["session_id"])
    assert call(app_url, "POST", path_of(session), UPLOAD)[1]["error"]["code"] == "invalid_token"
    _, other = call(app_url, "POST", "/api/sessions", {"role": "sales", "question_count": 1})
    status, body = call(app_url, "POST", path_of(session), UPLOAD, token=other["token"])
    assert (status, body["error"]["code"]) == (401, "invalid_token")
    assert stored_blobs(tmp_path_factory, session["session_id"]) == before
