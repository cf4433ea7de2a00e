"""The printable report: what the page holds, that nothing in it can run, and GET /api/sessions/{id}/report.html
end to end (the real feedback pipeline writes the report; Chromium opens and prints the page)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import async_playwright

from rehearse.app.feedback_pipeline import FeedbackPipeline
from rehearse.app.report_export import render_report_html
from rehearse.domain.analysis_model import QuestionSummary, Rewrite
from rehearse.domain.model import Question, Segment, Session, Word, segment_id_for
from rehearse.feedback.evaluation.report import build_report
from tests.evaluation.factories import answer_score, scores
from tests.fuzz.embedded import embedded_app

CHROMIUM = "/usr/bin/chromium"
HOSTILE = "<script>alert('x')</script> & \"quotes\" <img src=x onerror=alert(1)>"
STRONG = (
    "At my last company our checkout page was slow and customers abandoned their carts. I was responsible for "
    "fixing it within one quarter. I profiled the service, added caching for the pricing calls and rewrote the "
    "slowest query. As a result page load time dropped from four seconds to one second and conversion grew by "
    "twelve percent."
)


def sample() -> tuple[Session, list[Segment], list[QuestionSummary]]:
    questions = [Question(id="q1", index=0, text="Tell me about a <b>hard</b> project."), Question(id="q2", index=1, text="Why us?")]
    session = Session(session_id="s_1", candidate_id="c_1", role="software_engineer", questions=questions, closed_questions=["q1", "q2"])
    segments = [
        Segment(session_id="s_1", seq=1, segment_id="s_1.p1", question_id="q1", phrase_id=1, text="We cut latency in half.", start=0, end=2, confidence=1),
        Segment(session_id="s_1", seq=2, segment_id="s_1.p2", question_id="q1", phrase_id=2, text=HOSTILE, start=2, end=4, confidence=1),
    ]
    summaries = [QuestionSummary(id="s_1.q1.summary", session_id="s_1", question_id="q1", question_index=0, question_text="x", bullets=["Named a result", HOSTILE])]
    return session, segments, summaries


def sample_report(session: Session):
    first = answer_score(session_id="s_1", question_id="q1", index=0, score=scores(content=82, structure=64, clarity=71, confidence=55, certainty=0.8))
    second = answer_score(session_id="s_1", question_id="q2", index=1, score=scores(content=40, structure=45, clarity=50, confidence=35, certainty=0.2))
    report = build_report("s_1", session.questions, [first, second], [], {"q1": [], "q2": []})
    return report.model_copy(update={"recommendations": ["Lead with the result.", HOSTILE], "example_phrasing": Rewrite(original=HOSTILE, improved="I cut p95 latency by 50%.")})


def test_the_page_holds_scores_levels_table_recommendations_phrasing_and_transcript():
    session, segments, summaries = sample()
    report = sample_report(session)
    page = render_report_html(session, report, segments, summaries, job_title="Backend engineer", generated_at=datetime(2025, 1, 2, tzinfo=UTC))
    assert page.startswith("<!doctype html>") and "<title>Interview report: Backend engineer</title>" in page
    assert f'<span class="value">{report.overall}</span>' in page
    for title in ("Content", "Structure", "Clarity", "Confidence"):
        assert f"<div>{title}</div>" in page
    assert re.search(r"level-(low|medium|high)\" title=\"[^\"]+\">(low|medium|high) confidence", page)
    assert page.count("<tr><td>") == 2 and "Words/min" in page  # one row per scored question
    assert "<li>Lead with the result.</li>" in page and "I cut p95 latency by 50%." in page
    assert "We cut latency in half." in page and "2. Why us?" in page and "Not answered." in page
    assert "<li>Named a result</li>" in page
    assert "@media print" in page and "@page" in page and "break-inside: avoid" in page
    assert "generated 2025-01-02 00:00 UTC" in page


def test_nothing_from_a_person_or_a_model_can_run_or_load():
    session, segments, summaries = sample()
    page = render_report_html(session, sample_report(session), segments, summaries)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "Tell me about a &lt;b&gt;hard&lt;/b&gt; project." in page
    tags = re.findall(r"<[a-z][^>]*>", page)
    assert not [t for t in tags if re.search(r"\s(src|href|on\w+)=", t)]  # self-contained and inert: nothing fetched or run


def timed_words(text: str, start: float) -> list[Word]:
    step = 60 / 140
    return [Word(w=w, start=round(start + i * step, 2), end=round(start + (i + 0.8) * step, 2), conf=0.9) for i, w in enumerate(text.split())]


@pytest.fixture
async def embedded(tmp_path):
    async with embedded_app(tmp_path / "data") as app:
        FeedbackPipeline(app.world).subscribe(app.world.queue)
        yield app


async def finished_interview(embedded) -> dict:
    reply = await embedded.request("POST", "/api/sessions", {"Content-Type": "application/json"}, json.dumps({"role": "software_engineer", "question_count": 2}).encode())
    session = reply.json()
    sid, sessions = session["session_id"], embedded.world.sessions
    await sessions.open_connection(sid)
    writer = await sessions.transcript_writer(sid)
    for index, (question, text) in enumerate(zip(session["questions"], [STRONG, HOSTILE + " " + STRONG], strict=True)):
        words = timed_words(text, index * 100.0)
        await writer.record(
            Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, index), question_id=question["id"],
                    phrase_id=index, text=text, start=words[0].start, end=words[-1].end, confidence=0.9, words=words)
        )
        if index == 0:
            early = await embedded.request("GET", f"/api/sessions/{sid}/report.html", {"Authorization": f"Bearer {session['token']}"})
            assert early.status == 404 and early.json()["error"]["code"] == "report_not_ready"
        await sessions.close_answer(sid, index, "silence")
    await embedded.world.queue.drain(60)
    return session


async def test_the_report_page_is_served_once_the_report_exists_with_the_token_as_header_or_query(embedded):
    session = await finished_interview(embedded)
    sid, token = session["session_id"], session["token"]
    reply = await embedded.request("GET", f"/api/sessions/{sid}/report.html", {"Authorization": f"Bearer {token}"})
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["cache-control"] == "no-store" and reply.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in reply.headers["content-security-policy"] and "script-src" not in reply.headers["content-security-policy"]
    page = reply.body.decode()
    assert "Interview report" in page and "<script" not in page and "&lt;script&gt;" in page and "dropped from four seconds" in page
    by_query = await embedded.request("GET", f"/api/sessions/{sid}/report.html?token={token}")
    assert by_query.status == 200 and by_query.body.startswith(b"<!doctype html>") and b"dropped from four seconds" in by_query.body
    for headers, target in [({}, f"/api/sessions/{sid}/report.html"), ({}, f"/api/sessions/{sid}/report.html?token=nope")]:
        refused = await embedded.request("GET", target, headers)
        assert refused.status == 401 and refused.json()["error"]["code"] == "invalid_token"


async def test_chromium_opens_the_report_without_errors_and_prints_it(embedded, artifacts):
    session = await finished_interview(embedded)
    url = f"{embedded.base}/api/sessions/{session['session_id']}/report.html?token={session['token']}"
    problems: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 1200})
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            await page.goto(url)
            assert (await page.title()).startswith("Interview report")
            assert await page.locator(".dimension").count() == 4 and await page.locator("tbody tr").count() == 2
            assert await page.evaluate("() => document.scripts.length") == 0
            await page.screenshot(path=str(artifacts / "report-export.png"), full_page=True)
            await page.emulate_media(media="print")
            pdf = await page.pdf(format="A4", print_background=False)
        finally:
            await browser.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    (artifacts / "report-export.pdf").write_bytes(pdf)
    assert problems == []
