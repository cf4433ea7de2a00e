"""The interview report as one printable HTML page: inline CSS with print styles, no scripts, every text escaped.

GET /api/sessions/{id}/report.html serves it; a browser prints it to PDF. It holds the candidate's own words, so it is
sent with no-store caching and a Content-Security-Policy that forbids scripts and every outside resource."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from rehearse.domain.analysis_model import DIMENSIONS, DimensionScore, FollowUpNote, QuestionSummary, Report
from rehearse.domain.errors import RehearseError
from rehearse.domain.model import Segment, Session

CONTENT_TYPE = "text/html; charset=utf-8"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
    "Referrer-Policy": "no-referrer",  # a ?token= URL must not leak through a Referer header
    "X-Content-Type-Options": "nosniff",
}
_DIMENSION_TITLES = {"content": "Content", "structure": "Structure", "clarity": "Clarity", "confidence": "Confidence"}
_LEVEL_WORDS = {
    "low": "low confidence: little evidence, or signals that disagree",
    "medium": "medium confidence",
    "high": "high confidence: plenty of evidence that agrees",
}

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 0 auto;
       max-width: 60rem; padding: 2rem 1.5rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 2px solid #d8dee4; padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.meta { color: #57606a; margin: 0; }
.overall { display: flex; align-items: baseline; gap: .75rem; margin: 1.5rem 0 1rem; }
.overall .value { font-size: 3rem; font-weight: 700; line-height: 1; }
.dimensions { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .75rem; }
.dimension { border: 1px solid #d8dee4; border-radius: .5rem; padding: .75rem; }
.dimension .score { font-size: 1.6rem; font-weight: 700; }
.level { display: inline-block; border-radius: 1rem; padding: 0 .5rem; font-size: .8rem; border: 1px solid currentColor; }
.level-low { color: #9a6700; } .level-medium { color: #0969da; } .level-high { color: #1a7f37; }
.dimension ul { margin: .5rem 0 0; padding-left: 1.1rem; font-size: .85rem; color: #424a53; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #d8dee4; padding: .4rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; white-space: nowrap; }
.question-text { width: 40%; min-width: 14em; }
.follow-up { margin: .3rem 0 0; padding-left: .6rem; border-left: 3px solid #d8dee4; font-size: .85rem; color: #424a53; }
.phrasing { border-left: 4px solid #0969da; padding: .25rem .75rem; margin: .5rem 0; }
.phrasing .before { color: #57606a; }
.question { break-inside: avoid-page; }
.transcript { white-space: pre-wrap; background: #f6f8fa; border-radius: .4rem; padding: .6rem .8rem; margin: .4rem 0; }
.empty { color: #57606a; font-style: italic; }
footer { margin-top: 2.5rem; color: #57606a; font-size: .8rem; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid-page; }
  tr, .dimension, .phrasing { break-inside: avoid; }
  table { font-size: 9pt; }
  th.num { white-space: normal; }
  .dimensions { grid-template-columns: repeat(4, 1fr); }
  .transcript { background: none; border: 1px solid #d8dee4; }
  .level { border-color: #000; color: #000; }
}
"""


class ReportNotReady(RehearseError):
    code = "report_not_ready"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _level(level: str) -> str:
    return f'<span class="level level-{_e(level)}" title="{_e(_LEVEL_WORDS.get(level, level))}">{_e(level)} confidence</span>'


def _dimension(name: str, score: DimensionScore) -> str:
    evidence = "".join(f"<li>{_e(line)}</li>" for line in score.evidence[:3])
    return (
        f'<div class="dimension"><div>{_e(_DIMENSION_TITLES[name])}</div>'
        f'<div class="score">{score.score}<small>/100</small></div>{_level(score.level)}'
        + (f"<ul>{evidence}</ul>" if evidence else "")
        + "</div>"
    )


def _follow_ups(notes: list[FollowUpNote]) -> str:
    """Each follow-up the interviewer asked, under its question, with what its answer revealed."""
    return "".join(
        f'<p class="follow-up">Follow-up: “{_e(n.text)}”' + (f"<br>{_e(n.revealed)}" if n.revealed else "") + "</p>"
        for n in sorted(notes, key=lambda n: n.n)
    )


