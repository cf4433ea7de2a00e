// The live transcript: a group per question ("Question N", its lines, "Answer recorded", then its summary), partial
// lines that grow as the candidate speaks and the final that replaces each. A final is shown once: finals are kept
// by their sequence number, whichever way they arrive (live, replayed after a reconnect, or from the stored session).
// The interviewer's follow-up questions sit among their question's lines, after the final numbered their after_seq
// and before the next one; each is shown once, keyed by (question_id, n), however often it arrives.

import { make, scoreBadge } from "./dom.js";
import { nowMs, rehearse } from "./metrics.js";

// Partial lines are found again by phrase: "<question_id>|<phrase_id>".
function phraseKey(questionId, phraseId) {
  return `${questionId == null ? "" : questionId}|${phraseId}`;
}

// The phrase key a line was made for (createLine writes both data attributes).
function keyOfLine(el) {
  return phraseKey(el.dataset.questionId ?? null, el.dataset.phraseId);
}

// The children of a group kept in order: finals by seq, a follow-up just after the final numbered its after_seq
// (follow-ups after the same final by n). Partial lines and the group's tail are not ordered.
// A word that begins up to a frame before the words shown so far end is a new word (recognizers' boundaries differ
// by a frame), not a correction.
const NEW_WORD_SLACK_S = 0.02;
const ORDERED = ":scope > .line.final[data-seq], :scope > .follow-up";

export function orderKey(el) {
  if (el.classList.contains("follow-up")) return [Number(el.dataset.afterSeq), 1, Number(el.dataset.n)];
  return [Number(el.dataset.seq), 0, 0];
}

