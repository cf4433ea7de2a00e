// The final report (the `report.ready` event, or `feedback.report` of GET /api/sessions/{id}): overall and the four
// scores with their confidence, a score overview chart, the per-question table, the pace and fillers chart,
// recommendations, example phrasing, and the export link.

import { CONFIDENCE_LEVELS, DIMENSIONS, DIMENSION_LABELS } from "./constants.js";
import { $, fmt, make, num, shorten, svg, toScore } from "./dom.js";
import { renderQuestionTable } from "./report_table.js";

const CONFIDENCE_HELP = {
  low: "Low confidence: there was little to go on (a short answer) or the signals disagreed, so treat this score as a rough guide.",
  medium: "Medium confidence: a fair amount of evidence, mostly pointing the same way.",
  high: "High confidence: a long enough answer whose signals agree, so this score is well supported.",
};

const els = {
  report: $("report"),
  overall: $("report-overall"),
  dimensions: $("report-dimensions"),
  overview: $("score-overview"),
  overviewBox: $("score-overview-box"),
  overviewDesc: $("score-overview-desc"),
  questions: $("report-questions"),
  chart: $("report-chart"),
  chartBox: $("report-chart-box"),
  chartDesc: $("report-chart-desc"),
  recommendations: $("report-recommendations"),
  example: $("report-example"),
  meta: $("report-meta"),
  exportLink: $("report-export"),
  print: $("report-print"),
};

let current = null; // the report shown, for redrawing its charts when their width changes
let drawnWidths = { chart: 0, overview: 0 };

export function resetReport() {
  current = null;
  drawnWidths = { chart: 0, overview: 0 };
  els.report.hidden = true;
  els.overall.textContent = "";
  els.dimensions.replaceChildren();
  els.overview.replaceChildren();
  els.overview.setAttribute("data-values", "{}");
  els.overviewDesc.textContent = "";
  els.questions.tBodies[0].replaceChildren();
  els.chart.replaceChildren();
  els.chart.setAttribute("data-points", "0");
  els.chartDesc.textContent = "";
  els.recommendations.replaceChildren();
  els.example.replaceChildren();
  els.example.hidden = true;
  els.meta.textContent = "";
  els.exportLink.removeAttribute("href");
  els.exportLink.hidden = true;
}

// questionOf(id) -> {index, text} | null: what the page knows of a question the report names.
export function renderReport(data, { questionOf = () => null } = {}) {
  current = data;
  renderOverall(data);
  renderQuestionTable(els.questions, data);
  renderRecommendations(data);
  renderExample(data, questionOf);
  renderReportMeta(data);
  els.report.hidden = false;
  drawCharts(); // needs the report visible to measure its width
}

// The printable page (report.html): a plain link, so the token goes in the URL (docs/protocol.md says why).
export function setExport(sessionId, token) {
  if (!sessionId || !token) return;
  els.exportLink.href = `/api/sessions/${encodeURIComponent(sessionId)}/report.html?token=${encodeURIComponent(token)}`;
  els.exportLink.hidden = false;
}

function drawCharts() {
  drawScoreOverview();
  drawTimeline();
}

function confidenceLevel(dim) {
  if (dim && CONFIDENCE_LEVELS.includes(dim.level)) return dim.level;
  const c = num(dim && dim.confidence);
  if (c === null) return null;
  return c < 0.4 ? "low" : c < 0.7 ? "medium" : "high";
}

function overallOf(data) {
  const scores = data.scores && typeof data.scores === "object" ? data.scores : {};
  const overall = toScore(data.overall);
  if (overall !== null) return overall;
  const values = DIMENSIONS.map((d) => toScore(scores[d] && scores[d].score)).filter((v) => v !== null);
  return values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : null;
}

function renderOverall(data) {
  const scores = data.scores && typeof data.scores === "object" ? data.scores : {};
  const overall = overallOf(data);
  els.overall.textContent = overall === null ? "–" : String(overall);
  els.dimensions.replaceChildren(...DIMENSIONS.map((name) => renderDimension(name, scores[name])));
}

