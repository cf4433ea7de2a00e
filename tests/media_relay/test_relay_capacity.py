"""A relay at REHEARSE_MAX_LIVE_SESSIONS refuses the next interview with 503 relay_busy, and says so in its log (the
alert rule rehearse-relay-busy in infra/bicep/modules/alerts.bicep looks for those words)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.fuzz.sdp import AIORTC_OFFER
from tests.support.server import running_app


def _post(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"content-type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_full_relay_refuses_the_next_interview_and_logs_why(tmp_path):
    log = tmp_path / "server.log"
    with running_app(tmp_path / "data", log, REHEARSE_MAX_LIVE_SESSIONS="1") as (base, _proc):
        sessions = [_post(f"{base}/api/sessions", {"role": "software_engineer", "question_count": 1})[1] for _ in range(2)]
        offer = {"sdp": AIORTC_OFFER, "type": "offer"}
        first = _post(base + sessions[0]["relay"]["offer_url"], offer, sessions[0]["token"])
        second = _post(base + sessions[1]["relay"]["offer_url"], offer, sessions[1]["token"])
        again = _post(base + sessions[0]["relay"]["offer_url"], offer, sessions[0]["token"])  # a reconnect is not refused
    assert first[0] == 200 and first[1]["type"] == "answer"
    assert second[0] == 503 and second[1]["error"]["code"] == "relay_busy", second
    assert "retry" in second[1]["error"]["message"]
    assert again[0] == 200, again
    assert f"session {sessions[1]['session_id']} refused: the relay is at capacity (1 of 1 live interviews)" in log.read_text()
