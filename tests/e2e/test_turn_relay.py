"""The production media path: the browser may use only TURN (as behind Container Apps, which carries no UDP)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.test_browser_interview import CHROMIUM, browser_args
from tests.support.audio import answer_wav
from tests.support.server import running_app
from tests.support.turn_server import running_turn_server

SECRET = "turn-secret-for-the-tests-0123456789abcdef"


@pytest.fixture(scope="module")
def turn_app(tmp_path_factory, artifacts):
    folder = tmp_path_factory.mktemp("turn")
    with running_turn_server(SECRET, folder) as port:
        env = {
            "REHEARSE_TURN_URLS": json.dumps([f"turn:127.0.0.1:{port}?transport=udp", f"turn:127.0.0.1:{port}?transport=tcp"]),
            "REHEARSE_TURN_SECRET": SECRET,
            "REHEARSE_ICE_TRANSPORT_POLICY": "relay",
        }
        with running_app(folder / "data", artifacts / "server-turn.log", **env) as (base, _proc):
            yield base


def test_the_api_hands_out_short_lived_turn_credentials(turn_app):
    request = urllib.request.Request(
        f"{turn_app}/api/sessions", data=json.dumps({"role": "software_engineer", "question_count": 1}).encode(),
        headers={"content-type": "application/json"}, method="POST",
    )
    relay = json.load(urllib.request.urlopen(request))["relay"]
    assert relay["ice_transport_policy"] == "relay"
    (server,) = relay["ice_servers"]
    expiry, who = server["username"].split(":")
    assert who.startswith("page-s_") and int(expiry) > 0
    assert SECRET not in json.dumps(relay)


def test_an_interview_runs_through_the_turn_server(turn_app, tmp_path):
    wav = answer_wav(tmp_path / "answer.wav")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(wav))
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(turn_app)
        page.wait_for_function("() => document.querySelectorAll('#role option').length >= 4")
        page.select_option("#role", "software_engineer")
        page.fill("#question-count", "1")
        page.click("#start")
        # The pair the connection selected, watched from the start: the interview may end (and the page close its
        # connection) moments after the final, and the first statistics may come before the pair is listed.
        # Playwright does not await a predicate's promise, so the page keeps the answer where a predicate can read it.
        page.evaluate(
            """() => setInterval(() => {
                const pc = window.rehearse && window.rehearse.pc;
                if (!pc || window.selectedPair) return;
                pc.getStats().then((stats) => {
                    const byId = new Map([...stats.values()].map((s) => [s.id, s]));
                    const pair = [...stats.values()].find((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
                    if (!pair || !byId.get(pair.localCandidateId) || !byId.get(pair.remoteCandidateId)) return;
                    window.selectedPair = { local: byId.get(pair.localCandidateId).candidateType, remote: byId.get(pair.remoteCandidateId).candidateType };
                }, () => {});
            }, 250)"""
        )
        page.wait_for_selector("#transcript .line.final", timeout=60_000)
        pair = page.wait_for_function("() => window.selectedPair || null", timeout=20_000, polling=250).json_value()
        browser.close()
    assert pair["local"] == "relay"
    assert not errors