function renderDimension(name, dim) {
  const label = DIMENSION_LABELS[name];
  const score = toScore(dim && dim.score);
  const box = make("div", "dimension");
  box.dataset.dimension = name;

  const head = make("div", "dimension-head");
  head.append(
    make("span", "dimension-name", label),
    make("span", "dimension-score", score === null ? "–" : String(score)),
    make("span", "visually-hidden", " out of 100")
  );
  const bar = make("div", "bar");
  bar.setAttribute("aria-hidden", "true"); // the number beside it says the same
  const fill = make("div", "bar-fill");
  fill.style.width = `${score === null ? 0 : score}%`;
  bar.append(fill);
  box.append(head, bar);

  const level = confidenceLevel(dim);
  if (level) box.append(confidenceChip(name, level));

  const evidence = Array.isArray(dim && dim.evidence) ? dim.evidence.filter((e) => typeof e === "string" && e.trim()) : [];
  const details = make("details", "evidence");
  details.append(make("summary", null, evidence.length ? `Evidence (${evidence.length})` : "Evidence"));
  if (evidence.length) {
    const list = make("ul");
    for (const line of evidence) list.append(make("li", null, line.trim()));
    details.append(list);
  } else {
    details.append(make("p", "muted", "No evidence was recorded for this score."));
  }
  box.append(details);
  return box;
}

// A chip whose explanation shows on hover and on keyboard focus (CSS), toggles on click or tap (touch has no
// hover), hides on Escape, and is the chip's accessible description.
function confidenceChip(name, level) {
  const row = make("div", "chip-row");
  const chip = make("button", "confidence-chip", `Confidence: ${level}`);
  chip.type = "button";
  chip.dataset.level = level;
  chip.setAttribute("aria-expanded", "false");
  const tip = make("span", "chip-tip", CONFIDENCE_HELP[level]);
  tip.id = `confidence-tip-${name}`;
  tip.setAttribute("role", "tooltip");
  chip.setAttribute("aria-describedby", tip.id);
  chip.addEventListener("click", () => {
    chip.classList.remove("tip-dismissed");
    chip.setAttribute("aria-expanded", chip.getAttribute("aria-expanded") === "true" ? "false" : "true");
  });
  chip.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      chip.setAttribute("aria-expanded", "false");
      chip.classList.add("tip-dismissed");
    }
  });
  chip.addEventListener("blur", () => {
    chip.setAttribute("aria-expanded", "false");
    chip.classList.remove("tip-dismissed");
  });
  chip.addEventListener("mouseleave", () => chip.classList.remove("tip-dismissed"));
  row.append(chip, tip);
  return row;
}

// --- score overview: a horizontal bar per score, 0-100 -----------------------------------------------------------

function overviewRows(data) {
  const scores = data.scores && typeof data.scores === "object" ? data.scores : {};
  const rows = [{ key: "overall", label: "Overall", value: overallOf(data), level: null }];
  for (const name of DIMENSIONS) {
    rows.push({ key: name, label: DIMENSION_LABELS[name], value: toScore(scores[name] && scores[name].score), level: confidenceLevel(scores[name]) });
  }
  return rows;
}

