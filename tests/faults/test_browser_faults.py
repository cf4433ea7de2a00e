"""The page in Chromium under network faults and a reload: it tells the candidate how the link is (#connection's
data-state good / poor / lost), resumes by itself, and shows every final the relay persisted exactly once."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import async_playwright

from tests.faults.browser import FaultyPage, microphone_wav, now_ms
from tests.faults.client import STORY, segments_lost, spoken
from tests.support.impaired_link import ImpairedLink

QUESTION = "Tell me about a project."
ONE_QUESTION = [{"text": QUESTION}]


@pytest.fixture(scope="module")
async def chromium():
    async with async_playwright() as playwright:
        yield playwright


async def _outcome(page: FaultyPage, timeout_s: float) -> dict:
    ended = await page.ended(timeout_s)
    return {
        "ended": ended,
        "received": await page.received(),
        "shown": await page.shown_finals(),
        "metrics": await page.metrics(),
        "stored": await page.stored(),
        "errors": page.console_errors,
    }


def _delivered_finals(outcome: dict) -> list[dict]:
    return [m for m in outcome["received"] if m["type"] == "transcript" and m["final"]]


def assert_shown_once_as_persisted(outcome: dict) -> None:
    persisted = [s["seq"] for s in outcome["stored"]["transcript"]]
    assert persisted, "nothing was recognized"
    assert [line["seq"] for line in outcome["shown"]] == persisted
    delivered = [m["seq"] for m in _delivered_finals(outcome)]
    assert len(delivered) == len(set(delivered)), f"a final reached the page twice: {delivered}"


def _states(outcome: dict, after_ms: float = 0) -> list[str]:
    return [s["state"] for s in outcome["metrics"]["states"] if s["at"] >= after_ms]


@pytest.fixture(scope="module")
async def lossy_page(chromium, app_url, tmp_path_factory):
    wav = microphone_wav(tmp_path_factory.mktemp("faults") / "lossy.wav", spoken(STORY[:2]))
    async with ImpairedLink(loss=0.10, delay_s=0.15, seed=5) as link:
        page = await FaultyPage(chromium, app_url, wav, link, ONE_QUESTION).start()
        try:
            return {**await _outcome(page, 90), "counts": link.counts}
        finally:
            await page.close()


def test_the_page_shows_a_poor_link(lossy_page):
    assert lossy_page["counts"]["up_dropped"] > 50 and lossy_page["counts"]["down_dropped"] > 50
    assert "poor" in _states(lossy_page), _states(lossy_page)


def test_a_lossy_link_loses_no_final_in_the_page(lossy_page):
    assert lossy_page["ended"]
    assert_shown_once_as_persisted(lossy_page)
    assert segments_lost(lossy_page["stored"]["transcript"], _delivered_finals(lossy_page)) == 0


@pytest.fixture(scope="module")
async def blackout_page(chromium, app_url, tmp_path_factory):
    wav = microphone_wav(tmp_path_factory.mktemp("faults") / "blackout.wav", spoken(STORY[:5]))
    async with ImpairedLink(seed=13) as link:
        page = await FaultyPage(chromium, app_url, wav, link, ONE_QUESTION).start()
        try:
            await page.page.wait_for_selector("#transcript .line.final", timeout=40_000)
            link.cut()
            cut_ms = now_ms()
            await asyncio.sleep(10)
            restored_ms = link.restore()
            return {**await _outcome(page, 90), "cut_ms": cut_ms, "restored_ms": restored_ms, "counts": link.counts}
        finally:
            await page.close()


def test_the_page_shows_lost_then_good(blackout_page):
    assert blackout_page["counts"]["down_dropped"] > 100  # the blackout did cut the page off
    during = _states(blackout_page, blackout_page["cut_ms"])
    assert "lost" in during, during
    assert "good" in during[during.index("lost") :], during


def test_the_page_resumes_within_3_s_of_the_link_returning(blackout_page):
    restored = blackout_page["restored_ms"]
    first = next((m for m in blackout_page["received"] if m["at"] >= restored), None)
    assert first is not None, "nothing reached the page after the link returned"
    assert first["at"] - restored <= 3000, first


def test_a_blackout_loses_no_final_in_the_page(blackout_page):
    assert blackout_page["ended"]
    assert_shown_once_as_persisted(blackout_page)
    assert segments_lost(blackout_page["stored"]["transcript"], _delivered_finals(blackout_page)) == 0


@pytest.fixture(scope="module")
async def reloaded_page(chromium, app_url, tmp_path_factory):
    wav = microphone_wav(tmp_path_factory.mktemp("faults") / "reload.wav", spoken(STORY[:3]))
    page = await FaultyPage(chromium, app_url, wav, None, ONE_QUESTION).start()
    try:
        await page.page.wait_for_selector("#transcript .line.final", timeout=40_000)
        before = await page.shown_finals()
        await page.page.reload()
        try:  # no click: the page must resume by itself
            await page.page.wait_for_function(
                "([question, n]) => document.querySelector('#question')?.textContent.trim() === question"
                " && document.querySelectorAll('#transcript .line.final').length >= n",
                arg=[QUESTION, len(before)],
                timeout=15_000,
            )
            resumed = True
        except Exception:
            resumed = False
        after_reload = await page.shown_finals()
        return {**await _outcome(page, 60 if resumed else 5), "before": before, "after_reload": after_reload, "resumed": resumed}
    finally:
        await page.close()


def test_a_reloaded_page_resumes_by_itself_at_the_current_question(reloaded_page):
    assert reloaded_page["resumed"], "after a reload the page did not come back to the interview by itself"
    assert reloaded_page["metrics"]["resumes"] >= 1
    shown_after = {line["seq"] for line in reloaded_page["after_reload"]}
    assert {line["seq"] for line in reloaded_page["before"]} <= shown_after, "the transcript so far was not shown again"


def test_a_reload_shows_each_final_exactly_once(reloaded_page):
    assert reloaded_page["ended"]
    assert_shown_once_as_persisted(reloaded_page)
    # after a reload the page has the transcript so far from GET, and what came later from the data channel
    assert segments_lost(reloaded_page["stored"]["transcript"], reloaded_page["shown"]) == 0