export function compareKeys(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

// A follow-up message (data channel) or an entry of the session's follow_ups, checked: {question_id, n, text,
// after_seq} or null.
export function followUpOf(msg) {
  if (!msg || typeof msg !== "object") return null;
  const { question_id: questionId, n, text } = msg;
  if (typeof questionId !== "string" || !questionId || !Number.isInteger(n) || n < 1) return null;
  if (typeof text !== "string" || !text.trim()) return null;
  const afterSeq = Number.isInteger(msg.after_seq) && msg.after_seq > 0 ? msg.after_seq : 0;
  return { question_id: questionId, n, text: text.trim(), after_seq: afterSeq };
}

export class Transcript {
  // questions: Questions; headingScore(questionId): the score to show beside a question's heading, or undefined;
  // onProgress(afterSeq, live): every final up to afterSeq is shown (live: it arrived over the data channel).
  constructor({ root, title, questions, headingScore, onProgress }) {
    Object.assign(this, { root, title, questions, headingScore, onProgress });
    this.reset();
  }

  reset() {
    this.finals = new Map(); // seq -> the final's line: the one record of which finals are shown
    this.afterSeq = 0; // every final up to this seq is shown: the "after_seq" of hello
    this.phrases = new Map(); // phrase key -> {el, words}: the line of a phrase and the partial words counted
    this.groups = new Map(); // question_id ("" if unknown) -> <section>
    this.closed = new Set(); // question ids with an "Answer recorded" note
    this.followUps = new Map(); // "<question_id>|<n>" -> the follow-up's element: the one record of which are shown
  }

  // Empties the transcript for a new interview.
  clear() {
    this.reset();
    this.root.replaceChildren();
    this.root.setAttribute("aria-live", "polite");
    this.title.textContent = "Transcript";
  }

  isClosed(questionId) {
    return this.closed.has(questionId);
  }

  partial(msg) {
    const questionId = msg.question_id != null ? msg.question_id : this.questions.currentId;
    const key = phraseKey(questionId, msg.phrase_id);
    const phrase = this.phrases.get(key);
    if (phrase && phrase.el.classList.contains("final")) return; // a late partial must never replace the final text

    const words = Array.isArray(msg.words) ? msg.words : [];
    const text =
      typeof msg.text === "string"
        ? msg.text
        : words.map((word) => (word && typeof word.w === "string" ? word.w : "")).join(" ").trim();

    const stick = this.nearBottom();
    let el = phrase && phrase.el;
    if (!el) {
      if (!text) return;
      el = this.createLine(key, msg.phrase_id, questionId, "line partial");
      // Screen readers hear the final, a second later: partials would be read out word by word.
      el.setAttribute("aria-hidden", "true");
    }
    el.textContent = text;
    if (stick) this.toBottom();

    // For the latency figures, the new words: those that begin where the words shown for the phrase so far end, or
    // later (a partial that corrects words already shown for the same audio brings none); by position when the
    // words carry no times.
    const entry = this.phrases.get(key);
    const timed = words.length > 0 && words.every((word) => word && typeof word.start === "number" && typeof word.end === "number");
    const fresh = timed ? words.filter((word) => word.start >= entry.reached - NEW_WORD_SLACK_S) : words.slice(entry.words);
    entry.words = Math.max(entry.words, words.length);
    if (timed) entry.reached = Math.max(entry.reached, ...words.map((word) => word.end));
    if (fresh.length > 0) {
      const phraseId = msg.phrase_id;
      requestAnimationFrame(() => {
        const rendered = nowMs();
        for (const word of fresh) {
          rehearse.metrics.partialWords.push({
            phrase_id: phraseId,
            w: word ? word.w : undefined,
            heard_ms: word ? word.heard_ms : undefined,
            rendered_ms: rendered,
          });
        }
      });
    }
  }

  // A final segment (from the data channel when live, or from GET /api/sessions/{id}). Returns true if it was
  // shown, false if it was shown before.
  final(seg, live) {
    const seq = Number(seg.seq);
    if (!Number.isInteger(seq) || seq < 1 || this.finals.has(seq)) return false;

    const questionId = seg.question_id != null ? seg.question_id : this.questions.currentId;
    const key = phraseKey(questionId, seg.phrase_id);
    const stick = this.nearBottom();

    let el = this.phrases.has(key) ? this.phrases.get(key).el : null;
    if (!el && seg.phrase_id != null) {
      // A partial filed under another key (e.g. it arrived without question_id): adopt it. Its old key keeps
      // pointing at it, so that a late partial under that key finds the final too.
      const selector = `.line.partial[data-phrase-id="${CSS.escape(String(seg.phrase_id))}"]`;
      el = this.root.querySelector(selector);
      if (el) this.phrases.set(key, this.phrases.get(keyOfLine(el)) || { el, words: 0, reached: -Infinity });
    }
    if (!el) el = this.createLine(key, seg.phrase_id, questionId, "line final");

    // What the candidate read until now: the phrase's last partial, which the final replaces (benchmarks compare them).
    const partialText = el.classList.contains("partial") ? el.textContent : null;
    el.className = "line final";
    el.removeAttribute("aria-hidden");
    el.textContent = typeof seg.text === "string" ? seg.text : "";
    el.dataset.seq = String(seq);
    if (seg.segment_id != null) el.dataset.segmentId = String(seg.segment_id);
    this.finals.set(seq, el);
    this.place(el); // among follow-ups and finals that arrived out of order (a replay after a reconnect)
    while (this.finals.has(this.afterSeq + 1)) this.afterSeq++;
    this.onProgress(this.afterSeq, live);
    if (stick) this.toBottom();

    if (live) {
      const entry = {
        seq,
        phrase_id: seg.phrase_id,
        question_id: seg.question_id,
        text: el.textContent,
        partial_text: partialText,
        heard_ms: seg.heard_ms,
      };
      requestAnimationFrame(() => {
        entry.rendered_ms = nowMs();
        rehearse.metrics.finals.push(entry);
      });
    }
    return true;
  }

  // The interviewer's follow-up to a question (a `follow_up` message, or an entry of the session view's follow_ups):
  // in the question's group after the final numbered after_seq. Returns the follow-up ({question_id, n, text,
  // after_seq}) if it was shown now, null if it was shown before or is not a follow-up.
  followUp(msg) {
    const item = followUpOf(msg);
    if (!item) return null;
    const key = `${item.question_id}|${item.n}`;
    if (this.followUps.has(key)) return null;

    const el = make("div", "follow-up");
    el.dataset.questionId = item.question_id;
    el.dataset.n = String(item.n);
    el.dataset.afterSeq = String(item.after_seq);
    // Read as "Follow-up question from the interviewer: <text>"; seen as the tag above the interviewer's words.
    const tag = make("span", "follow-up-tag", "Follow-up");
    const text = make("span", "follow-up-text", item.text);
    el.append(tag, make("span", "visually-hidden", " question from the interviewer: "), text);

    const stick = this.nearBottom();
    const group = this.group(item.question_id);
    const order = orderKey(el);
    const before = [...group.querySelectorAll(ORDERED)].find((other) => compareKeys(orderKey(other), order) > 0);
    if (before) group.insertBefore(el, before);
    else this.append(group, el);
    this.followUps.set(key, el);
    if (stick) this.toBottom();
    return item;
  }

  // Moves a final or follow-up that is out of order among its group's ordered children to its place.
  place(el) {
    const group = el.parentElement;
    if (!group) return;
    const key = orderKey(el);
    const ordered = [...group.querySelectorAll(ORDERED)];
    const at = ordered.indexOf(el);
    if (at < 0) return;
    const prev = ordered[at - 1];
    const next = ordered[at + 1];
    if ((!prev || compareKeys(orderKey(prev), key) <= 0) && (!next || compareKeys(orderKey(next), key) >= 0)) return;
    const before = ordered.find((other) => other !== el && compareKeys(orderKey(other), key) > 0);
    if (before) group.insertBefore(el, before);
    else this.append(group, el);
  }

  // "Answer recorded" under a question's lines. Returns the question's id ("" if unknown) the first time, else null.
  answerEnd(msg) {
    const questionId = msg.question_id != null ? msg.question_id : this.questions.currentId;
    const id = questionId == null ? "" : String(questionId);
    if (this.closed.has(id)) return null;
    this.closed.add(id);
    const stick = this.nearBottom();
    this.append(this.group(questionId), make("p", "answer-end", "Answer recorded"));
    if (stick) this.toBottom();
    return id;
  }

  // Partial lines of an earlier connection: their finals are replayed after hello, or were never made.
  dropStalePartials() {
    for (const el of this.root.querySelectorAll(".line.partial")) {
      this.phrases.delete(keyOfLine(el));
      el.remove();
    }
  }

  // A question's group, made (in question order) the first time.
  group(questionId) {
    const id = questionId == null ? "" : String(questionId);
    let group = this.groups.get(id);
    if (group) return group;
    group = make("section", "q-group");
    if (id) group.dataset.questionId = id;
    group.append(make("h3", "q-heading"), make("p", "q-text-full")); // the question, shown in the report's transcript
    // Keep groups in question order (feedback can create a group for an earlier question late).
    const index = this.questions.indexOf(id);
    let before = null;
    if (index !== null) {
      for (const other of this.root.children) {
        const otherIndex = this.questions.indexOf(other.dataset.questionId);
        if (otherIndex !== null && otherIndex > index) {
          before = other;
          break;
        }
      }
    }
    this.root.insertBefore(group, before);
    this.groups.set(id, group);
    this.renderHeading(group, id);
    return group;
  }

  hasGroup(questionId) {
    return this.groups.has(questionId == null ? "" : String(questionId));
  }

  refreshHeading(questionId) {
    const id = questionId == null ? "" : String(questionId);
    const group = this.groups.get(id);
    if (group) this.renderHeading(group, id);
  }

  // Feedback changes a question's group (edit(group)), keeping the view at the bottom if it was there.
  editGroup(questionId, edit) {
    const stick = this.nearBottom();
    edit(this.group(questionId));
    this.refreshHeading(questionId);
    if (stick) this.toBottom();
  }

  // After the interview the transcript is the report's: its lines are rewritten as buttons, not news for a screen
  // reader, so the live region stops announcing.
  becomeReport(recorded) {
    this.root.setAttribute("aria-live", "off");
    this.title.textContent = recorded ? "Transcript and recordings" : "Transcript";
  }

  // The group heading: "Question N", plus the answer's score badge until its summary arrives.
  renderHeading(group, id) {
    const heading = group.querySelector(".q-heading");
    if (!heading) return;
    const parts = [make("span", "q-title", this.questions.heading(id || null))];
    const score = id ? this.headingScore(id) : undefined;
    if (score !== undefined) parts.push(scoreBadge(score, "Score for this answer"));
    heading.replaceChildren(...parts);
    const q = id ? this.questions.get(id) : null;
    if (q && q.text) heading.title = q.text;
    const text = group.querySelector(":scope > .q-text-full");
    if (text) text.textContent = q && q.text ? q.text : "";
  }

  createLine(key, phraseId, questionId, cls) {
    const el = make("p", cls);
    el.dataset.phraseId = String(phraseId);
    if (questionId != null) el.dataset.questionId = String(questionId);
    this.append(this.group(questionId), el);
    this.phrases.set(key, { el, words: 0, reached: -Infinity });
    return el;
  }

  // Keeps the "Answer recorded" note and the summary last in their group.
  append(group, el) {
    const tail = group.querySelector(":scope > .answer-end, :scope > .summary");
    if (tail && el !== tail) group.insertBefore(el, tail);
    else group.append(el);
  }

  nearBottom() {
    return this.root.scrollHeight - this.root.scrollTop - this.root.clientHeight < 48;
  }

  toBottom() {
    this.root.scrollTop = this.root.scrollHeight;
  }
}
