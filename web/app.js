// Rehearse: browser client for live AI mock interviews. This module wires the page's parts together and runs an
// interview from start (or resume) to report: setup.js (the setup view), connection.js (the connection to the relay,
// a state machine; peer.js its WebRTC, link.js its watchdog), interview.js (the interview view), transcript.js,
// cues.js, feedback.js (scores, summaries and the report over pub/sub; report.js draws the report), diagnostics.js,
// session.js (what a reload resumes) and questions.js; theme.js runs in <head>, history.js beside this module.
// Contract with the server: docs/protocol.md (HTTP API + WebRTC data channel "rehearse", version 1).

import { api } from "./api.js";
import { STATES, Connection, retryDelay } from "./connection.js";
import { Cues } from "./cues.js";
import { Diagnostics } from "./diagnostics.js";
import { $, clearError, errorMessage, sentence, setView, showError } from "./dom.js";
import { Feedback } from "./feedback.js";
import { InterviewView } from "./interview.js";
import { nowMs, rehearse } from "./metrics.js";
import { getMicrophone } from "./mic.js";
import { Questions } from "./questions.js";
import { Replay } from "./replay.js";
import { clearSession, createdSession, loadSession, rememberSession, saveSession, savedSession } from "./session.js";
import { Setup } from "./setup.js";
import { Transcript, followUpOf } from "./transcript.js";

let session = null; // the interview this page takes part in (session.js), null on the setup view

const setup = new Setup();
const questions = new Questions();
const connection = new Connection({
  audio: $("interviewer-audio"),
  session: () => session,
  hooks: {
    onChange: onConnectionChange,
    onOpen: onConnectionOpen,
    onMessage,
    onRtt: (ms) => view.showRtt(ms),
    onSessionEnded: (err) => {
      showError(errorMessage(err, "This interview has already ended."));
      onEnded();
    },
    onError: crashed,
  },
});
const view = new InterviewView({
  isOpen: () => connection.isOpen,
  controls: {
    next: () => connection.isOpen && connection.send({ type: "next" }),
    repeat: () => connection.isOpen && connection.send({ type: "repeat" }),
    end: () => connection.isOpen && connection.send({ type: "end" }),
    reconnect: runAsync(() => {
      clearError();
      return connection.reconnect();
    }),
  },
});
const transcript = new Transcript({
  root: $("transcript"),
  title: $("transcript-title"),
  questions,
  headingScore: (questionId) => feedback.headingScore(questionId),
  onProgress: (afterSeq, live) => {
    if (!session) return;
    session.last_seq = afterSeq;
    if (live) saveSession(session);
  },
});
const replay = new Replay({ panel: $("replay"), note: $("replay-note"), audio: $("replay-audio"), transcript: $("transcript") });
const cues = new Cues({
  el: $("cue"),
  questions,
  isClosed: (questionId) => transcript.isClosed(questionId),
  degraded: () => connection.shown === "poor" || connection.shown === "lost",
});
const feedback = new Feedback({
  questions,
  transcript,
  replay,
  reportEl: $("report"),
  session: () => session,
  live: () => !view.hidden,
  finished: () => connection.finished,
  tell: (text, waiting) => view.endedMessage(text, waiting),
  onError: crashed,
});
const diagnostics = new Diagnostics({ session: () => session, connection });

// ---------------------------------------------------------------------------
// Starting, resuming and leaving an interview

async function startInterview(event) {
  event.preventDefault();
  if (setup.busy) return;
  const started = await setup.begin();
  if (!started) return;
  enterInterview(started.stream, createdSession(started.created), started.created.questions);
  saveSession(session);
  feedback.start();
  await connection.connect();
}

// Shared by a new interview and a resumed one: take the microphone stream and show the interview view.
function enterInterview(stream, info, list) {
  connection.useMicrophone(stream);
  resetInterview();
  session = { ...info, last_seq: 0 };
  rehearse.sessionId = session.session_id;
  questions.load(list);
  setup.hide();
  view.show(session.record_audio);
  setup.setBusy(false);
}

function resetInterview() {
  feedback.reset();
  cues.hide(false);
  questions.clear();
  diagnostics.reset();
  connection.reset();
  transcript.clear();
  replay.reset();
  view.reset();
}

