"""Turn-taking in Chromium, as a candidate meets it: the interviewer's own voice does not interrupt it, a thinking pause
in the middle of an answer does not end the answer, and the interviewer answers soon after its end (at once when the
transcript of the last phrase reads finished and the end-of-turn model does not disagree; never later than
the longest silence, 3 s)."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.test_browser_interview import CHROMIUM, DESKTOP, browser_args
from tests.support.audio import recall, speak, write_wav

RATE = 48000
FIRST = "In my last role I led a small team that moved our billing service to a new platform. We planned the work in stages, and"
SECOND = (
    "we finished the whole migration two weeks early, with no downtime for our customers. "
    "The finance team closed the books that month without a single correction."
)


def start_interview(page, app_url: str, questions: int, follow_ups: str | None = None) -> None:
    """The setup page, as a candidate fills it: the software engineer's first `questions` questions, and how many
    follow-ups (the deployment's default unless given)."""
    page.goto(app_url)
    page.wait_for_function("() => document.querySelectorAll('#role option').length >= 4")
    page.select_option("#role", "software_engineer")
    page.fill("#question-count", str(questions))
    if follow_ups is not None:
        page.select_option("#follow-ups", follow_ups)
    page.click("#start")


def _interview(app_url: str, wav, questions: int, until: str, timeout_ms: int = 90_000) -> dict:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(wav))
        page = browser.new_page(viewport=DESKTOP)
        start_interview(page, app_url, questions)
        page.wait_for_function(until, timeout=timeout_ms, polling=100)
        seen = page.evaluate(
            """() => ({
                metrics: window.rehearse.metrics,
                state: document.body.dataset.interviewState,
                lines: [...document.querySelectorAll('#transcript .line.final')].map(e => ({
                    text: e.textContent.trim(), question: e.closest('[data-question-id]')?.dataset.questionId })),
            })"""
        )
        browser.close()
    return seen


@pytest.fixture(scope="module")
def silent(app_url, tmp_path_factory):
    wav = write_wav(tmp_path_factory.mktemp("audio") / "silence.wav", np.zeros(RATE * 30, np.int16), RATE)
    # the interviewer reads question 1 out to the end and starts listening
    return _interview(app_url, wav, 2, "() => document.body.dataset.interviewState === 'listening'")


@pytest.fixture(scope="module")
def paused(app_url, tmp_path_factory):
    """An answer with a 1.5 s thinking pause after "and", begun once the question has been read."""
    lead = np.zeros(int(9.0 * RATE), np.int16)
    pause = np.zeros(int(1.5 * RATE), np.int16)
    answer = np.concatenate((lead, speak(FIRST, RATE), pause, speak(SECOND, RATE), np.zeros(RATE * 40, np.int16)))
    wav = write_wav(tmp_path_factory.mktemp("audio") / "paused.wav", answer, RATE)
    return _interview(app_url, wav, 2, "() => window.rehearse.metrics.questions.length >= 2")


def test_the_interviewers_own_voice_does_not_interrupt_it(silent):
    metrics = silent["metrics"]
    assert silent["state"] == "listening" and metrics["interruptions"] == []
    assert len(metrics["questions"]) == 1  # still the first question: nothing cut it short


def test_a_thinking_pause_does_not_end_the_answer(paused):
    metrics = paused["metrics"]
    first_answer = " ".join(f["text"] for f in metrics["finals"] if f.get("question_id") == "swe-01")
    assert recall(f"{FIRST} {SECOND}", first_answer) >= 0.8, metrics["finals"]
    assert not any(f.get("question_id") == "swe-02" for f in metrics["finals"])


def test_the_interviewer_answers_soon_after_the_answers_end(paused):
    metrics = paused["metrics"]
    last = max((f for f in metrics["finals"] if f.get("question_id") == "swe-01"), key=lambda f: f["heard_ms"])
    [end] = [e for e in metrics["answerEnds"] if e["question_id"] == "swe-01"]
    assert end["reason"] == "silence"
    # the transcript reads finished and the answer is long enough: the acknowledgement starts about a second after the
    # last word (3 s, the longest silence, if nothing had judged it finished). Measured in the page, on a machine also
    # running the browser: 1.0-1.4 s usually, 1.74 s once in a full `make test`; the relay's own figure is in the bench.
    assert 0 < end["at"] - last["heard_ms"] < 2200, end["at"] - last["heard_ms"]
    assert metrics["questions"][1]["at"] - end["at"] < 2500  # then the next question, once the answer is stored
