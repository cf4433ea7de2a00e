"""The History view in Debian's Chromium: a candidate's finished interviews (made over real WebRTC with spoken
answers), their scores over time, an old report, export, and a deletion that leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import wave
from pathlib import Path

import aiohttp
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from playwright.sync_api import sync_playwright

from tests.e2e.test_browser_interview import BACKGROUND_FLAGS, CHROMIUM
from tests.support.audio import answer_wav
from tests.support.webrtc import drain

# Three answers of rising quality, oldest first, so the chart has a trend to draw.
ANSWERS = (
    "Um, I guess I kind of helped with some stuff, I think.",
    "I led a small team that moved our billing service to a new platform, and we finished early.",
    "I cut our checkout time by forty percent, and conversion rose twelve percent.",
)
DIMENSIONS = ("content", "structure", "clarity", "confidence")


async def _finished_interview(http: aiohttp.ClientSession, base: str, candidate: str, wav: Path) -> dict:
    """One-question interview over WebRTC: the answer is spoken at once, then `end` closes it (no 3 s pause to wait)."""
    with wave.open(str(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
    body = {"role": "software_engineer", "question_count": 1, "record_audio": True}
    async with http.post(f"{base}/api/sessions", json=body, headers={"X-Rehearse-Candidate": candidate}) as r:
        session = await r.json()
        assert r.status == 201, session
    pc = RTCPeerConnection()
    player = MediaPlayer(str(wav))
    pc.addTransceiver(player.audio, direction="sendrecv")
    channel = pc.createDataChannel("rehearse")
    opened, ended = asyncio.Event(), asyncio.Event()

    @pc.on("track")
    def on_track(track):
        asyncio.ensure_future(drain(track))

    @channel.on("open")
    def on_open():
        channel.send(json.dumps({"v": 1, "type": "hello", "after_seq": 0}))
        opened.set()

    @channel.on("message")
    def on_message(raw):
        if json.loads(raw)["type"] == "ended":
            ended.set()

    await pc.setLocalDescription(await pc.createOffer())
    offer = {"sdp": pc.localDescription.sdp, "type": "offer"}
    async with http.post(base + session["relay"]["offer_url"], json=offer, headers={"Authorization": f"Bearer {session['token']}"}) as r:
        answer = await r.json()
        assert r.status == 200, answer
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    try:
        await asyncio.wait_for(opened.wait(), 10)
        await asyncio.sleep(seconds)  # the whole answer has been sent; `end` flushes its last words
        channel.send(json.dumps({"v": 1, "type": "end"}))
        await asyncio.wait_for(ended.wait(), 20)
    finally:
        player.audio.stop()
        await pc.close()
    return session


@pytest.fixture(scope="module")
async def past(app_url, tmp_path_factory):
    """A candidate with one interview never started and three finished ones with reports, oldest first."""
    folder = tmp_path_factory.mktemp("history-audio")
    wavs = [answer_wav(folder / f"answer-{i}.wav", text, lead_s=0.3, tail_s=0.8) for i, text in enumerate(ANSWERS)]
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{app_url}/api/sessions", json={"role": "sales", "question_count": 2}) as r:
            unstarted = await r.json()
        candidate = unstarted["candidate"]
        finished = [await _finished_interview(http, app_url, candidate["token"], wav) for wav in wavs]
        auth = {"Authorization": f"Bearer {candidate['token']}"}
        deadline = time.monotonic() + 30
        while True:
            async with http.get(f"{app_url}/api/history", headers=auth) as r:
                rows = (await r.json())["interviews"]
            if sum(row["report_ready"] for row in rows) == len(finished) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
    assert sum(row["report_ready"] for row in rows) == len(finished), rows
    return {"candidate": candidate, "unstarted": unstarted, "finished": finished, "rows": rows}


def _blobs_of(tmp_path_factory, session_id: str) -> list[Path]:
    return sorted(tmp_path_factory.getbasetemp().glob(f"rehearse-data*/blobs/*/{session_id}/**/*"))


def _contrast(page, selector: str) -> dict:
    """Text under selector below 4.5:1 against its background, and chart lines below 3:1 against the surface."""
    return page.evaluate(
        """(selector) => {
            const rgb = (css) => {
                const m = css.match(/rgba?\\(([^)]+)\\)/);
                if (m) return m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
                const c = css.match(/color\\(srgb ([^)]+)\\)/);
                if (c) { const v = c[1].split(/[ \\/]+/).filter(Boolean).map(Number); return [v[0] * 255, v[1] * 255, v[2] * 255, v.length > 3 ? v[3] : 1]; }
                return null;
            };
            const lum = ([r, g, b]) => {
                const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
            };
            const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
            const background = (el) => {
                for (let node = el; node; node = node.parentElement) {
                    const c = rgb(getComputedStyle(node).backgroundColor);
                    if (c && (c.length < 4 || c[3] > 0.5)) return c;
                }
                return rgb(getComputedStyle(document.body).backgroundColor);
            };
            const failures = [];
            let texts = 0, lines = 0;
            const root = document.querySelector(selector);
            for (const el of root.querySelectorAll('*')) {
                if (!el.checkVisibility() || el.closest('.visually-hidden') || el.closest('svg')) continue;
                const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
                if (!own || el.closest('button:disabled')) continue;
                texts += 1;
                const value = ratio(rgb(getComputedStyle(el).color), background(el));
                if (value < 4.5) failures.push({text: el.textContent.trim().slice(0, 40), ratio: +value.toFixed(2)});
            }
            const surface = background(root);
            for (const line of root.querySelectorAll('svg .history-series-line .history-line')) {
                lines += 1;
                const value = ratio(rgb(getComputedStyle(line).stroke), surface);
                if (value < 3) failures.push({line: line.parentElement.dataset.series, ratio: +value.toFixed(2)});
            }
            return {failures, texts, lines};
        }""",
        selector,
    )


HEADINGS = "() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter((h) => h.checkVisibility()).map((h) => +h.tagName[1])"
UNLABELLED = """() => [...document.querySelectorAll('#history input, #history button, #history a, dialog#history-delete-dialog button')]
    .filter((el) => (el.tagName === 'INPUT' ? el.labels.length === 0 : !el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 80))"""


def _rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#history-list .history-item",
        """items => items.map(i => ({
            session_id: i.dataset.sessionId,
            status: i.dataset.status,
            overall: i.querySelector('.history-overall').dataset.score,
            dims: Object.fromEntries([...i.querySelectorAll('.history-dim')].map(d => [d.dataset.dimension, d.dataset.score])),
            levels: [...i.querySelectorAll('.history-level')].map(l => l.textContent),
            export_disabled: i.querySelector('.history-export').tagName === 'BUTTON' && i.querySelector('.history-export').disabled,
            open_disabled: i.querySelector('.history-open').disabled,
        }))""",
    )


def _chart(page) -> dict:
    return page.evaluate(
        """() => {
            const chart = document.querySelector('#history-chart');
            return {
                points: +chart.dataset.points,
                values: JSON.parse(chart.dataset.values),
                drawn: Object.fromEntries([...chart.querySelectorAll('.history-series-line')].map(g => [g.dataset.series, g.dataset.values])),
                markers: chart.querySelectorAll('.history-series-line[data-series="overall"] .history-point').length,
                description: document.querySelector('#history-chart-desc').textContent,
                axis: [...chart.querySelectorAll('.history-axis-title')].map(t => t.textContent),
            };
        }"""
    )


@pytest.fixture(scope="module")
def run(app_url, past, artifacts, tmp_path_factory):
    """Everything the candidate does in the History view, in one browser; the tests below check what was seen."""
    seen: dict = {"console_errors": [], "expected_console_errors": []}
    middle = past["finished"][1]["session_id"]
    seen["blobs_before"] = [p.name for p in _blobs_of(tmp_path_factory, middle)]
    stored = json.dumps({k: past["candidate"][k] for k in ("id", "token", "expires_at")})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *BACKGROUND_FLAGS])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
        page = context.new_page()
        page.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen["console_errors"].append(str(e)))
        page.goto(app_url)
        page.evaluate("(c) => localStorage.setItem('rehearse.candidate', c)", stored)
        page.reload()
        page.click("#show-history")
        page.wait_for_selector("#history-list .history-item >> nth=3")
        seen["hash"] = page.evaluate("location.hash")
        seen["views_hidden"] = page.evaluate("['setup', 'interview'].map(id => document.getElementById(id).hidden)")
        seen["rows"] = _rows(page)
        seen["chart"] = _chart(page)
        seen["headings"] = page.evaluate(HEADINGS)
        seen["unlabelled"] = page.evaluate(UNLABELLED)

        # The dimensions, chosen with the keyboard
        page.focus("#history-show-content")
        page.keyboard.press("Space")
        seen["chart_with_content"] = _chart(page)
        page.screenshot(path=str(artifacts / "history-desktop.png"), full_page=True)
        for key in ("structure", "clarity", "confidence"):
            page.check(f"#history-show-{key}")
        page.wait_for_function("() => document.getAnimations().length === 0")
        seen["contrast_light"] = _contrast(page, "#history")

        # Export: the newest report as a printable page in a new tab
        newest = past["finished"][2]["session_id"]
        link = page.locator(f'.history-item[data-session-id="{newest}"] a.history-export')
        href = link.get_attribute("href")
        reply = page.request.get(app_url + href)
        seen["export"] = {"status": reply.status, "type": reply.headers.get("content-type", ""), "has_overall": "Overall" in reply.text()}
        with page.expect_popup() as popup_info:
            link.click()
        popup = popup_info.value
        popup.wait_for_load_state()
        seen["export_tab"] = {"type": popup.evaluate("document.contentType"), "url": popup.url}
        popup.close()

        # An old report, opened and left with the keyboard
        opener = page.locator(f'.history-item[data-session-id="{middle}"] .history-open')
        opener.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#history-report-overall, #report:not([hidden]) #report-overall:not(:empty)")
        seen["report"] = page.evaluate(
            """() => {
                const mine = document.querySelector('#history-report-overall');
                if (!mine) return {overall: document.querySelector('#report-overall').textContent.trim(), by: 'app'};
                return {
                    by: 'history',
                    overall: mine.dataset.score,
                    dims: [...document.querySelectorAll('#history-report .history-dim')].map(d => [d.dataset.dimension, d.dataset.score, d.querySelector('.history-level')?.textContent]),
                    questions: document.querySelectorAll('#history-report-questions tbody tr').length,
                    printable: document.querySelector('#history-report-printable')?.getAttribute('href'),
                    focused: document.activeElement.id,
                };
            }"""
        )
        seen["report_headings"] = page.evaluate(HEADINGS)
        if seen["report"]["by"] == "history":
            page.click(".history-report-back")
            seen["focus_after_report"] = page.evaluate("document.activeElement.closest('.history-item')?.dataset.sessionId")
        else:  # the page's own report, with the transcript and the replay of the recorded answer
            page.wait_for_selector("#transcript .line.final .line-play")
            seen["report"]["replay_lines"] = page.locator("#transcript .line.final .line-play").count()
            seen["report"]["history_hidden"] = page.evaluate("document.querySelector('#history').hidden")
            page.click("#show-history")
            page.wait_for_selector(f'.history-item[data-session-id="{middle}"] .history-delete')

        # Delete the middle interview, with the keyboard: Escape cancels, then Tab to the confirmation and Enter
        remove = page.locator(f'.history-item[data-session-id="{middle}"] .history-delete')
        remove.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#history-delete-dialog[open]")
        seen["dialog_focus"] = page.evaluate("document.activeElement.textContent")
        seen["dialog_text"] = page.text_content("#history-delete-desc")
        page.keyboard.press("Escape")
        page.wait_for_selector("#history-delete-dialog:not([open])", state="attached")
        seen["after_cancel"] = {"rows": len(_rows(page)), "focus": page.evaluate("document.activeElement.classList.contains('history-delete')")}
        page.keyboard.press("Enter")
        page.wait_for_selector("#history-delete-dialog[open]")
        page.keyboard.press("Tab")
        seen["confirm_focused"] = page.evaluate("document.activeElement.id")
        page.keyboard.press("Enter")
        page.wait_for_selector(f'.history-item[data-session-id="{middle}"]', state="detached")
        page.wait_for_selector("#history-delete-dialog:not([open])", state="attached")
        seen["status_after_delete"] = page.text_content("#history-status")
        seen["status_live"] = page.get_attribute("#history-status", "aria-live")
        seen["rows_after_delete"] = _rows(page)
        seen["chart_after_delete"] = _chart(page)

        # A phone, in the dark theme, every score drawn
        page.set_viewport_size({"width": 360, "height": 740})
        page.emulate_media(color_scheme="dark")
        page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
        page.wait_for_function("() => +document.querySelector('#history-chart').getAttribute('width') < 360")  # redrawn for the phone
        page.wait_for_function("() => document.getAnimations().length === 0")  # colours have finished their transitions
        seen["mobile"] = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, width: window.innerWidth, theme: document.documentElement.dataset.theme})")
        seen["contrast_dark"] = _contrast(page, "#history")
        page.screenshot(path=str(artifacts / "history-mobile.png"), full_page=True)

        # Back restores the page as it was
        page.click("#history-back")
        page.wait_for_selector("#history", state="hidden")
        seen["after_back"] = page.evaluate("() => ({setup: document.getElementById('setup').hidden, interview: document.getElementById('interview').hidden, hash: location.hash})")

        # #history in the address opens the view directly
        direct = context.new_page()
        direct.on("console", lambda m: seen["console_errors"].append(m.text) if m.type == "error" else None)
        direct.on("pageerror", lambda e: seen["console_errors"].append(str(e)))
        direct.goto(app_url + "/#history")
        direct.wait_for_selector("#history-list .history-item")
        seen["direct"] = {"visible": direct.is_visible("#history"), "rows": len(_rows(direct)), "setup_hidden": direct.evaluate("document.getElementById('setup').hidden")}
        direct.close()

        # A new browser: nothing yet. A candidate key the server no longer accepts: explained, and a way to start fresh.
        other = browser.new_context(viewport={"width": 1280, "height": 900})
        fresh = other.new_page()
        bucket = ["console_errors"]  # the rejected key's 401 is expected: Chromium logs every failed request
        fresh.on("console", lambda m: seen[bucket[0]].append(m.text) if m.type == "error" else None)
        fresh.on("pageerror", lambda e: seen["console_errors"].append(str(e)))
        fresh.goto(app_url + "/#history")
        fresh.wait_for_selector("#history-empty", state="visible")
        seen["empty"] = fresh.text_content("#history-empty")
        fresh.evaluate("localStorage.setItem('rehearse.candidate', JSON.stringify({id: 'c_x', token: 'not-a-token', expires_at: '2099-01-01T00:00:00Z'}))")
        bucket[0] = "expected_console_errors"
        fresh.reload()
        fresh.wait_for_selector("#history-error:not([hidden])")
        bucket[0] = "console_errors"
        seen["expired"] = fresh.text_content("#history-error")
        fresh.click("#history-error button")
        fresh.wait_for_selector("#history", state="hidden")
        seen["after_fresh"] = fresh.evaluate("() => ({stored: localStorage.getItem('rehearse.candidate'), setup: !document.getElementById('setup').hidden})")
        other.close()
        browser.close()
    return seen


def test_history_lists_the_interviews_newest_first_with_their_scores(run, past):
    expected = [row["session_id"] for row in past["rows"]]
    finished = [s["session_id"] for s in past["finished"]]
    assert expected == [*reversed(finished), past["unstarted"]["session_id"]]
    assert [row["session_id"] for row in run["rows"]] == expected
    by_id = {row["session_id"]: row for row in past["rows"]}
    for shown in run["rows"][:3]:
        api = by_id[shown["session_id"]]
        assert shown["status"] == "ended" and int(shown["overall"]) == api["overall"]
        assert {d: int(v) for d, v in shown["dims"].items()} == {d: api["scores"][d]["score"] for d in DIMENSIONS}
        assert [level.split()[0] for level in shown["levels"]] == [api["scores"][d]["level"] for d in DIMENSIONS]
        assert not shown["export_disabled"] and not shown["open_disabled"]
    unstarted = run["rows"][3]
    assert unstarted["status"] == "created" and unstarted["overall"] == "" and unstarted["export_disabled"] and unstarted["open_disabled"]


def test_the_view_replaces_setup_and_interview_while_shown_and_back_restores_them(run):
    assert run["hash"] == "#history" and run["views_hidden"] == [True, True]
    # Back shows what was there before: the setup, or the old report the page opened from the history
    before = {"setup": True, "interview": False} if run["report"]["by"] == "app" else {"setup": False, "interview": True}
    assert run["after_back"] == {**before, "hash": ""}
    assert run["direct"] == {"visible": True, "rows": 3, "setup_hidden": True}


def test_the_chart_has_one_point_per_finished_interview_oldest_first(run, past):
    by_id = {row["session_id"]: row for row in past["rows"]}
    oldest_first = [by_id[s["session_id"]] for s in past["finished"]]
    chart = run["chart"]
    assert chart["points"] == 3 and chart["markers"] == 3
    assert chart["values"]["overall"] == [row["overall"] for row in oldest_first]
    for d in DIMENSIONS:
        assert chart["values"][d] == [row["scores"][d]["score"] for row in oldest_first]
    assert chart["drawn"] == {"overall": ",".join(str(row["overall"]) for row in oldest_first)}
    assert set(run["chart_with_content"]["drawn"]) == {"overall", "content"}
    assert chart["axis"] == ["Score (0 to 100)", "Interviews, oldest to newest"]
    assert all(str(row["overall"]) in chart["description"] for row in oldest_first), chart["description"]


def test_an_old_report_opens_with_its_scores(run, past):
    middle = next(row for row in past["rows"] if row["session_id"] == past["finished"][1]["session_id"])
    report = run["report"]
    assert int(report["overall"]) == middle["overall"]
    if report["by"] == "app":
        assert report["replay_lines"] >= 1 and report["history_hidden"]
    else:
        assert [(d, int(s)) for d, s, _ in report["dims"]] == [(d, middle["scores"][d]["score"]) for d in DIMENSIONS]
        assert all(level.endswith("confidence") for _, _, level in report["dims"])
        assert report["questions"] == 1 and report["printable"].startswith(f"/api/sessions/{middle['session_id']}/report.html?token=")
        assert report["focused"] == "history-report-title"
        assert run["focus_after_report"] == middle["session_id"]


def test_export_opens_the_printable_report(run):
    assert run["export"] == {"status": 200, "type": "text/html; charset=utf-8", "has_overall": True}
    assert run["export_tab"]["type"] == "text/html" and "/report.html?token=" in run["export_tab"]["url"]


def test_delete_asks_first_and_then_removes_the_interview_everywhere(run, past, app_url, tmp_path_factory):
    middle = past["finished"][1]
    assert "swe-01-1.wav" in run["blobs_before"] and "report.json" in run["blobs_before"]
    assert run["dialog_focus"] == "Cancel" and "cannot be undone" in run["dialog_text"]
    assert run["after_cancel"] == {"rows": 4, "focus": True}
    assert run["confirm_focused"] == "history-delete-confirm"
    assert run["status_live"] == "polite" and run["status_after_delete"].startswith("Deleted the interview of")
    assert middle["session_id"] not in [row["session_id"] for row in run["rows_after_delete"]]
    assert len(run["rows_after_delete"]) == 3
    after = run["chart_after_delete"]
    assert after["points"] == 2 and after["values"]["overall"] == [run["chart"]["values"]["overall"][i] for i in (0, 2)]

    request = urllib.request.Request(f"{app_url}/api/sessions/{middle['session_id']}", headers={"Authorization": f"Bearer {middle['token']}"})
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(request, timeout=10)
    assert gone.value.code == 404 and json.loads(gone.value.read())["error"]["code"] == "unknown_session"
    assert _blobs_of(tmp_path_factory, middle["session_id"]) == []
    again = urllib.request.Request(request.full_url, headers=request.headers, method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as twice:
        urllib.request.urlopen(again, timeout=10)
    assert twice.value.code == 404


def test_a_new_candidate_sees_an_empty_state_and_an_expired_one_can_start_fresh(run):
    assert "No interviews yet" in run["empty"]
    assert "expired or is no longer valid" in run["expired"] and "Start fresh" in run["expired"]
    assert run["after_fresh"] == {"stored": None, "setup": True}
    assert all("401" in message for message in run["expected_console_errors"]), run["expected_console_errors"]


def test_fits_a_phone_in_the_dark_theme(run):
    mobile = run["mobile"]
    assert mobile["theme"] == "dark" and mobile["scroll"] <= mobile["width"], mobile


def test_headings_are_in_order_and_every_control_has_a_label(run):
    for levels in (run["headings"], run["report_headings"]):
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert run["unlabelled"] == []


def test_text_and_lines_keep_their_contrast_in_both_themes(run):
    for measured in (run["contrast_light"], run["contrast_dark"]):
        assert measured["failures"] == [] and measured["texts"] > 60 and measured["lines"] == 5, measured


def test_no_console_errors(run):
    assert run["console_errors"] == []


def _new_candidate_with_one_interview(app_url: str) -> dict:
    """A new candidate's session (201 reply, `candidate` included), never started."""
    request = urllib.request.Request(
        f"{app_url}/api/sessions", data=json.dumps({"role": "sales", "question_count": 1}).encode(),
        headers={"content-type": "application/json"}, method="POST",
    )
    return json.load(urllib.request.urlopen(request))


