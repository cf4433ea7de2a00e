"""Content-Security-Policy violations in the browser tests: every page a test's browser opens reports them, and the
test fails at teardown when there was one. A folder's conftest.py imports the three fixtures below (tests/e2e,
tests/faults).

Two sources, so nothing slips through: the page's `securitypolicyviolation` events (an init script, which the policy
does not apply to, turns each into a console message), and Chromium's own console messages about the policy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.async_api import Browser as AsyncBrowser
from playwright.sync_api import Browser, ConsoleMessage

PREFIX = "CSP violation:"
_REPORT_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `{PREFIX} ${{e.effectiveDirective}} blocked ${{e.blockedURI || "inline code"}} (${{e.sourceFile || e.documentURI}}:${{e.lineNumber}})`));
"""


class Violations:
    """What the watched pages reported since the last check."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if text.startswith(PREFIX) or "Content Security Policy" in text:
            self.seen.append(text)

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen

    def fail_if_any(self, when: str) -> None:
        if seen := self.take():
            pytest.fail(f"Content-Security-Policy violations {when}:\n  " + "\n  ".join(dict.fromkeys(seen)), pytrace=False)


@contextmanager
def watching(violations: Violations) -> Iterator[None]:
    """While open, every page of every browser (sync or async Playwright) reports its violations to `violations`."""

    def watch_context(context):
        context.on("console", violations.console)
        return context.add_init_script(_REPORT_VIOLATIONS)

    def sync_page(original):
        def new_page(self, *args, **kwargs):
            page = original(self, *args, **kwargs)
            watch_context(page.context)  # Browser.new_page makes a context for the page alone
            return page

        return new_page

    def sync_context(original):
        def new_context(self, *args, **kwargs):
            context = original(self, *args, **kwargs)
            watch_context(context)
            return context

        return new_context

    def async_page(original):
        async def new_page(self, *args, **kwargs):
            page = await original(self, *args, **kwargs)
            await watch_context(page.context)
            return page

        return new_page

    def async_context(original):
        async def new_context(self, *args, **kwargs):
            context = await original(self, *args, **kwargs)
            await watch_context(context)
            return context

        return new_context

    if getattr(Browser.new_page, "watched", False):  # another folder's fixture already watches, for this session
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        for cls, name, wrap in [(Browser, "new_page", sync_page), (Browser, "new_context", sync_context),
                                (AsyncBrowser, "new_page", async_page), (AsyncBrowser, "new_context", async_context)]:
            wrapped = wrap(getattr(cls, name))
            wrapped.watched = True
            patch.setattr(cls, name, wrapped)
        yield


VIOLATIONS = Violations()


@pytest.fixture(scope="session", autouse=True)
def pages_report_csp_violations():
    with watching(VIOLATIONS):
        yield


@pytest.fixture(scope="module", autouse=True)
def no_csp_violation_in_the_module(pages_report_csp_violations):
    yield
    VIOLATIONS.fail_if_any("while this module's browsers closed")


@pytest.fixture(autouse=True)
def csp_violations(no_csp_violation_in_the_module) -> Iterator[Violations]:
    """The violations seen so far; a test that provokes one on purpose takes it (`csp_violations.take()`)."""
    yield VIOLATIONS
    VIOLATIONS.fail_if_any("in this test or the browser it used")
