"""The setup page in Chromium when the microphone is refused or missing: it says what to do instead of failing quietly,
and no interview is created without a microphone."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.test_browser_interview import BACKGROUND_FLAGS, CHROMIUM, DESKTOP, axe_violations


def _try_microphone(app_url: str, args: list[str], permissions: list[str], screenshot=None) -> dict:
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *args, *BACKGROUND_FLAGS])
        context = browser.new_context(viewport=DESKTOP, permissions=permissions)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        posted: list[str] = []
        page.on("request", lambda r: posted.append(r.url) if r.method == "POST" and r.url.endswith("/api/sessions") else None)
        page.goto(app_url)
        page.wait_for_function("() => document.querySelectorAll('#role option').length >= 1")
        page.click("#mic-check")
        page.wait_for_selector("#mic-help:not([hidden])", timeout=10_000)
        check = {"kind": page.get_attribute("#mic-help", "data-kind"), "role": page.get_attribute("#mic-help", "role"), "text": page.inner_text("#mic-help")}
        violations = axe_violations(page)
        if screenshot:
            page.screenshot(path=str(screenshot), full_page=True)
        page.evaluate("document.querySelector('#mic-help').hidden = true")
        page.click("#start")
        page.wait_for_selector("#mic-help:not([hidden])", timeout=10_000)
        start = {"kind": page.get_attribute("#mic-help", "data-kind"), "setup_shown": page.is_visible("#setup"), "posted": posted}
        browser.close()
    return {"check": check, "start": start, "errors": errors, "violations": violations}


@pytest.fixture(scope="module")
def denied(app_url, artifacts):
    # A microphone exists (the fake device), but this site was never allowed to use it and there is no one to ask.
    return _try_microphone(app_url, ["--use-fake-device-for-media-stream"], [], artifacts / "setup-mic-denied-desktop.png")


@pytest.fixture(scope="module")
def missing(app_url):
    # The site may use a microphone, but the machine has none.
    return _try_microphone(app_url, [], ["microphone"])


def test_a_refused_microphone_explains_how_to_allow_it_again(denied):
    check = denied["check"]
    assert check["kind"] == "denied" and check["role"] == "alert"
    assert "Microphone access is blocked" in check["text"]
    for browser in ("Chrome or Edge", "Firefox", "Safari"):
        assert browser in check["text"]
    assert "Site settings" in check["text"] and "Allow" in check["text"] and "Reload this page" in check["text"]


def test_a_missing_microphone_says_to_connect_one(missing):
    check = missing["check"]
    assert check["kind"] == "missing" and "No microphone found" in check["text"] and "Plug in" in check["text"]


def test_no_interview_starts_without_a_microphone(denied, missing):
    for outcome, kind in ((denied, "denied"), (missing, "missing")):
        assert outcome["start"] == {"kind": kind, "setup_shown": True, "posted": []}
        assert outcome["errors"] == [] and outcome["violations"] == []
