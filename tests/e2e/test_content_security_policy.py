"""The page works under its Content-Security-Policy, and a browser test fails when the page breaks the policy."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from rehearse.security.headers import directives
from tests.e2e.test_browser_interview import BACKGROUND_FLAGS, CHROMIUM, DESKTOP


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *BACKGROUND_FLAGS])
        yield browser
        browser.close()


def test_the_page_is_served_with_its_policy(app_url):
    with urllib.request.urlopen(app_url + "/", timeout=10) as reply:
        policy = directives(reply.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and policy["connect-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]


def test_the_setup_page_loads_its_roles_themes_and_history_under_the_policy(app_url, browser, csp_violations):
    page = browser.new_page(viewport=DESKTOP)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    page.wait_for_function("() => document.querySelectorAll('#role option').length >= 4")  # scripts ran, the API answered
    page.click("#theme-toggle")
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    page.click("#show-history")
    page.wait_for_selector("#history:not([hidden])")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline"  # styles applied
    page.close()
    assert errors == [] and csp_violations.seen == []


def test_an_inline_script_is_reported_as_a_violation(app_url, browser, csp_violations):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(app_url)
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.ranInline = true";
        document.body.append(script);
    }""")
    page.wait_for_timeout(200)
    ran = page.evaluate("() => window.ranInline === true")
    page.close()
    seen = csp_violations.take()  # provoked on purpose: taken, so that this test's teardown passes
    assert not ran
    assert any(v.startswith("CSP violation: script-src") for v in seen), seen
