// The interview view: the status bar (the connection, the relay's status, the round trip), the question with its
// progress and answer timer, the controls with their keys and the end dialog, and the panel shown at the end.

import { STATES } from "./connection.js";
import { $, setView } from "./dom.js";
import { AnswerTimer } from "./timer.js";

const LINK_NOTES = {
  poor: "Your answer is still being recorded. Live feedback is paused and cues are shortened until the connection improves.",
  lost: "Reconnecting by itself. Your transcript so far is saved, and the interview continues at the current question.",
};
const STATUS_LABELS = {
  asking: "Interviewer is asking",
  listening: "Listening",
  ended: "Interview complete",
};

export class InterviewView {
  // isOpen(): the data channel is open; controls: {next, repeat, end, reconnect}, what the buttons and keys do.
  constructor({ isOpen, controls }) {
    this.isOpen = isOpen;
    this.controls = controls;
    this.els = {
      interview: $("interview"),
      connection: $("connection"),
      connectionLabel: $("connection-label"),
      linkNote: $("link-note"),
      status: $("status"),
      rtt: $("rtt"),
      recordingBadge: $("recording-badge"),
      progress: $("progress"),
      progressBar: $("progress-bar"),
      questionLabel: $("question-label"),
      question: $("question"),
      questionCard: $("question-card"),
      followUp: $("follow-up-prompt"),
      followUpText: $("follow-up-prompt-text"),
      controls: $("controls"),
      next: $("next"),
      repeat: $("repeat"),
      end: $("end"),
      reconnect: $("reconnect"),
      endDialog: $("end-dialog"),
      ended: $("ended"),
    };
    this.timer = new AnswerTimer($("answer-timer"), $("answer-time"), $("answer-timer-label"));
    this.relayStatus = null; // the relay's last interview status ("asking", "listening", "ended")
    this.followUp = null; // the follow-up shown as the current prompt: {question_id, n}
    const { els } = this;
    els.next.addEventListener("click", () => controls.next());
    els.repeat.addEventListener("click", () => controls.repeat());
    els.end.addEventListener("click", () => this.confirmEnd());
    els.endDialog.addEventListener("close", () => this.onEndDialogClose());
    els.reconnect.addEventListener("click", () => controls.reconnect());
    document.addEventListener("keydown", (event) => this.onKeyDown(event));
  }

  get hidden() {
    return this.els.interview.hidden;
  }

  show(recording) {
    this.els.interview.hidden = false;
    this.els.recordingBadge.hidden = !recording;
    setView("interview");
    this.els.questionLabel.focus(); // the start button is gone: keyboard and screen reader users carry on at the question
  }

  hide() {
    this.els.interview.hidden = true;
  }

  reset() {
    const { els } = this;
    this.relayStatus = null;
    this.timer.reset();
    els.question.textContent = "Connecting to your interviewer…";
    els.questionLabel.textContent = "Current question";
    els.progress.textContent = "Question – of –";
    els.progressBar.max = 1;
    els.progressBar.value = 0;
    els.rtt.textContent = "";
    this.clearFollowUp();
    els.status.textContent = "Connecting…";
    els.ended.hidden = true;
    els.controls.hidden = false;
    els.reconnect.hidden = true;
    this.setControls(false);
    delete document.body.dataset.interviewState;
  }

  // The connection's state (connection.js STATES) after a transition from `before`.
  showConnection(state, before) {
    const { els } = this;
    const [shown, label] = STATES[state];
    els.connectionLabel.textContent = label;
    if (els.connection.dataset.state !== shown) {
      els.connection.dataset.state = shown;
      const note = LINK_NOTES[shown] || "";
      els.linkNote.textContent = note;
      els.linkNote.dataset.state = shown;
      els.linkNote.hidden = !note;
    }
    const status = { connecting: "Connecting…", retrying: "Connecting…", lost: "Paused", stopped: "Connection lost" }[state];
    if (status) {
      // Not connected: the controls wait; Reconnect is offered unless this is the first attempt.
      this.setControls(false);
      els.status.textContent = status;
      els.reconnect.hidden = state === "connecting";
      if (state !== "connecting") els.rtt.textContent = "";
    } else if ((state === "good" || state === "poor") && STATES[before][0] === "lost") {
      els.reconnect.hidden = true;
      els.status.textContent = this.relayStatus ? STATUS_LABELS[this.relayStatus] || this.relayStatus : "Connected";
      this.setControls(this.isOpen() && this.relayStatus !== "ended");
    } else if (state === "refused") {
      els.status.textContent = "Disconnected";
      this.setControls(false);
      this.showEnded("Interview unavailable", "This interview can no longer be joined.");
    } else if (state === "ended") {
      this.setControls(false);
      els.status.textContent = "Interview complete";
      els.rtt.textContent = "";
      els.reconnect.hidden = true;
      this.showEnded("Interview complete");
      document.body.dataset.interviewState = "ended";
    }
  }

