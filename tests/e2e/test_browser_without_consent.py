"""An interview from a pasted job description, without consent to record, in Chromium: the questions are chosen for
the job, nothing is recorded and the report's transcript has no players; the browser's candidate token joins the
interview to the same history (and a token the server refuses starts a new one instead of failing)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.test_browser_interview import CHROMIUM, DESKTOP, axe_violations, browser_args, long_answer_wav

JOB = """Senior Backend Engineer (Payments)
We are hiring an engineer to design and run the Python services behind our payments platform on Kubernetes.
You will own reliability of services that move money, lead incident reviews, mentor two engineers, and work with
product managers to plan migrations. Experience with PostgreSQL, Kafka and observability tooling is a plus."""


def _post_session(app_url: str) -> dict:
    body = json.dumps({"role": "software_engineer", "question_count": 1}).encode()
    request = urllib.request.Request(f"{app_url}/api/sessions", data=body, headers={"Content-Type": "application/json"}, method="POST")
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


@pytest.fixture(scope="module")
def run(app_url, tmp_path_factory):
    wav = long_answer_wav(tmp_path_factory.mktemp("audio") / "answer.wav", times=3)
    earlier = _post_session(app_url)["candidate"]  # this browser's history so far
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(wav))
        page = browser.new_page(viewport=DESKTOP)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sent: list[dict] = []
        page.on("request", lambda r: sent.append({"header": r.headers.get("x-rehearse-candidate"), "body": r.post_data_json})
                if r.method == "POST" and r.url.endswith("/api/sessions") else None)
        created: list[dict] = []
        page.on("response", lambda r: created.append(r.json()) if r.url.endswith("/api/sessions") and r.status == 201 else None)
        page.goto(app_url)
        page.evaluate("c => localStorage.setItem('rehearse.candidate', JSON.stringify(c))", earlier)
        page.wait_for_function("() => document.querySelectorAll('#role option').length >= 1")
        page.check("input[name=source][value=job]")
        page.fill("#job-description", JOB)
        counter = page.inner_text("#job-count")
        setup_violations = axe_violations(page)
        page.fill("#question-count", "1")
        page.click("#start")
        page.wait_for_selector("#question:not(:empty)", timeout=30_000)
        page.wait_for_selector("#transcript .line.final", timeout=60_000)
        question = page.inner_text("#question")
        page.click("#end")
        page.click("#end-confirm")
        page.wait_for_selector("#report:not([hidden])", timeout=60_000)
        page.wait_for_selector("#replay:not([hidden])", timeout=15_000)
        report = page.evaluate(
            """() => ({
                players: document.querySelectorAll('#transcript .line-play').length,
                audioShown: !document.querySelector('#replay-audio').hidden,
                audioSrc: document.querySelector('#replay-audio').getAttribute('src'),
                note: document.querySelector('#replay-note').textContent,
                title: document.querySelector('#transcript-title').textContent,
                finals: document.querySelectorAll('#transcript .line.final').length,
            })"""
        )
        violations = axe_violations(page)
        stored_candidate = page.evaluate("JSON.parse(localStorage.getItem('rehearse.candidate'))")
        errors_during_interview = list(errors)  # the refused token below logs its 401 on purpose
        # A token the server refuses (expired, from another deployment): the page starts a new history instead.
        page.evaluate("localStorage.setItem('rehearse.candidate', JSON.stringify({id: 'c_gone', token: 'not-a-token', expires_at: '2999-01-01T00:00:00Z'}))")
        retried = page.evaluate(
            """async () => {
                const { createSession } = await import('/api.js');
                const created = await createSession({ role: 'software_engineer', question_count: 1 });
                return { candidate: created.candidate.id, stored: JSON.parse(localStorage.getItem('rehearse.candidate')).id };
            }"""
        )
        browser.close()
    assert created, "the page created no session"
    return {"earlier": earlier, "sent": sent, "created": created[0], "counter": counter, "question": question, "report": report,
            "violations": violations + setup_violations, "stored_candidate": stored_candidate, "retried": retried, "errors": errors_during_interview}


def _stored(app_url: str, created: dict) -> dict:
    request = urllib.request.Request(f"{app_url}/api/sessions/{created['session_id']}", headers={"Authorization": f"Bearer {created['token']}"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


def test_questions_are_chosen_for_the_pasted_job_description(run):
    body = run["sent"][0]["body"]
    assert body == {"question_count": 1, "record_audio": False, "job_description": JOB.strip()}
    assert run["created"]["role"] is None and run["question"] == run["created"]["questions"][0]["text"]
    assert run["counter"] == f"{len(JOB.strip()):,} of 20,000 characters"


def test_without_consent_nothing_is_recorded_and_there_are_no_players(app_url, run):
    report = run["report"]
    assert report["finals"] >= 1 and report["players"] == 0
    assert not report["audioShown"] and report["audioSrc"] is None
    assert "not recorded" in report["note"] and report["title"] == "Transcript"
    stored = _stored(app_url, run["created"])
    assert stored["record_audio"] is False and stored["recordings"] == []
    assert all(s["recording"] is None and s["offset"] is None for s in stored["transcript"])


def test_the_interview_joins_the_candidates_history(run):
    assert run["sent"][0]["header"] == run["earlier"]["token"]
    assert run["created"]["candidate"]["id"] == run["earlier"]["id"] == run["stored_candidate"]["id"]
    assert run["stored_candidate"]["token"] == run["created"]["candidate"]["token"]  # the freshest token is kept


def test_a_refused_candidate_token_starts_a_new_history(run):
    retried = run["retried"]
    assert retried["candidate"] == retried["stored"] and retried["candidate"] not in ("c_gone", run["earlier"]["id"])


def test_the_report_without_recordings_is_accessible_and_error_free(run):
    assert run["violations"] == [] and run["errors"] == []