// automatic: the page was reloaded mid-interview; it resumes by itself and keeps trying while the server is away.
async function resumeInterview({ automatic = false } = {}) {
  if (setup.busy || (automatic && session)) return;
  clearError();
  const saved = loadSession();
  if (!saved) {
    setup.resumable = false;
    if (!automatic) showError("There is no interview to resume. Start a new one.");
    return;
  }

  setup.setBusy(true);
  let data;
  try {
    data = await api(`/api/sessions/${encodeURIComponent(saved.session_id)}`, { token: saved.token });
  } catch (err) {
    if (automatic && (err.status === 0 || err.status >= 500)) {
      showError("Could not reach the server to resume your interview. Trying again…");
      setup.setBusy(false);
      setTimeout(() => runAsync(resumeInterview)({ automatic: true }), retryDelay(0));
      return;
    }
    if (err.status === 401 || err.status === 404) {
      clearSession();
      setup.resumable = false;
      showError(`${sentence(errorMessage(err, "The interview can't be resumed."))} Start a new interview instead.`);
    } else {
      showError(errorMessage(err, "The interview could not be loaded."));
    }
    setup.setBusy(false);
    return;
  }

  const ended = data.status === "ended";
  let stream = null;
  if (!ended) {
    try {
      stream = await getMicrophone();
    } catch (err) {
      setup.showMicProblem(err);
      setup.setBusy(false);
      return;
    }
  }

  enterInterview(stream, savedSession(saved, data), data.questions);
  const segments = Array.isArray(data.transcript) ? data.transcript.slice() : [];
  segments.sort((a, b) => Number(a && a.seq) - Number(b && b.seq));
  for (const seg of segments) {
    if (seg && typeof seg === "object") transcript.final(seg, false);
  }
  const followUps = Array.isArray(data.follow_ups) ? data.follow_ups : [];
  for (const item of followUps) transcript.followUp(item); // each among its question's lines, by after_seq

  if (ended) {
    feedback.apply(data.feedback);
    onEnded(); // waits for the report over pub/sub unless it was in the feedback
    return;
  }
  saveSession(session);

  const index = Number.isInteger(data.current_question) ? data.current_question : null;
  if (index !== null) {
    // Answers to earlier questions are closed already.
    for (const item of questions.values()) {
      if (Number.isInteger(item.index) && item.index < index && transcript.hasGroup(item.id)) transcript.answerEnd({ question_id: item.id });
    }
  }
  const q = index === null ? null : questions.at(index);
  if (q) {
    questions.currentId = q.id;
    view.showQuestion(q.text, q.index, questions.size);
    // A follow-up asked of the current question is its prompt now (the relay re-sends it after hello too).
    for (const item of followUps.map(followUpOf)) {
      if (item && item.question_id === q.id) view.showFollowUp(item);
    }
  }
  feedback.apply(data.feedback);
  feedback.start();
  await connection.resume({ automatic });
}

function onEnded() {
  diagnostics.ended(); // while the connection's figures are at hand
  connection.end();
  clearSession();
  setView("report");
  transcript.dropStalePartials(); // every answer's finals came before "ended": a partial left now is speech after the end
  view.timer.stop();
  view.clearFollowUp();
  view.closeEndDialog();
  cues.hide(false);
  feedback.afterInterview();
}

function newInterview() {
  connection.close();
  diagnostics.reset();
  feedback.stop();
  cues.hide(false);
  clearSession();
  session = null;
  clearError();
  replay.reset();
  setup.restart();
  view.hide();
  setup.show(loadSession() !== null);
  window.scrollTo(0, 0);
  setup.focus();
}

// ---------------------------------------------------------------------------
// The connection and its messages

function onConnectionChange(state, before, detail) {
  view.showConnection(state, before);
  const shown = STATES[state][0];
  if (shown !== STATES[before][0] && ["good", "poor", "lost"].includes(shown)) diagnostics.schedule("state_change");
  if (state === "lost" || state === "retrying") {
    feedback.suspend();
  } else if (state === "good" || state === "poor") {
    connection.send({ type: "link", state, ...connection.figures });
    if (state === "poor") {
      feedback.suspend(); // feedback waits; it is caught up over HTTP when the link is good again
      cues.shorten();
    } else {
      feedback.resume();
    }
  } else if (state === "stopped") {
    showError(detail.message);
  } else if (state === "refused") {
    feedback.stop();
    cues.hide(false);
    clearSession();
    showError(detail.message);
  }
}