  // A channel opened: the controls work again (the watchdog's verdict follows).
  opened() {
    this.els.reconnect.hidden = true;
    this.els.status.textContent = "Connected";
    this.setControls(true);
  }

  showRtt(ms) {
    this.els.rtt.textContent = `${ms} ms`;
    this.els.rtt.title = `Round-trip time to the relay: ${ms} ms`;
  }

  // The relay's `state` message.
  relayState(msg) {
    if (typeof msg.status === "string") {
      this.relayStatus = msg.status;
      this.els.status.textContent = STATUS_LABELS[msg.status] || msg.status;
      document.body.dataset.interviewState = msg.status;
    }
    this.updateProgress(msg.question_index, msg.total);
    if (msg.status === "asking") this.timer.pause(); // the interviewer speaks: not the candidate's time
    else if (msg.status === "listening") this.timer.start();
    else if (msg.status === "ended") {
      this.timer.stop();
      this.setControls(false);
      this.clearFollowUp();
    }
  }

  showQuestion(text, index, total) {
    this.els.question.textContent = text || "";
    if (Number.isInteger(index)) {
      this.els.questionLabel.textContent = `Question ${index + 1}`;
      this.updateProgress(index, total);
    }
  }

  // A follow-up to the question being answered is the prompt now, under the question (which stays shown). A re-sent
  // earlier follow-up of the same question does not replace a later one.
  showFollowUp({ question_id: questionId, n, text }) {
    const shown = this.followUp;
    if (shown && shown.question_id === questionId && shown.n > n) return;
    this.followUp = { question_id: questionId, n };
    this.els.followUpText.textContent = text;
    this.els.followUp.hidden = false;
    this.els.questionCard.dataset.followUp = "true";
  }

  // The prompt is the question again: a question is asked (or repeated), or the interview is over.
  clearFollowUp() {
    this.followUp = null;
    this.els.followUpText.textContent = "";
    this.els.followUp.hidden = true;
    delete this.els.questionCard.dataset.followUp;
  }

  updateProgress(index, total) {
    // index >= total means "past the last question" (interview over): keep the last progress shown.
    if (!Number.isInteger(index) || !Number.isInteger(total) || total <= 0 || index < 0 || index >= total) return;
    const shown = index + 1;
    this.els.progress.textContent = `Question ${shown} of ${total}`;
    this.els.progressBar.max = total;
    this.els.progressBar.value = shown;
    this.els.progressBar.dataset.index = String(index);
  }

  // The panel that replaces the controls; text: its message, unless the report's progress sets it (endedMessage).
  showEnded(title, text) {
    this.els.controls.hidden = true;
    this.els.ended.querySelector("h2").textContent = title;
    if (text !== undefined) this.els.ended.querySelector("p").textContent = text;
    this.els.ended.hidden = false;
  }

  endedMessage(text, waiting = false) {
    const p = this.els.ended.querySelector("p");
    p.textContent = text;
    p.classList.toggle("waiting", waiting);
  }

  setControls(on) {
    this.els.next.disabled = !on;
    this.els.repeat.disabled = !on;
    this.els.end.disabled = !on;
  }

  // Ending skips the questions left, so it asks first (the button and the E key alike).
  confirmEnd() {
    const { end, endDialog } = this.els;
    if (end.disabled || endDialog.open) return;
    endDialog.returnValue = "";
    if (typeof endDialog.showModal === "function") endDialog.showModal();
    else if (window.confirm("End the interview now?")) this.controls.end();
  }

  onEndDialogClose() {
    if (this.els.endDialog.returnValue === "end") this.controls.end();
    else if (!this.els.end.disabled) this.els.end.focus();
  }

  closeEndDialog() {
    if (this.els.endDialog.open) this.els.endDialog.close("cancel");
  }

  onKeyDown(event) {
    if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const { els } = this;
    if (els.interview.hidden || els.endDialog.open || isTypingTarget(event.target)) return;
    const key = event.key.toLowerCase();
    if (key === "n" && !els.next.disabled) {
      event.preventDefault();
      this.controls.next();
    } else if (key === "r" && !els.repeat.disabled) {
      event.preventDefault();
      this.controls.repeat();
    } else if (key === "e" && !els.end.disabled) {
      event.preventDefault();
      this.confirmEnd();
    }
  }
}

function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  return target.matches("input, textarea, select");
}
