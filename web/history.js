// The History view: this browser's candidate's past interviews (GET /api/history), their scores over time, and for
// each one: open its report, export the printable report, or delete it for good (DELETE /api/sessions/{id}).
//
// It works beside app.js through the DOM only. Opening a report dispatches a cancelable `rehearse:open-report` event
// on document with detail {session_id, token}; a handler that shows the report itself calls preventDefault() and the
// History view closes. Unhandled, the report is shown here, compactly, from GET /api/sessions/{id}.

import { ApiError, api, forgetCandidate, loadCandidate, saveCandidate } from "./api.js";
import { CANDIDATE_KEY, CONFIDENCE_LEVELS, DIMENSIONS, DIMENSION_LABELS } from "./constants.js";
import { $, make, svg, toScore } from "./dom.js";
import { renderQuestionTable } from "./report_table.js";

const HASH = "#history";
const LIST_LIMIT = 100;
const STALE_MS = 50 * 60 * 1000; // the rows' session tokens live an hour: older lists are fetched again before use
const SERIES = [
  { key: "overall", label: "Overall", shape: "circle", dash: "" },
  { key: "content", label: DIMENSION_LABELS.content, shape: "square", dash: "7 4" },
  { key: "structure", label: DIMENSION_LABELS.structure, shape: "triangle", dash: "2 4" },
  { key: "clarity", label: DIMENSION_LABELS.clarity, shape: "diamond", dash: "10 4 2 4" },
  { key: "confidence", label: DIMENSION_LABELS.confidence, shape: "cross", dash: "4 3" },
];
const STATUS_WORDS = { created: "Not started", live: "Not finished", ended: "Finished" };
const LONG_DATE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const DAY = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const TIME = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

const state = {
  open: false,
  pushedHash: false, // the view added #history to the browser's history, so Back can simply go back
  hiddenBefore: null, // #setup's and #interview's `hidden` when the view opened, restored when it closes
  interviews: [],
  loadedAt: 0,
  roles: null, // role id -> title
  shown: new Set(["overall"]),
  deleting: null, // the interview the dialog asks about
  returnFocus: null,
  loading: null,
  deleted: new Set(), // session ids deleted from this page: a list fetched before a deletion must not bring them back
};

const els = {};

// ---------------------------------------------------------------------------
// Building the view

function build() {
  const section = $("history");
  const toggle = $("show-history");
  if (!section || !toggle) return false;
  els.section = section;
  els.toggle = toggle;
  section.classList.add("history");
  section.setAttribute("aria-labelledby", "history-title");
  section.replaceChildren();

  const head = make("div", "history-head");
  els.title = make("h2", "", "Your interview history");
  els.title.id = "history-title";
  els.title.tabIndex = -1;
  els.back = make("button", "secondary", "Back");
  els.back.type = "button";
  els.back.id = "history-back";
  els.back.addEventListener("click", () => leave());
  head.append(els.title, els.back);

  els.status = make("p", "history-status");
  els.status.id = "history-status";
  els.status.setAttribute("role", "status");
  els.status.setAttribute("aria-live", "polite");

  els.error = make("div", "error history-error");
  els.error.id = "history-error";
  els.error.setAttribute("role", "alert");
  els.error.hidden = true;

  els.overview = make("div", "history-overview");
  els.overview.id = "history-overview";
  els.empty = buildEmpty();
  els.trend = buildTrend();
  els.listSection = buildList();
  els.overview.append(els.empty, els.trend, els.listSection);

  els.report = make("section", "history-report");
  els.report.id = "history-report";
  els.report.hidden = true;
  els.report.setAttribute("aria-labelledby", "history-report-title");

  section.append(head, els.status, els.error, els.overview, els.report);
  document.body.append(buildDialog());
  return true;
}

