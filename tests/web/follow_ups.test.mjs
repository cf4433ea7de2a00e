// The page's follow-up questions (issue 13): where the transcript shows them among the finals, that each is shown
// once, and the report table's rows for them. Run: node --test tests/web/ (tests/web/test_node.py runs it in pytest).

import assert from "node:assert/strict";
import { test } from "node:test";

import { install } from "./fake_dom.mjs";

install();
const { Transcript, followUpOf } = await import("../../web/transcript.js");
const { Questions } = await import("../../web/questions.js");
const { renderQuestionTable, followUpNotes } = await import("../../web/report_table.js");

function transcript() {
  const questions = new Questions();
  questions.load([
    { id: "q1", index: 0, text: "Tell me about a time you improved performance." },
    { id: "q2", index: 1, text: "Tell me about a conflict." },
  ]);
  questions.currentId = "q1";
  const root = document.createElement("div");
  const title = document.createElement("h2");
  document.body.append(root, title);
  const t = new Transcript({ root, title, questions, headingScore: () => undefined, onProgress: () => {} });
  t.clear();
  return t;
}

const seg = (seq, questionId = "q1", text = `line ${seq}`) => ({ seq, question_id: questionId, phrase_id: seq, segment_id: `s${seq}`, text });
const fu = (n, afterSeq, questionId = "q1", text = `follow-up ${n}?`) => ({ v: 1, type: "follow_up", question_id: questionId, index: 0, n, text, after_seq: afterSeq });

// What a question's group shows, in order: "3" for the final numbered 3, "F1" for follow-up 1, "end" for "Answer
// recorded", "summary", "partial".
function shown(t, questionId = "q1") {
  const group = t.root.querySelector(`.q-group[data-question-id="${questionId}"]`);
  if (!group) return [];
  return group.children
    .filter((el) => !el.classList.contains("q-heading") && !el.classList.contains("q-text-full"))
    .map((el) => {
      if (el.classList.contains("follow-up")) return `F${el.dataset.n}`;
      if (el.classList.contains("final")) return el.dataset.seq;
      if (el.classList.contains("partial")) return "partial";
      if (el.classList.contains("answer-end")) return "end";
      return el.className;
    });
}

test("a live follow-up goes after the finals before it and before the answer to it", () => {
  const t = transcript();
  t.final(seg(1), true);
  t.final(seg(2), true);
  assert.deepEqual(t.followUp(fu(1, 2)), { question_id: "q1", n: 1, text: "follow-up 1?", after_seq: 2 });
  t.partial({ question_id: "q1", phrase_id: 3, text: "I measured" }); // the answer to the follow-up begins
  t.final(seg(3), true);
  t.final(seg(4), true);
  assert.deepEqual(shown(t), ["1", "2", "F1", "3", "4"]);
});

test("a follow-up is marked, worded as the interviewer's, and has an accessible label", () => {
  const t = transcript();
  t.final(seg(1), true);
  t.followUp(fu(1, 1, "q1", "What did you measure before you changed anything?"));
  const el = t.root.querySelector(".follow-up");
  assert.equal(el.querySelector(".follow-up-tag").textContent, "Follow-up");
  assert.equal(el.querySelector(".follow-up-text").textContent, "What did you measure before you changed anything?");
  assert.equal(el.textContent, "Follow-up question from the interviewer: What did you measure before you changed anything?");
  assert.equal(el.querySelector(".visually-hidden").textContent, " question from the interviewer: ");
  assert.equal(el.classList.contains("line"), false, "not one of the candidate's lines");
});

test("a follow-up sent again (after a reconnect) or restored and then sent is shown once", () => {
  const t = transcript();
  t.final(seg(1), false);
  assert.ok(t.followUp({ question_id: "q1", n: 1, text: "What changed?", targets: "result", after_seq: 1 })); // session view
  assert.equal(t.followUp(fu(1, 1, "q1", "What changed?")), null); // re-sent after hello
  assert.equal(t.followUp(fu(1, 1, "q1", "Reworded, but the same follow-up")), null);
  assert.equal(t.root.querySelectorAll(".follow-up").length, 1);
  assert.equal(t.root.querySelector(".follow-up-text").textContent, "What changed?");
});

test("restoring a session (finals, then the session view's follow_ups) puts each follow-up in its place", () => {
  const t = transcript();
  for (const seq of [1, 2, 3, 4, 5]) t.final(seg(seq), false);
  t.followUp({ question_id: "q1", n: 2, text: "And then?", targets: "depth", after_seq: 4 });
  t.followUp({ question_id: "q1", n: 1, text: "What changed?", targets: "result", after_seq: 2 });
  assert.deepEqual(shown(t), ["1", "2", "F1", "3", "4", "F2", "5"]);
});

test("finals replayed after a follow-up (a reconnect) are put in order around it", () => {
  const t = transcript();
  t.final(seg(1), true);
  t.followUp(fu(1, 3)); // finals 2 and 3 were missed while the link was down
  t.final(seg(4), true);
  t.final(seg(2), true); // replayed after hello
  t.final(seg(3), true);
  assert.deepEqual(shown(t), ["1", "2", "3", "F1", "4"]);
});

test("follow-ups after the same final are in the order asked, whichever arrives first", () => {
  const t = transcript();
  t.final(seg(1), false);
  t.followUp(fu(2, 1));
  t.followUp(fu(1, 1));
  assert.deepEqual(shown(t), ["1", "F1", "F2"]);
});

test("a follow-up asked before any final goes first in its group", () => {
  const t = transcript();
  t.followUp(fu(1, 0));
  t.final(seg(1), true);
  assert.deepEqual(shown(t), ["F1", "1"]);
});

