// What the page records for the benchmarks about each live final (web/metrics.js): the phrase's last partial as the
// candidate read it, which bench/run.py scores against the final (partial_word_accuracy). Run: node --test tests/web/.

import assert from "node:assert/strict";
import { test } from "node:test";

import { install } from "./fake_dom.mjs";

install();
const { Transcript } = await import("../../web/transcript.js");
const { Questions } = await import("../../web/questions.js");
const { rehearse } = await import("../../web/metrics.js");

function transcript() {
  const questions = new Questions();
  questions.load([{ id: "q1", index: 0, text: "Tell me about a time you improved performance." }]);
  questions.currentId = "q1";
  const root = document.createElement("div");
  const title = document.createElement("h2");
  document.body.append(root, title);
  const t = new Transcript({ root, title, questions, headingScore: () => undefined, onProgress: () => {} });
  t.clear();
  return t;
}

const frame = () => new Promise((resolve) => setTimeout(resolve, 5));

test("each live final records the last partial the candidate read before it, or null when none was shown", async () => {
  rehearse.metrics.finals.length = 0;
  const t = transcript();
  t.partial({ question_id: "q1", phrase_id: 1, text: "we measured" });
  t.partial({ question_id: "q1", phrase_id: 1, text: "we measured latency at every" });
  t.final({ seq: 1, question_id: "q1", phrase_id: 1, segment_id: "s1", text: "We measured latency at every step." }, true);
  t.final({ seq: 2, question_id: "q1", phrase_id: 2, segment_id: "s2", text: "I added an index." }, true);
  t.final({ seq: 3, question_id: "q1", phrase_id: 3, segment_id: "s3", text: "Replayed." }, false); // a replay: not live
  await frame();
  assert.deepEqual(
    rehearse.metrics.finals.map((f) => [f.seq, f.text, f.partial_text]),
    [
      [1, "We measured latency at every step.", "we measured latency at every"],
      [2, "I added an index.", null],
    ],
  );
});

test("a partial that corrects words already shown counts no new words for the latency figures; one reaching further does", async () => {
  rehearse.metrics.partialWords.length = 0;
  const t = transcript();
  const w = (word, start, end) => ({ w: word, start, end, conf: 1, heard_ms: 1000 * end });
  const said = (...words) => ({ question_id: "q1", phrase_id: 7, text: words.map((x) => x.w).join(" "), words });
  t.partial(said(w("we", 0.0, 0.1), w("measured", 0.1, 0.2), w("late", 0.2, 0.3), w("and", 0.3, 0.32), w("see", 0.32, 0.4)));
  // a read of the same audio: its last word ends later than pocketsphinx's did, but it is no new word
  t.partial(said(w("We", 0.0, 0.1), w("measured", 0.1, 0.2), w("latency", 0.21, 0.47)));
  t.partial(said(w("We", 0.0, 0.1), w("measured", 0.1, 0.2), w("latency", 0.21, 0.47), w("at", 0.46, 0.55), w("every", 0.55, 0.6)));
  await frame();
  assert.deepEqual(rehearse.metrics.partialWords.map((m) => m.w), ["we", "measured", "late", "and", "see", "at", "every"]);
});