function onConnectionOpen({ resumed, reopened }) {
  clearError();
  if (reopened) transcript.dropStalePartials();
  view.opened();
  connection.send({ type: "hello", after_seq: transcript.afterSeq });
  if (resumed) diagnostics.schedule("resume");
}

function onMessage(msg) {
  switch (msg.type) {
    case "state":
      view.relayState(msg);
      break;
    case "question":
      rehearse.metrics.questions.push({ question_id: msg.question_id, at: nowMs() });
      onQuestion(msg);
      break;
    case "follow_up": // the interviewer probes the answer to the current question; its answer belongs to that question
      onFollowUp(msg);
      break;
    case "interrupted": // the interviewer stopped to listen; the `state` that follows says "Listening"
      rehearse.metrics.interruptions.push({ question_id: msg.question_id, at: nowMs() });
      break;
    case "transcript":
      if (msg.final === true) transcript.final(msg, true);
      else transcript.partial(msg);
      break;
    case "answer_end": {
      rehearse.metrics.answerEnds.push({ question_id: msg.question_id, reason: msg.reason, at: nowMs() });
      const closed = transcript.answerEnd(msg);
      if (closed !== null && closed === questions.currentId) view.timer.stop();
      break;
    }
    case "cue":
      cues.show(msg);
      break;
    case "ended":
      onEnded();
      break;
    case "error":
      showError(msg.message || `The interviewer reported an error${msg.code ? ` (${msg.code})` : ""}.`);
      break;
    case "limit": // a quota stopped the audio; the transcript stays, and `answer_end` or `ended` follows
      showError(msg.message || "This interview reached a limit on how much audio it may stream.");
      break;
    default:
      break; // unknown types are ignored
  }
}

function onFollowUp(msg) {
  const shown = transcript.followUp(msg); // null: shown before (re-sent after a reconnect) or not a follow-up
  if (shown) rehearse.metrics.followUps.push({ question_id: shown.question_id, n: shown.n, text: shown.text, at: Date.now() });
  const item = shown || followUpOf(msg);
  if (item && (questions.currentId === null || item.question_id === questions.currentId)) view.showFollowUp(item);
}

function onQuestion(msg) {
  if (typeof msg.question_id === "string") {
    // The question (again, after repeat or a reconnect) is the prompt; the relay re-sends the current question's
    // follow-ups after it when resuming, which makes the latest the prompt again.
    view.clearFollowUp();
    cues.questionAsked(msg.question_id);
    if (msg.question_id !== questions.currentId) view.timer.reset(); // each question has its own answer time
    questions.asked(msg);
    transcript.refreshHeading(msg.question_id);
  }
  const total = Number.isInteger(msg.total) ? msg.total : questions.size;
  view.showQuestion(typeof msg.text === "string" ? msg.text : "", msg.index, total);
}

// ---------------------------------------------------------------------------
// Wiring

function crashed(err) {
  showError(`Something went wrong: ${errorMessage(err, "unknown error")}`);
  setup.setBusy(false);
}

function runAsync(fn) {
  return (event) => {
    Promise.resolve(fn(event)).catch(crashed);
  };
}

// The History view asks to open a finished interview: show it here, as the full report with its transcript and the
// replay of recorded answers. While an interview is live the History view shows a compact report itself.
document.addEventListener("rehearse:open-report", (event) => {
  const detail = event.detail || {};
  if (setup.busy || (session && !connection.finished)) return;
  if (typeof detail.session_id !== "string" || typeof detail.token !== "string") return;
  event.preventDefault();
  rememberSession(detail);
  runAsync(() => resumeInterview())();
});

setup.listen({ onStart: startInterview, onResume: resumeInterview, run: runAsync });
$("new-interview").addEventListener("click", newInterview);
window.addEventListener("pagehide", () => {
  diagnostics.pagehide();
  connection.pagehide();
  feedback.suspend();
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted && session && !connection.finished && !view.hidden) connection.restore();
  if (event.persisted) feedback.resume();
});

setup.resumable = loadSession() !== null;
setup.onSourceChange(); // the browser may have restored the form of an earlier visit
setup.updateJobCount();
setup.loadRoles();
if (setup.resumable) runAsync(resumeInterview)({ automatic: true }); // a reload mid-interview carries on by itself
