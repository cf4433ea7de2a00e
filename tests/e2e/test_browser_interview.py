"""A candidate's whole interview in Debian's headless Chromium with a fake microphone playing a spoken answer."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.audio import ANSWER, answer_wav, recall

CHROMIUM = "/usr/bin/chromium"
BACKGROUND_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def browser_args(wav: Path) -> list[str]:
    return [
        "--no-sandbox",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
        *BACKGROUND_FLAGS,
    ]


@pytest.fixture(scope="module")
def browser_run(app_url, tmp_path_factory, artifacts):
    wav = answer_wav(tmp_path_factory.mktemp("audio") / "answer.wav")
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(wav))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        created: list[dict] = []
        page.on("response", lambda r: created.append(r.json()) if r.url.endswith("/api/sessions") and r.status == 201 else None)
        page.goto(app_url)
        page.wait_for_function("document.querySelectorAll('#role option').length >= 4")
        page.select_option("#role", "software_engineer")
        page.fill("#question-count", "2")
        page.screenshot(path=str(artifacts / "setup-desktop.png"))
        page.click("#start")
        page.wait_for_selector("#question:not(:empty)", timeout=30_000)
        page.wait_for_selector("#transcript .line.final", timeout=60_000)
        page.screenshot(path=str(artifacts / "interview-desktop.png"))
        voice = page.evaluate(
            """async () => {
                const stats = await window.rehearse.pc.getStats();
                let samples = 0, packets = 0;
                stats.forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'audio') { samples += r.totalSamplesReceived || 0; packets += r.packetsReceived || 0; } });
                return {samples, packets};
            }"""
        )
        page.wait_for_selector("#ended:not([hidden])", timeout=120_000)
        page.wait_for_selector("#report:not([hidden])", timeout=60_000)
        page.screenshot(path=str(artifacts / "report-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 780})
        page.screenshot(path=str(artifacts / "report-mobile.png"), full_page=True)
        feedback = page.evaluate(
            """() => ({
                summaries: [...document.querySelectorAll('.summary')].map(s => s.querySelectorAll('ul > li').length),
                summaryParagraphs: document.querySelectorAll('.summary p').length,
                dimensions: [...document.querySelectorAll('#report .dimension')].map(d => ({
                    name: d.dataset.dimension,
                    score: d.querySelector('.dimension-score')?.textContent.trim(),
                    chip: d.querySelector('.confidence-chip')?.textContent.trim(),
                })),
                chartPoints: +(document.querySelector('#report-chart')?.dataset.points || 0),
                recommendations: document.querySelectorAll('#report-recommendations li').length,
                rows: document.querySelectorAll('#report-questions tbody tr').length,
                overall: document.querySelector('#report-overall')?.textContent.trim(),
            })"""
        )
        shown = page.eval_on_selector_all("#transcript .line.final", "els => els.map(e => ({seq: +e.dataset.seq, text: e.textContent.trim()}))")
        partials_seen = page.evaluate("window.rehearse.metrics.partialWords.length")
        browser.close()
    assert created, "the page created no session"
    return {"shown": shown, "voice": voice, "partials": partials_seen, "feedback": feedback, "session_id": created[0]["session_id"], "token": created[0]["token"], "console_errors": console_errors}


def test_the_page_shows_the_spoken_answer(browser_run):
    heard = " ".join(line["text"] for line in browser_run["shown"])
    assert browser_run["shown"], "the browser got no transcript"
    assert recall(ANSWER, heard) >= 0.8, heard


def test_partials_were_rendered_before_finals(browser_run):
    assert browser_run["partials"] > 5


def test_interviewer_voice_reached_the_browser(browser_run):
    assert browser_run["voice"]["packets"] > 100 and browser_run["voice"]["samples"] > 48000


def test_the_persisted_transcript_matches_the_page(app_url, browser_run):
    request = urllib.request.Request(f"{app_url}/api/sessions/{browser_run['session_id']}", headers={"Authorization": f"Bearer {browser_run['token']}"})
    stored = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert stored["status"] == "ended"
    assert [(s["seq"], s["text"].strip()) for s in stored["transcript"]] == [(line["seq"], line["text"]) for line in browser_run["shown"]]


def test_no_console_errors(browser_run):
    assert browser_run["console_errors"] == []


def test_each_question_gets_a_bullet_summary(browser_run):
    summaries = browser_run["feedback"]["summaries"]
    assert len(summaries) == 2 and all(3 <= n <= 5 for n in summaries)


def test_the_report_shows_four_scores_with_confidence(browser_run):
    feedback = browser_run["feedback"]
    dimensions = {d["name"]: d for d in feedback["dimensions"]}
    assert set(dimensions) == {"content", "structure", "clarity", "confidence"}
    for d in dimensions.values():
        assert 0 <= int(d["score"]) <= 100
        assert any(level in d["chip"].lower() for level in ("low", "medium", "high"))
    assert feedback["rows"] == 2 and feedback["recommendations"] >= 1 and feedback["chartPoints"] >= 2
    assert feedback["overall"]