def _question_table(report: Report) -> str:
    if not report.questions:
        return '<p class="empty">No answers were scored.</p>'
    head = "".join(f'<th class="num">{_e(_DIMENSION_TITLES[d])}</th>' for d in DIMENSIONS)
    rows = []
    for q in sorted(report.questions, key=lambda q: q.question_index):
        cells = "".join(f'<td class="num">{getattr(q.scores, d).score}</td>' for d in DIMENSIONS)
        rows.append(
            f'<tr><td>{q.question_index + 1}</td><td class="question-text">{_e(q.question_text)}{_follow_ups(q.follow_ups)}</td>'
            f'<td class="num"><strong>{q.overall}</strong></td>{cells}'
            f'<td class="num">{q.pace_wpm:.0f}</td><td class="num">{q.fillers_per_min:.1f}</td><td class="num">{q.word_count}</td></tr>'
        )
    return (
        '<table><thead><tr><th>#</th><th class="question-text">Question</th><th class="num">Overall</th>'
        f'{head}<th class="num">Words/min</th><th class="num">Fillers/min</th><th class="num">Words</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _answers(session: Session, segments: list[Segment], summaries: list[QuestionSummary]) -> str:
    by_question: dict[str, list[Segment]] = {}
    for segment in sorted(segments, key=lambda s: s.seq):
        by_question.setdefault(segment.question_id, []).append(segment)
    summary_of = {s.question_id: s for s in summaries}
    parts = []
    for question in session.questions:
        said = " ".join(s.text.strip() for s in by_question.get(question.id, []) if s.text.strip())
        summary = summary_of.get(question.id)
        bullets = "".join(f"<li>{_e(b)}</li>" for b in summary.bullets) if summary else ""
        parts.append(
            f'<section class="question"><h3>{question.index + 1}. {_e(question.text)}</h3>'
            + (f"<ul>{bullets}</ul>" if bullets else "")
            + (f'<div class="transcript">{_e(said)}</div>' if said else '<p class="empty">Not answered.</p>')
            + "</section>"
        )
    return "".join(parts)


def render_report_html(
    session: Session,
    report: Report,
    segments: list[Segment],
    summaries: list[QuestionSummary],
    job_title: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The whole page. Everything that came from a person or a model is escaped; nothing is loaded from elsewhere."""
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    subject = job_title or (session.role or "").replace("_", " ").capitalize() or "Your own questions"
    held = session.created_at.strftime("%Y-%m-%d %H:%M UTC")
    dimensions = "".join(_dimension(d, getattr(report.scores, d)) for d in DIMENSIONS)
    recommendations = "".join(f"<li>{_e(r)}</li>" for r in report.recommendations)
    phrasing = ""
    if report.example_phrasing is not None:
        phrasing = (
            '<h2>Example phrasing</h2><div class="phrasing">'
            f'<p class="before">You said: “{_e(report.example_phrasing.original)}”</p>'
            f"<p>Try: “{_e(report.example_phrasing.improved)}”</p></div>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Interview report: {_e(subject)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Interview report</h1><p class=\"meta\">{_e(subject)} · {_e(held)} · "
        f"{len(report.questions)} of {len(session.questions)} questions answered</p></header>"
        f'<section><div class="overall"><span class="value">{report.overall}</span><span>overall, out of 100</span></div>'
        f'<div class="dimensions">{dimensions}</div></section>'
        f"<h2>Per question</h2>{_question_table(report)}"
        "<h2>Recommendations</h2>"
        + (f"<ol>{recommendations}</ol>" if recommendations else '<p class="empty">No recommendations.</p>')
        + phrasing
        + f"<h2>Your answers</h2>{_answers(session, segments, summaries)}"
        f"<footer>Session {_e(session.session_id)} · rubric {_e(report.rubric.id)} {_e(report.rubric.version)} · "
        f"feedback by the {_e(report.evaluator)} evaluator · generated {_e(generated)}. Confidence says how sure a score "
        "is, from how much evidence the answer gave and whether its signals agreed.</footer>"
        "</body></html>"
    )
