// Instant cues (the data channel's `cue`): one at a time above the question, for 6 s, then faded out. A poor or
// lost link shows each as a short label (the relay sends the same labels: SHORT_CUES in rehearse/link_quality.py).

import { make } from "./dom.js";
import { nowMs, rehearse } from "./metrics.js";

const VISIBLE_MS = 6000;
const FADE_MS = 600;
const SHORT_CUES = {
  wrap_up: "Wrap up",
  slow_down: "Slow down",
  fewer_fillers: "Fewer fillers",
  take_a_moment: "Take a moment",
  add_result: "Add a result",
};

export class Cues {
  // questions: Questions; isClosed(questionId): its answer is closed; degraded(): the link is poor or lost.
  constructor({ el, questions, isClosed, degraded }) {
    Object.assign(this, { el, questions, isClosed, degraded });
    this.timer = null;
    this.fadeTimer = null;
    this.questionId = null; // question the visible cue belongs to, or null when none is shown
  }

  show(msg) {
    const text = typeof msg.text === "string" ? msg.text.trim() : "";
    if (!text) return;
    const current = this.questions.currentId;
    const questionId = msg.question_id != null ? String(msg.question_id) : current;
    // A cue for an answer that is already closed (and not the current one) is stale.
    if (questionId != null && questionId !== current && this.isClosed(questionId)) return;

    this.clearTimers();
    const kind = typeof msg.kind === "string" ? msg.kind : "";
    const pill = make("span", "cue-pill", this.text(kind, text));
    pill.dataset.full = text;
    this.el.classList.remove("fading");
    this.el.dataset.kind = kind;
    this.el.replaceChildren(pill); // a newer cue replaces the older one
    this.questionId = questionId == null ? "" : questionId;
    this.timer = setTimeout(() => this.hide(true), VISIBLE_MS);

    requestAnimationFrame(() => {
      rehearse.metrics.cues.push({ kind, text, rendered_ms: nowMs() });
    });
  }

  // The link became poor: the visible cue becomes its short label.
  shorten() {
    const pill = this.el.querySelector(".cue-pill");
    if (pill) pill.textContent = this.text(this.el.dataset.kind || "", pill.dataset.full || pill.textContent);
  }

  // A question is asked: a cue belongs to one answer.
  questionAsked(questionId) {
    if (questionId !== this.questions.currentId || (this.questionId !== null && this.questionId !== questionId)) this.hide(true);
  }

  hide(fade) {
    if (this.questionId === null && !this.el.firstChild) return;
    this.clearTimers();
    this.questionId = null;
    if (!fade || !this.el.firstChild) {
      this.empty();
      return;
    }
    this.el.classList.add("fading");
    this.fadeTimer = setTimeout(() => {
      this.fadeTimer = null;
      this.empty();
    }, FADE_MS);
  }

  empty() {
    this.el.classList.remove("fading");
    this.el.replaceChildren();
    delete this.el.dataset.kind;
  }

  text(kind, text) {
    return this.degraded() && SHORT_CUES[kind] ? SHORT_CUES[kind] : text;
  }

  clearTimers() {
    clearTimeout(this.timer);
    clearTimeout(this.fadeTimer);
    this.timer = null;
    this.fadeTimer = null;
  }
}
