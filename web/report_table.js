// A report's question-by-question table, drawn by the live report (report.js) and by an old report in History
// (history.js, compact): a row per question on wide screens, a labelled block per question on phones (style.css).

import { DIMENSIONS, DIMENSION_LABELS } from "./constants.js";
import { fmt, make, shorten, toScore } from "./dom.js";

const SCORE_COLUMNS = [
  { label: "Overall", value: (q) => fmt(toScore(q.overall)) },
  ...DIMENSIONS.map((d) => ({ label: DIMENSION_LABELS[d], value: (q) => fmt(toScore(q.scores && q.scores[d] && q.scores[d].score)) })),
];
const SPEECH_COLUMNS = [
  { label: "Pace (wpm)", value: (q) => fmt(q.pace_wpm) },
  { label: "Fillers per min", value: (q) => fmt(q.fillers_per_min, 1) },
];

// table: a <table class="report-table">; one without a <thead> gets its caption and head here (the live report's
// are in index.html). compact: the scores only, each question in full, the weakest answer not marked.
export function renderQuestionTable(table, report, { compact = false } = {}) {
  const columns = compact ? SCORE_COLUMNS : [...SCORE_COLUMNS, ...SPEECH_COLUMNS];
  if (!table.tHead) {
    const caption = compact ? "Scores out of 100 for each question" : "Scores out of 100 for each question, with speaking pace and fillers per minute";
    table.append(make("caption", "visually-hidden", caption), tableHead(columns));
  }
  const body = table.tBodies[0] || table.appendChild(make("tbody"));
  const questions = (Array.isArray(report.questions) ? report.questions : []).filter((q) => q && typeof q === "object");
  questions.sort((a, b) => Number(a.question_index) - Number(b.question_index));
  const rows = questions.map((q, i) => questionRow(q, i, report, columns, compact));
  if (rows.length === 0) {
    const tr = make("tr");
    const td = make("td", "muted", "No answered questions to score.");
    td.colSpan = 2 + columns.length;
    tr.append(td);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

function tableHead(columns) {
  const row = make("tr");
  const number = make("th");
  number.append(make("span", null, "#"), make("span", "visually-hidden", "Number"));
  number.firstChild.setAttribute("aria-hidden", "true");
  const cells = [number, make("th", null, "Question"), ...columns.map((column) => make("th", "num", column.label))];
  for (const th of cells) th.scope = "col";
  row.append(...cells);
  const head = make("thead");
  head.append(row);
  return head;
}

function questionRow(q, i, report, columns, compact) {
  const tr = make("tr");
  const number = Number.isInteger(q.question_index) ? q.question_index + 1 : i + 1;
  const th = make("th", compact ? null : "num", String(number));
  th.scope = "row";
  const text = typeof q.question_text === "string" ? q.question_text : "";
  const td = make("td", "q-text");
  if (compact) {
    td.textContent = text;
  } else {
    if (typeof q.question_id === "string") tr.dataset.questionId = q.question_id;
    const weakest = q.question_id && q.question_id === report.weakest_question_id;
    if (weakest) tr.classList.add("weakest");
    if (text) td.title = text;
    td.append(make("span", null, shorten(text, 70) || `Question ${number}`));
    if (weakest) td.append(" ", make("span", "tag", "Weakest"));
  }
  const cells = columns.map((column, k) => {
    const cell = make("td", k === 0 ? "num overall-cell" : "num", column.value(q));
    cell.dataset.label = column.label; // shown above the figure when the table is stacked on a phone
    return cell;
  });
  tr.append(th, td, ...cells);
  return tr;
}
