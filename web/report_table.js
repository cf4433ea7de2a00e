// A report's question-by-question table, drawn by the live report (report.js) and by an old report in History
// (history.js, compact): a row per question on wide screens, a labelled block per question on phones (style.css).
// A question the interviewer followed up has a second row under its own (tr.follow-ups-row): each follow-up asked
// and what its answer revealed.

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
  const rows = questions.flatMap((q, i) => {
    const row = questionRow(q, i, report, columns, compact);
    const more = followUpsRow(q, row, columns);
    return more ? [row, more] : [row];
  });
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

// A question's follow_ups ({n, text, targets, revealed}, from the report or a summary), checked and in order.
export function followUpNotes(notes) {
  if (!Array.isArray(notes)) return [];
  const items = notes
    .filter((note) => note && typeof note === "object" && typeof note.text === "string" && note.text.trim())
    .map((note) => ({
      n: Number.isInteger(note.n) ? note.n : 0,
      text: note.text.trim(),
      targets: typeof note.targets === "string" ? note.targets : "",
      revealed: typeof note.revealed === "string" ? note.revealed.trim() : "",
    }));
  return items.sort((a, b) => a.n - b.n);
}

// One follow-up: the question asked, then (if known) what its answer revealed.
export function followUpItem(note, { tag = false } = {}) {
  const li = make("li", "follow-up-note");
  if (tag) li.append(make("span", "follow-up-tag", "Follow-up"), make("span", "visually-hidden", ": "));
  li.append(make("span", "follow-up-asked", note.text));
  if (note.revealed) {
    const revealed = make("span", "follow-up-revealed");
    revealed.append(make("span", "follow-up-revealed-label", "What it revealed: "), note.revealed);
    li.append(revealed);
  }
  return li;
}

// The row under a question's row that lists its follow-ups, or null when it had none.
function followUpsRow(q, questionTr, columns) {
  const notes = followUpNotes(q.follow_ups);
  if (notes.length === 0) return null;
  questionTr.classList.add("has-follow-ups");
  const tr = make("tr", "follow-ups-row");
  if (questionTr.dataset.questionId) tr.dataset.questionId = questionTr.dataset.questionId;
  const list = make("ul", "report-follow-ups");
  list.append(...notes.map((note) => followUpItem(note, { tag: true })));
  const td = make("td", "follow-ups-cell");
  td.colSpan = 1 + columns.length; // under the question and its figures; the number column stays empty
  td.append(list);
  tr.append(make("td", "follow-ups-pad"), td);
  return tr;
}