function drawScoreOverview() {
  const chart = els.overview;
  const rows = current ? overviewRows(current) : [];
  const values = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  chart.setAttribute("data-values", JSON.stringify(values));

  drawnWidths.overview = Math.round(els.overviewBox.clientWidth);
  const width = Math.max(280, drawnWidths.overview || 640);
  const narrow = width < 480;
  const m = { left: narrow ? 88 : 104, right: narrow ? 44 : 150, top: 8, bottom: 30 };
  const rowH = 34;
  const barH = 16;
  const height = m.top + rows.length * rowH + m.bottom;
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  chart.setAttribute("width", String(width));
  chart.setAttribute("height", String(height));
  const plotW = width - m.left - m.right;
  const xAt = (v) => m.left + (Math.max(0, Math.min(100, v)) / 100) * plotW;

  const nodes = [];
  for (const t of [0, 25, 50, 75, 100]) {
    const x = xAt(t);
    nodes.push(svg("line", { x1: x, x2: x, y1: m.top, y2: height - m.bottom, class: t === 0 ? "chart-axis" : "chart-grid" }));
    nodes.push(svg("text", { x, y: height - m.bottom + 18, "text-anchor": "middle", class: "chart-tick" }, String(t)));
  }
  rows.forEach((row, i) => {
    const y = m.top + i * rowH + (rowH - barH) / 2;
    const g = svg("g", { class: "score-row", "data-key": row.key, "data-value": row.value === null ? "" : row.value });
    const level = row.level ? `, ${row.level} confidence` : "";
    g.append(svg("title", {}, `${row.label}: ${row.value === null ? "no score" : `${row.value} out of 100`}${level}`));
    g.append(svg("text", { x: m.left - 10, y: y + barH / 2 + 4.5, "text-anchor": "end", class: "score-label" }, row.label));
    g.append(svg("rect", { x: m.left, y, width: plotW, height: barH, rx: 4, class: "score-bar-track" }));
    if (row.value !== null) {
      g.append(svg("rect", { x: m.left, y, width: Math.max(2, xAt(row.value) - m.left), height: barH, rx: 4, class: `score-bar ${row.key === "overall" ? "overall" : ""}` }));
    }
    const valueX = width - m.right + 8;
    g.append(svg("text", { x: valueX, y: y + barH / 2 + 4.5, class: "score-value" }, row.value === null ? "–" : String(row.value)));
    if (row.level && !narrow) g.append(svg("text", { x: valueX + 30, y: y + barH / 2 + 4, class: "score-level" }, `${row.level} confidence`));
    nodes.push(g);
  });
  chart.replaceChildren(...nodes);

  els.overviewDesc.textContent =
    "Scores out of 100: " +
    rows.map((r) => `${r.label} ${r.value === null ? "not scored" : r.value}${r.level ? ` (${r.level} confidence)` : ""}`).join(", ") +
    ".";
}

// --- pace and fillers over time ----------------------------------------------------------------------------------

function timelinePoints(data) {
  const points = (Array.isArray(data && data.timeline) ? data.timeline : [])
    .filter((p) => p && typeof p === "object" && num(p.pace_wpm) !== null)
    .map((p) => ({
      question: Number.isInteger(p.question_index) ? p.question_index : 0,
      minute: num(p.minute) ?? 0,
      pace: Math.max(0, num(p.pace_wpm)),
      fillers: Math.max(0, num(p.fillers_per_min) ?? 0),
    }));
  points.sort((a, b) => a.question - b.question || a.minute - b.minute);
  return points;
}

// A round axis maximum at or above the data (its half is round too: ticks are 0, half and max).
function niceMax(value, floor) {
  const v = Math.max(value, floor);
  const nice = [2, 4, 6, 8, 10, 12, 16, 20, 30, 40, 60, 80, 100, 120, 160, 200, 240, 300, 400, 600, 800, 1000];
  return nice.find((n) => n >= v) || Math.ceil(v / 1000) * 1000;
}