function buildEmpty() {
  const box = make("div", "history-empty");
  box.id = "history-empty";
  box.hidden = true;
  els.emptyText = make("p", "", "No interviews yet. Your past interviews and their scores appear here once you have practised.");
  const start = make("button", "primary", "Set up an interview");
  start.type = "button";
  start.addEventListener("click", () => leave());
  box.append(els.emptyText, start);
  return box;
}

function buildTrend() {
  const box = make("section", "history-trend");
  box.id = "history-trend";
  box.setAttribute("aria-labelledby", "history-trend-title");
  const title = make("h3", "", "Scores over time");
  title.id = "history-trend-title";

  const picker = make("fieldset", "history-series");
  picker.append(make("legend", "", "Show"));
  for (const series of SERIES) {
    const label = make("label", "history-series-choice");
    label.dataset.series = series.key;
    const box2 = make("input");
    box2.type = "checkbox";
    box2.value = series.key;
    box2.id = `history-show-${series.key}`;
    box2.checked = state.shown.has(series.key);
    box2.addEventListener("change", () => {
      if (box2.checked) state.shown.add(series.key);
      else state.shown.delete(series.key);
      drawChart();
    });
    label.append(box2, legendMark(series), document.createTextNode(series.label));
    picker.append(label);
  }

  const figure = make("figure", "history-figure");
  els.chartBox = make("div", "history-chart-box");
  els.chart = svg("svg", {
    id: "history-chart",
    class: "history-chart",
    role: "img",
    "aria-labelledby": "history-trend-title",
    "aria-describedby": "history-chart-desc",
    "data-points": "0",
    "data-values": "{}",
  });
  els.chartBox.append(els.chart);
  els.chartDesc = make("figcaption", "history-chart-desc");
  els.chartDesc.id = "history-chart-desc";
  figure.append(els.chartBox, els.chartDesc);
  box.append(title, picker, figure);
  if (typeof ResizeObserver === "function") {
    let width = 0;
    new ResizeObserver(() => {
      const now = els.chartBox.clientWidth;
      if (now && Math.abs(now - width) > 4) {
        width = now;
        drawChart();
      }
    }).observe(els.chartBox);
  }
  return box;
}

function legendMark(series) {
  const mark = svg("svg", { class: "history-mark", viewBox: "0 0 28 12", width: 28, height: 12, "aria-hidden": "true", "data-series": series.key });
  mark.append(svg("line", { x1: 1, y1: 6, x2: 27, y2: 6, class: "history-line", "stroke-dasharray": series.dash }), marker(series.shape, 14, 6, 4));
  return mark;
}

function buildList() {
  const box = make("section", "history-interviews");
  box.setAttribute("aria-labelledby", "history-list-title");
  const title = make("h3", "", "Interviews");
  title.id = "history-list-title";
  title.tabIndex = -1;
  els.listTitle = title;
  els.list = make("ol", "history-list");
  els.list.id = "history-list";
  box.append(title, els.list);
  return box;
}

function buildDialog() {
  const dialog = make("dialog", "dialog history-dialog");
  dialog.id = "history-delete-dialog";
  dialog.setAttribute("aria-labelledby", "history-delete-title");
  dialog.setAttribute("aria-describedby", "history-delete-desc");
  const title = make("h2", "", "Delete this interview?");
  title.id = "history-delete-title";
  els.dialogText = make("p");
  els.dialogText.id = "history-delete-desc";
  els.dialogError = make("p", "history-dialog-error");
  els.dialogError.setAttribute("role", "alert");
  els.dialogError.hidden = true;
  const actions = make("div", "dialog-actions");
  const cancel = make("button", "secondary", "Cancel");
  cancel.type = "button";
  cancel.autofocus = true;
  cancel.addEventListener("click", () => dialog.close("cancel"));
  els.confirm = make("button", "danger-solid", "Delete interview");
  els.confirm.type = "button";
  els.confirm.id = "history-delete-confirm";
  els.confirm.addEventListener("click", () => confirmDelete());
  actions.append(cancel, els.confirm);
  dialog.append(title, els.dialogText, els.dialogError, actions);
  dialog.addEventListener("close", () => {
    // `close` runs as a later task: when the dialog was opened again before it (Escape then Enter at once, a busy
    // page), that opening owns the question now, and clearing it would leave "Delete interview" doing nothing.
    if (dialog.open) return;
    const deleted = dialog.returnValue === "deleted";
    state.deleting = null;
    if (!deleted && state.returnFocus && state.returnFocus.isConnected) state.returnFocus.focus();
  });
  els.dialog = dialog;
  return dialog;
}

