"""A follow-up in Chromium, as a candidate meets it: chosen on the setup page, asked aloud after an answer that leaves
a key point out, shown in the transcript under its question and marked as a follow-up, and answered before the
interview moves on; the answer to it is filed under the same question."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.test_browser_interview import CHROMIUM, DESKTOP, browser_args
from tests.e2e.test_browser_turn_taking import start_interview
from tests.e2e.test_follow_ups import ANSWER, FOLLOW_UP_ANSWER
from tests.support.audio import recall, speak, write_wav

RATE = 48000


@pytest.fixture(scope="module")
def followed_up(app_url, tmp_path_factory, artifacts):
    silence = lambda s: np.zeros(int(s * RATE), np.int16)  # noqa: E731
    answer = np.concatenate([np.concatenate((speak(s, RATE), silence(0.35))) for s in ANSWER])
    follow_up_answer = np.concatenate([np.concatenate((speak(s, RATE), silence(0.35))) for s in FOLLOW_UP_ANSWER])
    # the question is read (about 5 s), the answer, then time for the turn to end and the follow-up to be read
    wav = write_wav(tmp_path_factory.mktemp("audio") / "follow-up.wav", np.concatenate((silence(8.0), answer, silence(9.0), follow_up_answer, silence(60.0))), RATE)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(wav))
        page = browser.new_page(viewport=DESKTOP)
        start_interview(page, app_url, 2, follow_ups="1")
        page.wait_for_function("() => window.rehearse.metrics.questions.length >= 2", timeout=120_000, polling=100)
        page.screenshot(path=str(artifacts / "browser-follow-up.png"), full_page=True)
        seen = page.evaluate(
            """() => ({
                metrics: window.rehearse.metrics,
                followUps: [...document.querySelectorAll('#transcript .follow-up')].map(e => ({
                    text: e.textContent.trim(), question: e.dataset.questionId, n: e.dataset.n,
                    label: e.getAttribute('aria-label') || e.querySelector('[aria-label]')?.getAttribute('aria-label') || '' })),
                order: [...document.querySelectorAll('#transcript [data-question-id="swe-01"] .line.final, #transcript .follow-up')]
                    .map(e => e.classList.contains('follow-up') ? 'follow-up' : 'final'),
            })"""
        )
        browser.close()
    return seen


def test_the_follow_up_is_asked_and_shown_under_its_question(followed_up):
    [asked] = followed_up["metrics"]["followUps"]
    assert asked["question_id"] == "swe-01" and asked["n"] == 1
    [shown] = followed_up["followUps"]
    assert shown["question"] == "swe-01" and asked["text"] in shown["text"] and "follow-up" in shown["text"].lower()


def test_its_answer_is_filed_under_the_same_question(followed_up):
    order = followed_up["order"]
    assert "follow-up" in order and order.index("follow-up") > 0  # after the answer's own finals
    assert order[order.index("follow-up") + 1 :].count("final") >= 1  # and the follow-up's answer after it
    finals = followed_up["metrics"]["finals"]
    first = " ".join(f["text"] for f in finals if f.get("question_id") == "swe-01")
    assert recall(" ".join(FOLLOW_UP_ANSWER), first) >= 0.6, first
