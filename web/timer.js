// The answer timer: mm:ss of listening for the current question. It pauses while the interviewer asks (a repeated
// question included) and starts again from zero for the next question.

import { clock, spokenDuration } from "./dom.js";

const LABELS = { waiting: "Waiting", running: "Your answer", paused: "Paused", done: "Answer time" };

export class AnswerTimer {
  constructor(root, value, label) {
    Object.assign(this, { root, value, label });
    this.elapsedMs = 0; // listening time before the current run
    this.runningSince = null; // performance.now() when the current run started
    this.ticker = null;
    this.shown = -1;
    this.render("waiting");
  }

  get seconds() {
    const running = this.runningSince === null ? 0 : performance.now() - this.runningSince;
    return Math.floor((this.elapsedMs + running) / 1000);
  }

  reset() {
    this.halt();
    this.elapsedMs = 0;
    this.shown = -1;
    this.render("waiting");
  }

  start() {
    if (this.runningSince !== null) return;
    this.runningSince = performance.now();
    this.ticker = setInterval(() => this.render("running"), 250);
    this.render("running");
  }

  // The interviewer is asking (again): the time spent listening so far is kept.
  pause() {
    if (this.runningSince === null) return;
    this.halt();
    this.render("paused");
  }

  // The answer is closed (or the interview ended).
  stop() {
    this.halt();
    this.render("done");
  }

  halt() {
    if (this.runningSince !== null) this.elapsedMs += performance.now() - this.runningSince;
    this.runningSince = null;
    clearInterval(this.ticker);
    this.ticker = null;
  }

  render(state) {
    const seconds = this.seconds;
    this.root.dataset.state = state;
    this.label.textContent = LABELS[state];
    if (seconds === this.shown) return;
    this.shown = seconds;
    this.root.dataset.seconds = String(seconds);
    this.value.textContent = clock(seconds);
    this.value.setAttribute("datetime", `PT${seconds}S`);
    this.root.setAttribute("aria-label", `Answer time ${spokenDuration(seconds)}`);
  }
}