// ---------------------------------------------------------------------------
// Showing and leaving the view

function show() {
  if (!state.open) {
    state.open = true;
    const views = ["setup", "interview"].map((id) => $(id)).filter(Boolean);
    state.hiddenBefore = views.map((el) => [el, el.hidden]);
    for (const el of views) el.hidden = true;
    els.section.hidden = false;
    els.toggle.setAttribute("aria-expanded", "true");
  }
  showOverview();
  els.title.focus();
  load();
}

function close() {
  if (!state.open) return;
  state.open = false;
  if (els.dialog.open) els.dialog.close("cancel");
  els.section.hidden = true;
  for (const [el, hidden] of state.hiddenBefore || []) el.hidden = hidden;
  state.hiddenBefore = null;
  els.toggle.setAttribute("aria-expanded", "false");
}

// Back (the button, or the header's History button again): leave by the browser's history where the view added to it.
function leave() {
  if (state.pushedHash && location.hash === HASH) {
    history.back(); // hashchange closes the view
  } else {
    if (location.hash === HASH) history.replaceState(null, "", location.pathname + location.search);
    close();
  }
  state.pushedHash = false;
  els.toggle.focus();
}

function onHashChange() {
  if (location.hash === HASH) show();
  else if (!location.hash || location.hash === "#") close(); // other anchors (the skip link) leave the view alone
}

// ---------------------------------------------------------------------------
// Loading

function setStatus(text) {
  els.status.textContent = text;
}

function setError(message, actions = []) {
  els.error.replaceChildren();
  if (!message) {
    els.error.hidden = true;
    return;
  }
  els.error.append(make("p", "", message));
  if (actions.length) {
    const row = make("div", "history-error-actions");
    row.append(...actions);
    els.error.append(row);
  }
  els.error.hidden = false;
}

function storedCandidateExists() {
  try {
    return localStorage.getItem(CANDIDATE_KEY) !== null;
  } catch {
    return false;
  }
}

async function roleTitles() {
  if (state.roles) return state.roles;
  try {
    const data = await api("/api/roles");
    state.roles = new Map((data.roles || []).map((r) => [r.id, r.title]));
  } catch {
    return new Map(); // titles fall back to the role id, made readable
  }
  return state.roles;
}

function load() {
  if (!state.loading) state.loading = fetchHistory().finally(() => (state.loading = null));
  return state.loading;
}

async function fetchHistory() {
  setError("");
  const candidate = loadCandidate();
  if (!candidate) {
    if (storedCandidateExists()) expired();
    else render([]);
    return;
  }
  setStatus("Loading your interviews…");
  els.section.setAttribute("aria-busy", "true");
  try {
    const [data, roles] = await Promise.all([api(`/api/history?limit=${LIST_LIMIT}`, { token: candidate.token }), roleTitles()]);
    saveCandidate(data.candidate); // a fresh token each time keeps the history alive
    state.loadedAt = Date.now();
    state.roles = roles;
    render((Array.isArray(data.interviews) ? data.interviews : []).filter((row) => !state.deleted.has(row.session_id)));
    const n = state.interviews.length;
    setStatus(n ? `${n} ${n === 1 ? "interview" : "interviews"} listed, newest first.` : "");
  } catch (err) {
    setStatus("");
    if (err instanceof ApiError && (err.code === "invalid_token" || err.code === "candidate_mismatch")) expired(err.code);
    else failed(err);
  } finally {
    els.section.removeAttribute("aria-busy");
  }
}