def _history_of(p, app_url: str, session: dict):
    """A browser showing the History view of the session's candidate: (browser, page)."""
    stored = json.dumps({k: session["candidate"][k] for k in ("id", "token", "expires_at")})
    browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", *BACKGROUND_FLAGS])
    page = browser.new_page()
    page.goto(app_url)
    page.evaluate("(c) => localStorage.setItem('rehearse.candidate', c)", stored)
    page.reload()
    page.click("#show-history")
    return browser, page


def test_a_list_fetched_before_a_deletion_does_not_bring_the_interview_back(app_url):
    """The view fetches the list each time it opens; a reply that left the server before the deletion may arrive
    after it (a slow network, a busy server) and must not show the deleted interview again."""
    session = _new_candidate_with_one_interview(app_url)
    held: list = []
    with sync_playwright() as p:
        browser, page = _history_of(p, app_url, session)
        row = f'.history-item[data-session-id="{session["session_id"]}"]'
        page.wait_for_selector(f"{row} .history-delete")
        page.click("#history-back")
        page.wait_for_selector("#history", state="hidden")

        # The list is fetched again as the view reopens; its reply is held back until the deletion is done.
        def hold(route):
            held.append((route, route.fetch()))

        page.route("**/api/history*", hold)
        page.click("#show-history")
        for _ in range(200):  # the handler runs while Playwright is waited on
            if held:
                break
            page.wait_for_timeout(50)
        assert len(held) == 1
        page.click(f"{row} .history-delete")
        page.click("#history-delete-confirm")
        page.wait_for_selector(row, state="detached")
        route, reply = held[0]
        assert session["session_id"] in reply.text()  # the held list still has it
        route.fulfill(response=reply)
        page.wait_for_function("() => !document.querySelector('#history').hasAttribute('aria-busy')")
        still_there = page.locator(row).count()
        browser.close()
    assert still_there == 0