function drawTimeline() {
  const chart = els.chart;
  const points = current ? timelinePoints(current) : [];
  chart.setAttribute("data-points", String(points.length));
  const questionsShown = [...new Set(points.map((p) => p.question))];
  chart.setAttribute("data-questions", String(questionsShown.length));
  chart.setAttribute("data-pace", points.map((p) => Math.round(p.pace)).join(","));
  chart.setAttribute("data-fillers", points.map((p) => Number(p.fillers.toFixed(1))).join(","));

  drawnWidths.chart = Math.round(els.chartBox.clientWidth);
  const width = Math.max(280, drawnWidths.chart || 640);
  const narrow = width < 480;
  const m = { left: 46, right: 14, top: 10, bottom: 44 };
  const panelH = narrow ? 100 : 120;
  const gap = 34;
  const height = m.top + panelH + gap + panelH + m.bottom;
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  chart.setAttribute("width", String(width));
  chart.setAttribute("height", String(height));
  chart.dataset.width = String(width);

  const nodes = [];
  const plotW = width - m.left - m.right;
  const panels = [
    { key: "pace", label: "Pace (wpm)", top: m.top, max: niceMax(Math.max(0, ...points.map((p) => p.pace)), 160) },
    { key: "fillers", label: "Fillers / min", top: m.top + panelH + gap, max: niceMax(Math.max(0, ...points.map((p) => p.fillers)), 4) },
  ];

  if (points.length === 0) {
    nodes.push(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, "Not enough speech to chart pace and fillers."));
    chart.replaceChildren(...nodes);
    els.chartDesc.textContent = "There was not enough timed speech to chart pace and fillers.";
    return;
  }

  const step = plotW / points.length;
  const xAt = (i) => m.left + step * (i + 0.5);

  for (const panel of panels) {
    const yAt = (v) => panel.top + panelH - (Math.min(v, panel.max) / panel.max) * panelH;
    panel.yAt = yAt;
    for (const t of [0, panel.max / 2, panel.max]) {
      const y = yAt(t);
      nodes.push(svg("line", { x1: m.left, x2: width - m.right, y1: y, y2: y, class: t === 0 ? "chart-axis" : "chart-grid" }));
      nodes.push(svg("text", { x: m.left - 6, y: y + 4, "text-anchor": "end", class: "chart-tick" }, String(Number(t.toFixed(1)))));
    }
    const cy = panel.top + panelH / 2;
    nodes.push(svg("text", { x: 12, y: cy, transform: `rotate(-90 12 ${cy})`, "text-anchor": "middle", class: "chart-axis-label" }, panel.label));
  }

  // question boundaries and labels
  let start = 0;
  for (let i = 1; i <= points.length; i++) {
    if (i === points.length || points[i].question !== points[start].question) {
      const mid = (xAt(start) + xAt(i - 1)) / 2;
      nodes.push(svg("text", { x: mid, y: height - m.bottom + 18, "text-anchor": "middle", class: "chart-tick" }, `Q${points[start].question + 1}`));
      if (i < points.length) {
        const x = m.left + step * i;
        nodes.push(svg("line", { x1: x, x2: x, y1: m.top, y2: height - m.bottom, class: "chart-divider" }));
      }
      start = i;
    }
  }
  nodes.push(
    svg("text", { x: m.left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "chart-axis-label" }, narrow ? "Question (a point per minute)" : "Question (one point per minute of each answer)")
  );

  // series: a line per question (answers are not continuous), then the points with their values
  for (const panel of panels) {
    const value = (p) => (panel.key === "pace" ? p.pace : p.fillers);
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        nodes.push(svg("polyline", { points: run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "), class: `chart-line series-${panel.key}` }));
      }
      run = [];
    };
    points.forEach((p, i) => {
      if (i > 0 && p.question !== points[i - 1].question) flush();
      run.push([xAt(i), panel.yAt(value(p))]);
    });
    flush();
    points.forEach((p, i) => {
      const x = xAt(i);
      const y = panel.yAt(value(p));
      const g = svg("g", { class: `chart-point series-${panel.key}`, "data-index": i });
      g.append(svg("title", {}, `Question ${p.question + 1}, minute ${fmt(p.minute, 1)}: pace ${fmt(p.pace)} wpm, ${fmt(p.fillers, 1)} fillers per minute`));
      g.append(svg("circle", { cx: x, cy: y, r: 10, class: "chart-hit" }));
      if (panel.key === "pace") g.append(svg("circle", { cx: x, cy: y, r: 4.5, class: "chart-marker" }));
      else g.append(svg("rect", { x: x - 4, y: y - 4, width: 8, height: 8, class: "chart-marker" }));
      nodes.push(g);
    });
  }
  chart.replaceChildren(...nodes);

  const paces = points.map((p) => p.pace);
  const fillers = points.map((p) => p.fillers);
  const avg = paces.reduce((a, b) => a + b, 0) / paces.length;
  const qs = questionsShown.length;
  els.chartDesc.textContent =
    `${points.length} ${points.length === 1 ? "point" : "points"} across ${qs} ${qs === 1 ? "question" : "questions"}. ` +
    `Pace ranged from ${fmt(Math.min(...paces))} to ${fmt(Math.max(...paces))} words per minute (average ${fmt(avg)}); ` +
    `fillers from ${fmt(Math.min(...fillers), 1)} to ${fmt(Math.max(...fillers), 1)} per minute. Hover a point for its values.`;
}