function expired(code = "invalid_token") {
  render(null);
  const fresh = make("button", "primary", "Start fresh");
  fresh.type = "button";
  fresh.addEventListener("click", () => {
    forgetCandidate();
    setError("");
    leave();
  });
  const why =
    code === "candidate_mismatch"
      ? "The history saved in this browser belongs to someone other than the person signed in, so it cannot be shown."
      : "The key that links this browser to your past interviews has expired or is no longer valid, so they cannot be shown.";
  setError(`${why} You can start fresh: your next interview begins a new history.`, [fresh]);
}

function failed(err) {
  const retry = make("button", "secondary", "Try again");
  retry.type = "button";
  retry.addEventListener("click", () => load());
  const message = err && err.message ? err.message : "Something went wrong.";
  setError(`Your interviews could not be loaded. ${message}`, [retry]);
  if (!state.interviews.length) render(null);
}

// Session tokens in an old list may have expired: fetch the list again before they are used.
async function fresh(sessionId) {
  if (Date.now() - state.loadedAt > STALE_MS) await load();
  return state.interviews.find((row) => row.session_id === sessionId) || null;
}

// ---------------------------------------------------------------------------
// The list

function roleName(row) {
  if (!row.role) return row.job_title ? `Tailored: ${row.job_title}` : "Tailored";
  const title = state.roles && state.roles.get(row.role);
  if (title) return title;
  const words = String(row.role).replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function when(row) {
  const date = new Date(row.created_at);
  return Number.isNaN(date.getTime()) ? "Unknown date" : LONG_DATE.format(date);
}

function statusWords(row) {
  const base = STATUS_WORDS[row.status] || row.status;
  if (row.status !== "ended" || row.report_ready) return base;
  return row.answered_count ? `${base}, report not ready yet` : `${base} without answers`;
}

function finished(row) {
  return row.report_ready && toScore(row.overall) !== null;
}

// rows: the interviews to show; null when they cannot be known (an error says why).
function render(rows) {
  state.interviews = rows || [];
  els.list.replaceChildren(...state.interviews.map(renderRow));
  const none = rows !== null && state.interviews.length === 0;
  els.empty.hidden = !none;
  els.listSection.hidden = state.interviews.length === 0;
  els.trend.hidden = state.interviews.length === 0;
  drawChart();
}

function renderRow(row) {
  const item = make("li", "history-item");
  item.dataset.sessionId = row.session_id;
  item.dataset.status = row.status;
  item.dataset.reportReady = String(!!row.report_ready);
  const headingId = `history-item-${row.session_id}`;
  const article = make("article", "history-card");
  article.setAttribute("aria-labelledby", headingId);

  const heading = make("h4", "history-card-title");
  heading.id = headingId;
  heading.tabIndex = -1;
  heading.append(make("span", "history-date", when(row)), make("span", "history-role", roleName(row)));

  const meta = make("p", "history-meta");
  const badge = make("span", "history-badge", statusWords(row));
  badge.dataset.status = row.report_ready ? "ready" : row.status;
  const count = Number(row.question_count) || 0;
  meta.append(badge, make("span", "", `${Number(row.answered_count) || 0} of ${count} ${count === 1 ? "question" : "questions"} answered`));

  article.append(heading, meta, renderScores(row), renderActions(row));
  item.append(article);
  return item;
}

function renderScores(row) {
  const box = make("div", "history-scores");
  box.append(overallBlock(row.overall));
  if (toScore(row.overall) !== null) box.append(dimensionList(row.scores));
  return box;
}

// "Overall 72 / 100"; both the list and an opened report show it.
function overallBlock(value) {
  const overall = toScore(value);
  const big = make("p", "history-overall");
  big.dataset.score = overall === null ? "" : String(overall);
  big.append(make("span", "history-overall-label", "Overall"));
  if (overall === null) big.append(make("span", "history-overall-none", "No score yet"));
  else big.append(make("span", "history-overall-value", String(overall)), make("span", "history-overall-max", "/ 100"));
  return big;
}

// The four dimensions with their confidence in words; scores: {dimension: {score, level}} (history row or report).
function dimensionList(scores) {
  const list = make("dl", "history-dims");
  for (const dim of DIMENSIONS) {
    const result = scores && scores[dim];
    const score = result ? toScore(result.score) : null;
    const wrap = make("div", "history-dim");
    wrap.dataset.dimension = dim;
    wrap.dataset.score = score === null ? "" : String(score);
    const value = make("dd");
    value.append(make("span", "history-dim-score", score === null ? "–" : String(score)));
    if (result && CONFIDENCE_LEVELS.includes(result.level)) {
      const level = make("span", "history-level", `${result.level} confidence`);
      level.dataset.level = result.level;
      value.append(level);
    }
    wrap.append(make("dt", "", DIMENSION_LABELS[dim]), value);
    list.append(wrap);
  }
  return list;
}

function renderActions(row) {
  const actions = make("div", "history-actions");
  const about = ` the report of ${when(row)}`;
  const ready = !!row.report_ready;

  const open = make("button", "secondary history-open");
  open.type = "button";
  open.disabled = !ready;
  open.append("Open report", make("span", "visually-hidden", `: ${when(row)}, ${roleName(row)}`));
  open.addEventListener("click", () => openReport(row.session_id, open));

  let exporter;
  if (ready) {
    exporter = make("a", "button secondary history-export");
    exporter.href = exportUrl(row);
    exporter.target = "_blank";
    exporter.rel = "noopener noreferrer";
    exporter.append("Export", make("span", "visually-hidden", `${about} as a printable page (opens in a new tab)`));
    exporter.addEventListener("click", (event) => exportClicked(event, row.session_id, exporter));
  } else {
    exporter = make("button", "secondary history-export", "Export");
    exporter.type = "button";
    exporter.disabled = true;
    exporter.title = "The report is not ready";
  }

  const remove = make("button", "danger history-delete");
  remove.type = "button";
  remove.append("Delete", make("span", "visually-hidden", ` the interview of ${when(row)}`));
  remove.addEventListener("click", () => askDelete(row.session_id, remove));

  actions.append(open, exporter, remove);
  return actions;
}

function exportUrl(row) {
  return `/api/sessions/${encodeURIComponent(row.session_id)}/report.html?token=${encodeURIComponent(row.token)}`;
}

async function exportClicked(event, sessionId, link) {
  if (Date.now() - state.loadedAt <= STALE_MS) return; // the link's token is fresh: the browser follows it
  event.preventDefault();
  const row = await fresh(sessionId);
  if (row && row.report_ready) {
    link.href = exportUrl(row);
    window.open(link.href, "_blank", "noopener,noreferrer");
  }
}

// ---------------------------------------------------------------------------
// The chart: overall (and, when chosen, the four dimensions) of each finished interview, oldest to newest

const CHART = { height: 240, top: 28, right: 18, bottom: 58, left: 44, inset: 30 }; // inset: room for a date under the first and last point

function seriesValues(points) {
  const values = {};
  for (const series of SERIES) {
    values[series.key] = points.map((row) => (series.key === "overall" ? toScore(row.overall) : toScore(row.scores && row.scores[series.key] && row.scores[series.key].score)));
  }
  return values;
}

function drawChart() {
  if (!els.chart) return;
  const points = state.interviews.filter(finished).slice().reverse(); // oldest first
  const values = seriesValues(points);
  const chart = els.chart;
  chart.replaceChildren();
  chart.dataset.points = String(points.length);
  chart.dataset.values = JSON.stringify(values);
  chart.dataset.sessions = points.map((row) => row.session_id).join(",");

  const width = Math.max(280, Math.round(els.chartBox.clientWidth || 640));
  const { height, top, right, bottom, left, inset } = CHART;
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  chart.setAttribute("width", String(width));
  chart.setAttribute("height", String(height));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const y = (score) => top + plotH - (score / 100) * plotH;
  const x = (i) => (points.length <= 1 ? left + plotW / 2 : left + inset + (i / (points.length - 1)) * (plotW - 2 * inset));

  chart.append(svg("text", { x: 4, y: 14, class: "history-axis-title" }, "Score (0 to 100)"));
  for (const tick of [0, 25, 50, 75, 100]) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: tick === 0 ? "history-axis" : "history-grid" }));
    chart.append(svg("text", { x: left - 8, y: y(tick) + 4, class: "history-tick", "text-anchor": "end" }, String(tick)));
  }
  chart.append(svg("text", { x: left + plotW / 2, y: height - 6, class: "history-axis-title", "text-anchor": "middle" }, "Interviews, oldest to newest"));

  if (!points.length) {
    chart.append(svg("text", { x: left + plotW / 2, y: top + plotH / 2, class: "history-chart-empty", "text-anchor": "middle" }, "No finished interview with a report yet"));
    els.chartDesc.textContent = "No scores to show yet: an interview appears here once its report is ready.";
    return;
  }

  // Date labels, thinned so that they never overlap on a narrow screen.
  const every = Math.max(1, Math.ceil(points.length / Math.max(1, Math.floor(plotW / 72))));
  points.forEach((row, i) => {
    if (i % every !== 0 && i !== points.length - 1) return;
    const date = new Date(row.created_at);
    const label = svg("text", { x: x(i), y: top + plotH + 18, class: "history-tick", "text-anchor": "middle" });
    label.append(svg("tspan", { x: x(i) }, DAY.format(date)), svg("tspan", { x: x(i), dy: 14 }, TIME.format(date)));
    chart.append(label);
  });

  for (const series of SERIES) {
    if (!state.shown.has(series.key)) continue;
    const list = values[series.key];
    const group = svg("g", { class: "history-series-line", "data-series": series.key, "data-values": list.join(",") });
    const path = list
      .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
      .filter(Boolean)
      .join(" ");
    if (list.filter((v) => v !== null).length > 1) group.append(svg("polyline", { points: path, class: "history-line", "stroke-dasharray": series.dash }));
    list.forEach((v, i) => {
      if (v === null) return;
      const point = svg("g", { class: "history-point", "data-value": v });
      point.append(svg("title", {}, `${series.label}: ${v} on ${when(points[i])}`), marker(series.shape, x(i), y(v), series.key === "overall" ? 5 : 4));
      group.append(point);
    });
    chart.append(group);
  }
  els.chartDesc.textContent = describe(points, values);
}

