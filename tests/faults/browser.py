"""Chromium on a flaky network: the page's offers go through an ImpairedLink, and every data channel message the
page receives is logged (in sessionStorage, so the log survives a reload) before the page's own code sees it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.test_browser_interview import CHROMIUM, browser_args
from tests.support.audio import write_wav
from tests.support.impaired_link import ImpairedLink, strip_candidates

RECEIVED_LOG = """
(() => {
  const KEY = "faults.received";
  const log = JSON.parse(sessionStorage.getItem(KEY) || "[]");
  const load = (Number(sessionStorage.getItem("faults.loads") || 0)) + 1;
  sessionStorage.setItem("faults.loads", String(load));
  window.__faults = { log, load };
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (...args) {
    const channel = create.apply(this, args);
    channel.addEventListener("message", (event) => {
      let m = {};
      try { m = JSON.parse(event.data); } catch { return; }
      log.push({ type: m.type, final: m.final === true, seq: m.seq, index: m.index, status: m.status, at: Date.now(), load });
      if (m.type !== "transcript" || m.final) sessionStorage.setItem(KEY, JSON.stringify(log));
    });
    return channel;
  };
})();
"""


class FaultyPage:
    """One Chromium page whose interview has the given questions and whose media goes through `link`."""

    def __init__(self, playwright, app_url: str, wav: Path, link: ImpairedLink | None, questions: list[dict]) -> None:
        self._pw, self.app_url, self._wav, self._link, self._questions = playwright, app_url, wav, link, questions
        self.session: dict = {}
        self.console_errors: list[str] = []

    async def start(self) -> FaultyPage:
        self.browser = await self._pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=browser_args(self._wav))
        self.page = page = await self.browser.new_page()
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        await page.add_init_script(RECEIVED_LOG)
        await page.route("**/api/sessions", self._create)
        await page.route("**/api/sessions/*/offer", self._offer)
        await page.goto(self.app_url)
        await page.wait_for_function("() => document.querySelectorAll('#role option').length >= 1")
        await page.click("#start")
        return self

    async def close(self) -> None:
        await self.browser.close()

    async def _create(self, route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        response = await route.fetch(post_data=json.dumps({"questions": self._questions}))
        self.session = await response.json()
        await route.fulfill(response=response, json=self.session)

    async def _offer(self, route) -> None:
        if self._link is None:
            await route.continue_()
            return
        body = json.loads(route.request.post_data or "{}")
        body["sdp"] = strip_candidates(body.get("sdp", ""))
        response = await route.fetch(post_data=json.dumps(body))
        answer = await response.json()
        if response.status == 200:
            answer["sdp"] = self._link.route(answer["sdp"])
        await route.fulfill(response=response, json=answer)

    # -- what the tests read -----------------------------------------------------------------------------------------
    async def received(self) -> list[dict]:
        return await self.page.evaluate("window.__faults.log")

    async def shown_finals(self) -> list[dict]:
        return await self.page.eval_on_selector_all(
            "#transcript .line.final", "els => els.map(e => ({seq: +e.dataset.seq, text: e.textContent.trim()}))"
        )

    async def metrics(self) -> dict:
        return await self.page.evaluate("({states: window.rehearse.metrics.connectionStates || [], resumes: window.rehearse.metrics.resumes})")

    async def ended(self, timeout_s: float) -> bool:
        try:
            await self.page.wait_for_selector("#ended:not([hidden])", timeout=timeout_s * 1000)
            return True
        except Exception:
            return False

    async def stored(self) -> dict:
        response = await self.page.request.get(
            f"{self.app_url}/api/sessions/{self.session['session_id']}", headers={"Authorization": f"Bearer {self.session['token']}"}
        )
        return await response.json()


def microphone_wav(path: Path, speech, lead_s: float = 1.0, tail_s: float = 6.0) -> Path:
    """What Chromium's fake microphone plays (from the start of the capture, in a loop): a moment of silence, the
    answer (the relay transcribes it even while the question is still being asked), then a pause long enough for the
    relay to close the answer."""
    import numpy as np

    rate = 48000
    return write_wav(path, np.concatenate((np.zeros(int(lead_s * rate), np.int16), speech, np.zeros(int(tail_s * rate), np.int16))), rate)


def now_ms() -> float:
    return time.time() * 1000