test("a follow-up belongs to its own question's group, before the answer's closing note and summary", () => {
  const t = transcript();
  t.final(seg(1, "q1"), true);
  t.final(seg(2, "q2"), true);
  t.answerEnd({ question_id: "q2" });
  t.followUp(fu(1, 2, "q2"));
  t.followUp(fu(1, 1, "q1"));
  assert.deepEqual(shown(t, "q1"), ["1", "F1"]);
  assert.deepEqual(shown(t, "q2"), ["2", "F1", "end"]);
});

test("the answer's final adopts its partial after the follow-up and stays there", () => {
  const t = transcript();
  t.final(seg(1), true);
  t.partial({ question_id: "q1", phrase_id: 2, text: "we shipped it" });
  t.final(seg(2), true);
  t.followUp(fu(1, 2));
  t.partial({ question_id: "q1", phrase_id: 3, text: "latency went" });
  assert.deepEqual(shown(t), ["1", "2", "F1", "partial"]);
  t.final(seg(3, "q1", "latency went down by a third"), true);
  assert.deepEqual(shown(t), ["1", "2", "F1", "3"]);
});

test("a final that arrives late for a turn already followed up goes after the follow-up (after_seq says so)", () => {
  const t = transcript();
  t.final(seg(1), true);
  t.partial({ question_id: "q1", phrase_id: 2, text: "and the" }); // its final is numbered after the follow-up
  t.followUp(fu(1, 1));
  assert.deepEqual(shown(t), ["1", "partial", "F1"]);
  t.final(seg(2), true);
  assert.deepEqual(shown(t), ["1", "F1", "2"]);
});

test("messages that are not follow-ups are ignored", () => {
  const t = transcript();
  for (const bad of [null, {}, { question_id: "q1", text: "x" }, { question_id: "q1", n: 0, text: "x" }, { question_id: "q1", n: 1, text: "  " }, { question_id: 5, n: 1, text: "x" }]) {
    assert.equal(t.followUp(bad), null);
  }
  assert.equal(t.root.querySelectorAll(".follow-up").length, 0);
  assert.deepEqual(followUpOf({ question_id: "q1", n: 1, text: " Why? ", after_seq: -3 }), { question_id: "q1", n: 1, text: "Why?", after_seq: 0 });
});

test("clearing the transcript forgets its follow-ups", () => {
  const t = transcript();
  t.followUp(fu(1, 0));
  t.clear();
  assert.ok(t.followUp(fu(1, 0)));
  assert.equal(t.root.querySelectorAll(".follow-up").length, 1);
});

// -- the report's question table --------------------------------------------------------------------------------------

const scores = { content: { score: 60 }, structure: { score: 70 }, clarity: { score: 80 }, confidence: { score: 50 } };
const report = {
  weakest_question_id: "q2",
  questions: [
    { question_id: "q2", question_index: 1, question_text: "Tell me about a conflict.", overall: 55, scores, pace_wpm: 140, fillers_per_min: 2, follow_ups: [] },
    {
      question_id: "q1", question_index: 0, question_text: "Tell me about a time you improved performance.", overall: 70, scores, pace_wpm: 150, fillers_per_min: 1,
      follow_ups: [
        { n: 2, text: "How did you know it worked?", targets: "specifics", revealed: "Added nothing new" },
        { n: 1, text: "What did you measure before you changed anything?", targets: "result", revealed: 'Named the result after the prompt: "p95 fell by a third"' },
      ],
    },
  ],
};

function table() {
  const el = document.createElement("table");
  document.body.append(el);
  return el;
}

test("the report table shows a question's follow-ups and what they revealed in a row under it", () => {
  const el = table();
  renderQuestionTable(el, report);
  const rows = el.tBodies[0].children;
  assert.deepEqual(rows.map((tr) => tr.className), ["has-follow-ups", "follow-ups-row", "weakest"]);
  assert.equal(rows[0].dataset.questionId, "q1");
  assert.equal(rows[1].dataset.questionId, "q1");
  const cells = rows[1].children;
  assert.equal(cells.length, 2);
  assert.equal(cells[1].colSpan, 1 + 4 + 1 + 2, "under the question and every figure");
  const items = rows[1].querySelectorAll("li");
  assert.deepEqual(items.map((li) => li.querySelector(".follow-up-asked").textContent), [
    "What did you measure before you changed anything?",
    "How did you know it worked?",
  ]);
  assert.equal(items[0].querySelector(".follow-up-tag").textContent, "Follow-up");
  assert.equal(items[0].querySelector(".follow-up-revealed").textContent, 'What it revealed: Named the result after the prompt: "p95 fell by a third"');
  assert.equal(el.querySelectorAll("tr.follow-ups-row").length, 1, "no row for a question without follow-ups");
});

test("History's compact table shows them too, spanning its fewer columns", () => {
  const el = table();
  renderQuestionTable(el, report, { compact: true });
  const row = el.querySelector("tr.follow-ups-row");
  assert.ok(row);
  assert.equal(row.children[1].colSpan, 1 + 4 + 1);
});

test("a report without follow_ups (older ones) draws as before", () => {
  const el = table();
  const old = { questions: report.questions.map(({ follow_ups: _, ...q }) => q) };
  renderQuestionTable(el, old);
  assert.equal(el.tBodies[0].children.length, 2);
  assert.equal(el.querySelectorAll(".follow-ups-row").length, 0);
});

test("follow-up notes are checked and put in order", () => {
  assert.deepEqual(followUpNotes(null), []);
  assert.deepEqual(
    followUpNotes([{ n: 2, text: "B?" }, null, { n: 1, text: " A? ", targets: "result", revealed: " more " }, { n: 3, text: "" }]),
    [
      { n: 1, text: "A?", targets: "result", revealed: "more" },
      { n: 2, text: "B?", targets: "", revealed: "" },
    ],
  );
});