function marker(shape, cx, cy, r) {
  const n = (v) => v.toFixed(1);
  if (shape === "square") return svg("rect", { x: n(cx - r), y: n(cy - r), width: 2 * r, height: 2 * r, class: "history-marker" });
  if (shape === "triangle") return svg("polygon", { points: `${n(cx)},${n(cy - r - 1)} ${n(cx + r + 1)},${n(cy + r)} ${n(cx - r - 1)},${n(cy + r)}`, class: "history-marker" });
  if (shape === "diamond") return svg("polygon", { points: `${n(cx)},${n(cy - r - 1)} ${n(cx + r + 1)},${n(cy)} ${n(cx)},${n(cy + r + 1)} ${n(cx - r - 1)},${n(cy)}`, class: "history-marker" });
  if (shape === "cross") return svg("path", { d: `M${n(cx - r)},${n(cy - r)}L${n(cx + r)},${n(cy + r)}M${n(cx + r)},${n(cy - r)}L${n(cx - r)},${n(cy + r)}`, class: "history-marker history-marker-cross" });
  return svg("circle", { cx: n(cx), cy: n(cy), r, class: "history-marker" });
}

// The chart in words, for screen readers and as its caption; each interview's date and scores are also in the list.
function describe(points, values) {
  const count = `${points.length} finished ${points.length === 1 ? "interview" : "interviews"}`;
  const span = points.length === 1 ? `on ${when(points[0])}` : `from ${when(points[0])} to ${when(points[points.length - 1])}`;
  const shown = SERIES.filter((s) => state.shown.has(s.key));
  if (!shown.length) return `${count} ${span}. Choose a score above to draw it.`;
  const parts = shown.map((series) => {
    const list = values[series.key];
    const known = list.filter((v) => v !== null);
    let change = "";
    if (known.length > 1) {
      const delta = known[known.length - 1] - known[0];
      const amount = `${Math.abs(delta)} ${Math.abs(delta) === 1 ? "point" : "points"}`;
      change = delta === 0 ? " (unchanged)" : ` (${delta > 0 ? "up" : "down"} ${amount})`;
    }
    return `${series.label}: ${list.map((v) => (v === null ? "none" : v)).join(", ")}${change}.`;
  });
  return `Scores out of 100 of ${count}, oldest first, ${span}. ${parts.join(" ")}`;
}