// --- recommendations, example phrasing, provenance ---------------------------------------------------------------

function renderRecommendations(data) {
  const recs = (Array.isArray(data.recommendations) ? data.recommendations : []).filter((r) => typeof r === "string" && r.trim());
  const items = recs.map((r) => make("li", null, r.trim()));
  if (items.length === 0) items.push(make("li", "muted", "No specific recommendations this time: keep practising."));
  els.recommendations.replaceChildren(...items);
}

function renderExample(data, questionOf) {
  const box = els.example;
  const nodes = [];
  const weakestId = typeof data.weakest_question_id === "string" ? data.weakest_question_id : null;
  const fromReport = weakestId && Array.isArray(data.questions) ? data.questions.find((q) => q && q.question_id === weakestId) : null;
  const known = weakestId ? questionOf(weakestId) : null;
  const weakText = (fromReport && fromReport.question_text) || (known && known.text) || "";
  const weakIndex = fromReport && Number.isInteger(fromReport.question_index) ? fromReport.question_index : known ? known.index : null;
  const ex = data.example_phrasing && typeof data.example_phrasing === "object" ? data.example_phrasing : null;
  const hasExample = ex && typeof ex.original === "string" && typeof ex.improved === "string" && ex.original.trim() && ex.improved.trim();

  nodes.push(make("h3", "report-heading", hasExample ? "Example phrasing" : "Your weakest answer"));
  if (weakestId) {
    const p = make("p", "weakest-note");
    const name = Number.isInteger(weakIndex) ? `Question ${weakIndex + 1}` : "One question";
    p.append(hasExample ? "From your weakest answer, " : "Your weakest answer was ", make("strong", null, name));
    if (weakText) p.append(": ", make("q", null, shorten(weakText, 120)));
    else p.append(".");
    nodes.push(p);
  }
  if (hasExample) {
    const wrap = make("div", "rewrite");
    const before = make("p", "rewrite-original");
    before.append(make("span", "rewrite-label", "Instead of:"), " ", make("q", null, ex.original.trim()));
    const after = make("p", "rewrite-improved");
    after.append(make("span", "rewrite-label", "Try:"), " ", make("q", null, ex.improved.trim()));
    wrap.append(before, after);
    nodes.push(wrap);
  }
  box.replaceChildren(...nodes);
  box.hidden = !weakestId && !hasExample;
}

function renderReportMeta(data) {
  const parts = [];
  const rubric = data.rubric && typeof data.rubric === "object" ? data.rubric : null;
  if (rubric && rubric.id) {
    parts.push(`Scored with the “${rubric.id}” rubric${rubric.version ? `, version ${rubric.version}` : ""}.`);
  }
  const evaluator = typeof data.evaluator === "string" ? data.evaluator : "";
  if (evaluator === "llm") parts.push("Feedback written by an LLM (AI language model).");
  else if (evaluator === "deterministic") parts.push("Feedback from the deterministic evaluator (rule-based, no AI model).");
  else if (evaluator) parts.push(`Feedback from the ${evaluator} evaluator.`);
  els.meta.textContent = parts.join(" ");
  els.meta.dataset.evaluator = evaluator;
  if (rubric) {
    els.meta.dataset.rubricId = String(rubric.id || "");
    els.meta.dataset.rubricVersion = String(rubric.version || "");
  }
}

// Charts are drawn at their container's width (crisp text at any size): redraw when it changes.
if (typeof ResizeObserver === "function") {
  const redraw = (key, draw) => (entries) => {
    const w = Math.round(entries[0].contentRect.width);
    if (!current || w === 0 || w === drawnWidths[key]) return;
    drawnWidths[key] = w;
    draw();
  };
  new ResizeObserver(redraw("chart", drawTimeline)).observe(els.chartBox);
  new ResizeObserver(redraw("overview", drawScoreOverview)).observe(els.overviewBox);
}

els.print.addEventListener("click", () => window.print());