def test_a_dialog_reopened_before_its_close_event_ran_still_deletes(app_url):
    """The dialog's `close` event runs as a later task: Escape then Enter at once (or a busy page) reopens the dialog
    before it. That late event must not undo the new question: the confirmation then deletes as asked."""
    session = _new_candidate_with_one_interview(app_url)
    with sync_playwright() as p:
        browser, page = _history_of(p, app_url, session)
        row = f'.history-item[data-session-id="{session["session_id"]}"]'
        page.click(f"{row} .history-delete")
        page.wait_for_selector("#history-delete-dialog[open]")
        # Cancel and ask again in one task: the cancel's close event comes after the dialog is open again.
        page.evaluate(
            """(selector) => {
                document.getElementById('history-delete-dialog').close('cancel');
                document.querySelector(selector + ' .history-delete').click();
            }""",
            row,
        )
        page.wait_for_selector("#history-delete-dialog[open]")
        page.wait_for_timeout(100)  # the late close event has run
        page.click("#history-delete-confirm")
        page.wait_for_selector(row, state="detached", timeout=10_000)
        browser.close()
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(urllib.request.Request(
            f"{app_url}/api/sessions/{session['session_id']}", headers={"Authorization": f"Bearer {session['token']}"}
        ))
    assert gone.value.code in (401, 404)