// ---------------------------------------------------------------------------
// Opening an old report

async function openReport(sessionId, opener) {
  const row = await fresh(sessionId);
  if (!row) return;
  const detail = { session_id: row.session_id, token: row.token };
  const event = new CustomEvent("rehearse:open-report", { detail, cancelable: true });
  if (!document.dispatchEvent(event)) {
    leave(); // the page shows the report itself
    return;
  }
  state.returnFocus = opener;
  els.overview.hidden = true;
  els.report.hidden = false;
  els.report.replaceChildren(make("p", "history-loading", "Loading the report…"));
  setStatus("Loading the report…");
  try {
    const session = await api(`/api/sessions/${encodeURIComponent(row.session_id)}`, { token: row.token });
    const report = session.feedback && session.feedback.report;
    renderReport(row, session, report);
    setStatus(report ? `Showing the report of ${when(row)}.` : "This report is not ready yet.");
  } catch (err) {
    renderReport(row, null, null, err);
    setStatus("");
  }
  const title = $("history-report-title");
  if (title) title.focus();
}

function showOverview() {
  els.report.hidden = true;
  els.report.replaceChildren();
  els.overview.hidden = false;
}

function backToList() {
  showOverview();
  setStatus("");
  const target = state.returnFocus && state.returnFocus.isConnected ? state.returnFocus : els.listTitle;
  target.focus();
}

function renderReport(row, session, report, err = null) {
  const back = make("button", "secondary history-report-back", "Back to your interviews");
  back.type = "button";
  back.addEventListener("click", backToList);
  const title = make("h3", "", `Report: ${when(row)}, ${roleName(row)}`);
  title.id = "history-report-title";
  title.tabIndex = -1;
  const nodes = [back, title];
  if (err || !report) {
    const text = err ? `The report could not be loaded. ${err.message || ""}` : "This interview has no report yet.";
    const alert = make("p", "error", text.trim());
    alert.setAttribute("role", "alert");
    nodes.push(alert);
    els.report.replaceChildren(...nodes);
    return;
  }

  const top = make("div", "history-report-top");
  const overall = overallBlock(report.overall);
  overall.id = "history-report-overall";
  top.append(overall, dimensionList(report.scores));
  nodes.push(top);

  if (Array.isArray(report.questions) && report.questions.length) {
    const heading = make("h4", "", "Question by question");
    heading.id = "history-report-questions-title";
    const scroll = make("div", "table-scroll history-table-scroll");
    scroll.setAttribute("role", "region");
    scroll.setAttribute("aria-labelledby", heading.id);
    scroll.tabIndex = 0;
    const table = make("table", "report-table history-table");
    table.id = "history-report-questions";
    renderQuestionTable(table, report, { compact: true });
    scroll.append(table);
    nodes.push(heading, scroll);
  }

  if (Array.isArray(report.recommendations) && report.recommendations.length) {
    const list = make("ul", "history-recommendations");
    for (const text of report.recommendations) list.append(make("li", "", text));
    nodes.push(make("h4", "", "Recommendations"), list);
  }

  const links = make("p", "history-report-links");
  const printable = make("a", "button secondary");
  printable.href = exportUrl(row);
  printable.target = "_blank";
  printable.rel = "noopener noreferrer";
  printable.id = "history-report-printable";
  printable.append("Printable report", make("span", "visually-hidden", " (opens in a new tab)"));
  links.append(printable);
  const evaluator = report.evaluator === "llm" ? "an AI evaluator" : "the rubric evaluator";
  const started = session && session.ended_at ? ` Ended ${LONG_DATE.format(new Date(session.ended_at))}.` : "";
  nodes.push(links, make("p", "history-report-meta", `Scored by ${evaluator}${report.rubric ? ` with rubric ${report.rubric.id} ${report.rubric.version}` : ""}.${started}`));
  els.report.replaceChildren(...nodes);
}

// ---------------------------------------------------------------------------
// Deleting an interview

function askDelete(sessionId, opener) {
  const row = state.interviews.find((r) => r.session_id === sessionId);
  if (!row) return;
  state.deleting = row;
  state.returnFocus = opener;
  els.dialogText.textContent = `The interview of ${when(row)} (${roleName(row)}) is deleted for good: its transcript, scores, report and any recordings. This cannot be undone.`;
  els.dialogError.hidden = true;
  els.confirm.disabled = false;
  els.confirm.textContent = "Delete interview";
  els.dialog.returnValue = "";
  els.dialog.showModal();
}

async function confirmDelete() {
  const row = state.deleting;
  if (!row) return;
  const candidate = loadCandidate();
  els.confirm.disabled = true;
  els.confirm.textContent = "Deleting…";
  els.dialogError.hidden = true;
  try {
    // The candidate's token: unlike the row's session token it does not run out while the page stays open.
    await api(`/api/sessions/${encodeURIComponent(row.session_id)}`, { method: "DELETE", token: candidate ? candidate.token : row.token });
    removed(row, `Deleted the interview of ${when(row)}.`);
  } catch (err) {
    if (err instanceof ApiError && err.code === "unknown_session") {
      removed(row, `The interview of ${when(row)} was already deleted.`);
      return;
    }
    els.dialogError.textContent = `It could not be deleted. ${err && err.message ? err.message : ""}`.trim();
    els.dialogError.hidden = false;
    els.confirm.disabled = false;
    els.confirm.textContent = "Try again";
  }
}

function removed(row, message) {
  state.deleted.add(row.session_id);
  const index = state.interviews.findIndex((r) => r.session_id === row.session_id);
  const following = state.interviews[index + 1] || state.interviews[index - 1] || null;
  els.dialog.close("deleted");
  render(state.interviews.filter((r) => r.session_id !== row.session_id));
  if (!state.interviews.length) els.emptyText.textContent = "No interviews left. Your next interview starts your history again.";
  setStatus(message);
  const next = following && document.getElementById(`history-item-${following.session_id}`);
  (next || els.title).focus();
}

// ---------------------------------------------------------------------------

function start() {
  if (!build()) return;
  els.toggle.setAttribute("aria-controls", "history");
  els.toggle.setAttribute("aria-expanded", "false");
  els.toggle.addEventListener("click", () => {
    if (state.open) {
      leave();
    } else if (location.hash === HASH) {
      show();
    } else {
      state.pushedHash = true;
      location.hash = HASH; // hashchange shows the view; the browser's Back leaves it
    }
  });
  window.addEventListener("hashchange", onHashChange);
  if (location.hash === HASH) show();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
