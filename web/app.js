// Rehearse: browser client for live AI mock interviews. This module runs the page: setup, the interview (WebRTC, the
// data channel, the link watchdog, the transcript, cues) and the feedback as it arrives. Its helpers are modules of
// their own: api.js (HTTP, stored candidate), mic.js (microphone and its check), timer.js (answer timer), pubsub.js
// (feedback events), report.js (the report and its charts), replay.js (recorded answers); theme.js runs in <head>.
// Contract with the server: docs/protocol.md (HTTP API + WebRTC data channel "rehearse", version 1).

import { ApiError, api, createSession } from "./api.js";
import { $, errorMessage, parseObject, sentence, toScore } from "./dom.js";
import { MicCheck, MicError, getMicrophone, micHelp } from "./mic.js";
import { FeedbackSocket } from "./pubsub.js";
import { Replay } from "./replay.js";
import { renderReport, resetReport as clearReport, setExport } from "./report.js";
import { AnswerTimer } from "./timer.js";

const PROTOCOL_VERSION = 1;
const STORAGE_KEY = "rehearse.session";
const ICE_GATHER_TIMEOUT_MS = 3000;
const CHANNEL_OPEN_TIMEOUT_MS = 10000; // an answered offer whose channel is not open by then: try a fresh connection
const MAX_QUESTIONS = 10;
const CUE_VISIBLE_MS = 6000;
const CUE_FADE_MS = 600;
const REPORT_SLOW_MS = 90000;
const JOB_DESCRIPTION_MAX = 20000;

// Link watchdog. The rules and their reasons are in rehearse/link_quality.py, which the relay runs; these are the
// same numbers (tests/test_link_quality.py compares them), so both ends call a link poor or lost alike.
const LINK_THRESHOLDS = Object.freeze({
  lostAfterMs: 4000, // nothing heard (media packets or messages) for this long
  poorRttMs: 400,
  poorPingLoss: 0.3,
  poorPacketLoss: 0.05,
  poorJitterMs: 50,
  poorAvailableKbps: 50,
  enterPoorReadings: 2, // poor readings in a row before good becomes poor
  leavePoorReadings: 3, // good readings in a row before poor becomes good
  settleReadings: 3, // readings after lost that cannot make the link poor (they describe the silence)
  pingIntervalMs: 5000,
  pingTimeoutMs: 3000,
  pingWindow: 6,
  rttSamples: 3,
});
const LINK_POLL_MS = 1000; // getStats() and one reading a second
const REPLACE_AFTER_SILENT_MS = 15000; // shorter blackouts recover on the same peer connection
const RETRY_MS = 1000; // a failed offer is tried again after 1-1.5 s ...
const RETRY_JITTER_MS = 500;
const SLOW_RETRY_MS = 5000; // ... and every 5 s after this many failures in a row
const SLOW_RETRY_AFTER = 40;
const PROBE_TIMEOUT_MS = 1500; // a health probe that fails faster than this was refused: the relay is gone
const PROBE_GRACE_MS = 2000; // the relay answers HTTP again, our connection still hears nothing: it restarted
const FLAP_LIMIT = 3; // connections in a row closed within FLAP_WINDOW_MS of opening: stop reconnecting by itself
const FLAP_WINDOW_MS = 10000;
const DIAGNOSTICS_FIRST_MS = 1500; // the first stats poll is in by then
const DIAGNOSTICS_MIN_GAP_MS = 10000; // uploads for state changes at most this often
// A poor link shows cues as a short label (the relay sends the same labels: SHORT_CUES in rehearse/link_quality.py).
const SHORT_CUES = {
  wrap_up: "Wrap up",
  slow_down: "Slow down",
  fewer_fillers: "Fewer fillers",
  take_a_moment: "Take a moment",
  add_result: "Add a result",
};

// Latency instrumentation: benchmarks and tests read this object; keep its shape.
// metrics.connectionStates: {state, at (Date.now())} on every change of #connection's data-state;
// metrics.resumes: connections re-established by the page itself (after a loss, or after a reload).
const rehearse = {
  pc: null,
  channel: null,
  sessionId: null,
  link: { state: null, figures: {} },
  metrics: {
    partialWords: [],
    finals: [],
    messages: 0,
    cues: [],
    pubsubEvents: 0,
    connectionStates: [],
    resumes: 0,
    diagnosticsUploads: 0,
  },
};
window.rehearse = rehearse;

// ---------------------------------------------------------------------------
// Elements

const els = {
  error: $("error"),
  setup: $("setup"),
  setupForm: $("setup-form"),
  sources: document.querySelectorAll('input[name="source"]'),
  roleField: $("role-field"),
  role: $("role"),
  roleHint: $("role-hint"),
  jobField: $("job-field"),
  job: $("job-description"),
  jobCount: $("job-count"),
  count: $("question-count"),
  countHint: $("question-count-hint"),
  recordAudio: $("record-audio"),
  micCheck: $("mic-check"),
  micTest: $("mic-test"),
  micLevel: $("mic-level"),
  micStatus: $("mic-status"),
  micHelp: $("mic-help"),
  micPlayback: $("mic-playback"),
  micPlaybackRow: $("mic-playback-row"),
  start: $("start"),
  resume: $("resume"),
  interview: $("interview"),
  progressBar: $("progress-bar"),
  timer: $("answer-timer"),
  endDialog: $("end-dialog"),
  recordingBadge: $("recording-badge"),
  transcriptTitle: $("transcript-title"),
  connection: $("connection"),
  connectionLabel: $("connection-label"),
  linkNote: $("link-note"),
  status: $("status"),
  progress: $("progress"),
  rtt: $("rtt"),
  questionLabel: $("question-label"),
  cue: $("cue"),
  question: $("question"),
  controls: $("controls"),
  next: $("next"),
  repeat: $("repeat"),
  end: $("end"),
  reconnect: $("reconnect"),
  ended: $("ended"),
  newInterview: $("new-interview"),
  transcript: $("transcript"),
  audio: $("interviewer-audio"),
  report: $("report"),
};

const micCheck = new MicCheck({
  meter: els.micLevel,
  status: els.micStatus,
  testButton: els.micTest,
  playback: els.micPlayback,
  playbackRow: els.micPlaybackRow,
});
const answerTimer = new AnswerTimer(els.timer, $("answer-time"), $("answer-timer-label"));
const replay = new Replay({ panel: $("replay"), note: $("replay-note"), audio: $("replay-audio"), transcript: els.transcript });

// ---------------------------------------------------------------------------
// State

let roles = [];
let session = null; // {session_id, token, last_seq, offer_url, negotiate_url}
let localStream = null;
let connectAttempt = 0; // increases per connection attempt; stale callbacks compare against it
let channelOpenTimer = null;
let finished = false;
let busy = false;

let questions = new Map(); // question_id -> {id, index, text}
let currentQuestionId = null;
let contiguousSeq = 0; // every final up to this seq is rendered: the "after_seq" of hello
let seenSeqs = new Set(); // seqs of finals rendered (a replay after a reconnect must not show one twice)
let seenSegments = new Set(); // segment ids of finals rendered
let lastStatus = null; // the relay's last interview status ("asking", "listening", "ended")
let lines = new Map(); // phrase key -> <p> element
const lineKeys = new WeakMap(); // <p> element -> phrase key
let finalizedKeys = new Set(); // phrase keys whose final has been rendered
let wordsShown = new Map(); // phrase key -> number of partial words already shown
let groups = new Map(); // question_id ("" if unknown) -> <section>
let answerEnded = new Set(); // question ids with an "Answer recorded" note

// Feedback (pub/sub events, or GET /api/sessions/{id} "feedback"); every event may arrive more than once.
let scoresByQuestion = new Map(); // question_id -> overall score (0-100) from answer.scored
let summaryKeys = new Map(); // question_id -> JSON of the summary rendered (skips exact duplicates)
let reportKey = null; // id of the report rendered
let reportShown = false;
let reportSlowTimer = null;
let replayLoaded = false; // the recordings of this interview were fetched for the report's transcript

// ---------------------------------------------------------------------------
// Small helpers

function showError(message) {
  els.error.textContent = message;
  els.error.hidden = false;
}

function clearError() {
  els.error.textContent = "";
  els.error.hidden = true;
}

function loadSession() {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const data = JSON.parse(raw);
    if (!data || typeof data.session_id !== "string" || typeof data.token !== "string") return null;
    data.last_seq = Number.isInteger(data.last_seq) ? data.last_seq : 0;
    return data;
  } catch {
    return null;
  }
}

function saveSession() {
  if (!session) return;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Storage may be unavailable (private mode, quota); resuming just won't be offered.
  }
}

function clearSession() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // ignore
  }
}

function defaultOfferUrl(sessionId) {
  return `/api/sessions/${encodeURIComponent(sessionId)}/offer`;
}

function defaultNegotiateUrl(sessionId) {
  return `/api/sessions/${encodeURIComponent(sessionId)}/negotiate`;
}

function stopStream(stream) {
  if (!stream) return;
  for (const track of stream.getTracks()) track.stop();
}

function setBusy(on, label) {
  busy = on;
  els.start.disabled = on || roles.length === 0;
  els.resume.disabled = on;
  els.start.textContent = on && label ? label : "Start interview";
  els.setup.setAttribute("aria-busy", on ? "true" : "false");
}

// ---------------------------------------------------------------------------
// Setup view

async function loadRoles() {
  try {
    const data = await api("/api/roles");
    roles = Array.isArray(data.roles) ? data.roles.filter((r) => r && typeof r.id === "string") : [];
  } catch (err) {
    roles = [];
    els.role.replaceChildren(new Option("Roles unavailable", ""));
    showError(`Could not load interview roles: ${errorMessage(err, "unknown error")}`);
    setBusy(busy);
    return;
  }
  if (roles.length === 0) {
    els.role.replaceChildren(new Option("No roles available", ""));
    showError("No interview roles are available right now. Please try again later.");
    setBusy(busy);
    return;
  }
  els.role.replaceChildren(...roles.map((r) => new Option(r.title || r.id, r.id)));
  els.role.disabled = false;
  onRoleChange();
  setBusy(busy);
}

// "role": questions from a role's bank; "job": questions chosen for a pasted job description.
function questionSource() {
  const checked = [...els.sources].find((input) => input.checked);
  return checked ? checked.value : "role";
}

function onSourceChange() {
  const job = questionSource() === "job";
  els.roleField.hidden = job;
  els.jobField.hidden = !job;
  updateCountLimit();
}

function selectedRole() {
  return roles.find((r) => r.id === els.role.value) || null;
}

function onRoleChange() {
  const role = selectedRole();
  els.roleHint.textContent = role && role.description ? role.description : "Questions from this role's bank, in order.";
  updateCountLimit();
}

function maxQuestions() {
  if (questionSource() === "job") return MAX_QUESTIONS; // chosen from the whole bank
  const role = selectedRole();
  const bank = role && Number.isInteger(role.question_count) && role.question_count > 0 ? role.question_count : MAX_QUESTIONS;
  return Math.min(MAX_QUESTIONS, bank);
}

function updateCountLimit() {
  const max = maxQuestions();
  els.count.max = String(max);
  const value = Number.parseInt(els.count.value, 10);
  if (Number.isInteger(value) && value > max) els.count.value = String(max);
  els.countHint.textContent = max === 1 ? "This role has 1 question." : `Between 1 and ${max}.`;
}

function updateJobCount() {
  const length = els.job.value.trim().length;
  els.jobCount.textContent = `${length.toLocaleString("en")} of ${JOB_DESCRIPTION_MAX.toLocaleString("en")} characters`;
  els.jobCount.dataset.over = length > JOB_DESCRIPTION_MAX ? "true" : "false";
}

// What POST /api/sessions gets, or null after telling the candidate what to fix.
function setupRequest() {
  const max = maxQuestions();
  const count = Number(els.count.value);
  const body = { question_count: count, record_audio: els.recordAudio.checked };
  if (questionSource() === "job") {
    const text = els.job.value.trim();
    if (!text || text.length > JOB_DESCRIPTION_MAX) {
      showError(text ? "The job description is too long: keep it under 20,000 characters." : "Paste a job description, or choose a role instead.");
      els.job.focus();
      return null;
    }
    body.job_description = text;
  } else {
    if (!els.role.value) {
      showError("Choose a role for your interview.");
      els.role.focus();
      return null;
    }
    body.role = els.role.value;
  }
  if (!Number.isInteger(count) || count < 1 || count > max) {
    showError(`Choose between 1 and ${max} questions.`);
    els.count.focus();
    return null;
  }
  return body;
}

// Shows what to do about a microphone that could not be opened, next to the microphone check.
function showMicProblem(err) {
  els.micHelp.replaceChildren(micHelp(err));
  els.micHelp.dataset.kind = err instanceof MicError ? err.kind : "other";
  els.micHelp.hidden = false;
  els.micHelp.scrollIntoView({ block: "nearest" });
}

function clearMicProblem() {
  els.micHelp.hidden = true;
  els.micHelp.replaceChildren();
  delete els.micHelp.dataset.kind;
}

async function checkMicrophone() {
  clearMicProblem();
  if (micCheck.active) {
    micCheck.stop();
    els.micCheck.textContent = "Check microphone";
    els.micStatus.textContent = "Microphone check stopped.";
    return;
  }
  els.micCheck.disabled = true;
  try {
    await micCheck.start();
    els.micCheck.textContent = "Stop check";
  } catch (err) {
    els.micStatus.textContent = "";
    showMicProblem(err);
  } finally {
    els.micCheck.disabled = false;
  }
}

function stopMicCheck() {
  if (micCheck.active) micCheck.stop();
  els.micCheck.textContent = "Check microphone";
}

async function startInterview(event) {
  event.preventDefault();
  if (busy) return;
  clearError();
  clearMicProblem();
  const request = setupRequest();
  if (!request) return;

  stopMicCheck(); // the interview opens the microphone itself
  setBusy(true, "Requesting microphone…");
  let stream;
  try {
    stream = await getMicrophone();
  } catch (err) {
    showMicProblem(err);
    setBusy(false);
    return;
  }

  setBusy(true, request.job_description ? "Choosing questions…" : "Starting…");
  let created;
  try {
    created = await createSession(request);
  } catch (err) {
    stopStream(stream);
    showError(errorMessage(err, "The interview could not be created."));
    setBusy(false);
    return;
  }

  enterInterview(stream, {
    session_id: created.session_id,
    token: created.token,
    record_audio: created.record_audio === true,
    offer_url: (created.relay && created.relay.offer_url) || defaultOfferUrl(created.session_id),
    ice_servers: (created.relay && Array.isArray(created.relay.ice_servers) && created.relay.ice_servers) || [],
    ice_transport_policy: (created.relay && created.relay.ice_transport_policy) === "relay" ? "relay" : "all",
    negotiate_url:
      (created.pubsub && typeof created.pubsub.negotiate_url === "string" && created.pubsub.negotiate_url) ||
      defaultNegotiateUrl(created.session_id),
  }, created.questions);
  saveSession();
  pubsub.start();
  await connect();
}

// Shared by a new interview and a resumed one: take the microphone stream and show the interview view.
function enterInterview(stream, info, questions) {
  stopStream(localStream);
  localStream = stream;
  resetInterview();
  session = { ...info, last_seq: 0 };
  rehearse.sessionId = session.session_id;
  setQuestions(questions);
  showInterviewView();
  setBusy(false);
}

// automatic: the page was reloaded mid-interview; it resumes by itself and keeps trying while the server is away.
async function resumeInterview({ automatic = false } = {}) {
  if (busy || (automatic && session)) return;
  clearError();
  const saved = loadSession();
  if (!saved) {
    els.resume.hidden = true;
    if (!automatic) showError("There is no interview to resume. Start a new one.");
    return;
  }

  setBusy(true);
  let data;
  try {
    data = await api(`/api/sessions/${encodeURIComponent(saved.session_id)}`, { token: saved.token });
  } catch (err) {
    if (automatic && (err.status === 0 || err.status >= 500)) {
      showError("Could not reach the server to resume your interview. Trying again…");
      setBusy(false);
      setTimeout(() => runAsync(resumeInterview)({ automatic: true }), retryDelay(0));
      return;
    }
    if (err.status === 401 || err.status === 404) {
      clearSession();
      els.resume.hidden = true;
      showError(`${sentence(errorMessage(err, "The interview can't be resumed."))} Start a new interview instead.`);
    } else {
      showError(errorMessage(err, "The interview could not be loaded."));
    }
    setBusy(false);
    return;
  }

  const ended = data.status === "ended";
  let stream = null;
  if (!ended) {
    try {
      stream = await getMicrophone();
    } catch (err) {
      showMicProblem(err);
      setBusy(false);
      return;
    }
  }

  enterInterview(stream, {
    session_id: saved.session_id,
    token: saved.token,
    record_audio: data.record_audio === true,
    offer_url: saved.offer_url || defaultOfferUrl(saved.session_id),
    ice_servers: Array.isArray(saved.ice_servers) ? saved.ice_servers : [],
    ice_transport_policy: saved.ice_transport_policy === "relay" ? "relay" : "all",
    negotiate_url: saved.negotiate_url || defaultNegotiateUrl(saved.session_id),
  }, data.questions);

  const segments = Array.isArray(data.transcript) ? data.transcript.slice() : [];
  segments.sort((a, b) => Number(a && a.seq) - Number(b && b.seq));
  for (const seg of segments) {
    if (seg && typeof seg === "object") renderFinal(seg, false);
  }
  session.last_seq = contiguousSeq;

  if (ended) {
    applyFeedback(data.feedback);
    onEnded(); // waits for the report over pub/sub unless it was in the feedback
    return;
  }
  saveSession();

  const index = Number.isInteger(data.current_question) ? data.current_question : null;
  if (index !== null) {
    // Answers to earlier questions are closed already.
    for (const item of questions.values()) {
      if (Number.isInteger(item.index) && item.index < index && groups.has(item.id)) renderAnswerEnd({ question_id: item.id });
    }
  }
  const q = index === null ? null : [...questions.values()].find((item) => item.index === index);
  if (q) {
    currentQuestionId = q.id;
    showQuestion(q.text, q.index, questions.size);
  }
  applyFeedback(data.feedback);
  pubsub.start();
  link.resumeFromStorage = automatic;
  await connect({ automatic });
}

// ---------------------------------------------------------------------------
// Interview view

// body[data-view]: "setup", "interview" (live) or "report" (after the interview: the report and its transcript).
const VIEW_TITLES = { setup: "Rehearse: live AI mock interviews", interview: "Interview in progress · Rehearse", report: "Your interview report · Rehearse" };

function setView(view) {
  document.body.dataset.view = view;
  document.title = VIEW_TITLES[view];
}

function showInterviewView() {
  stopMicCheck();
  els.setup.hidden = true;
  els.resume.hidden = true;
  els.interview.hidden = false;
  els.recordingBadge.hidden = !(session && session.record_audio);
  setView("interview");
  els.questionLabel.focus(); // the start button is gone: keyboard and screen reader users carry on at the question
}

function showSetupView() {
  els.interview.hidden = true;
  els.setup.hidden = false;
  els.resume.hidden = loadSession() === null;
  setView("setup");
  setBusy(false);
}

function resetInterview() {
  pubsub.stop();
  hideCue(false);
  resetReport();
  finished = false;
  questions = new Map();
  currentQuestionId = null;
  contiguousSeq = 0;
  seenSeqs = new Set();
  seenSegments = new Set();
  lastStatus = null;
  resetLink();
  lines = new Map();
  finalizedKeys = new Set();
  wordsShown = new Map();
  groups = new Map();
  answerEnded = new Set();
  els.transcript.replaceChildren();
  els.transcript.setAttribute("aria-live", "polite");
  els.transcriptTitle.textContent = "Transcript";
  replay.reset();
  answerTimer.reset();
  els.question.textContent = "Connecting to your interviewer…";
  els.questionLabel.textContent = "Current question";
  els.progress.textContent = "Question – of –";
  els.progressBar.max = 1;
  els.progressBar.value = 0;
  els.rtt.textContent = "";
  els.status.textContent = "Connecting…";
  els.ended.hidden = true;
  els.controls.hidden = false;
  els.reconnect.hidden = true;
  setConnection("idle");
  setControlsEnabled(false);
  delete document.body.dataset.interviewState;
}

function setQuestions(list) {
  if (!Array.isArray(list)) return;
  for (const q of list) {
    if (q && typeof q.id === "string") {
      questions.set(q.id, { id: q.id, index: Number.isInteger(q.index) ? q.index : null, text: q.text || "" });
    }
  }
}

// #connection's data-state: idle, connecting, good, poor, lost, ended (fault tests and metrics rely on these).
const CONNECTION_LABELS = {
  idle: "Not connected",
  connecting: "Connecting…",
  good: "Connection good",
  poor: "Poor connection",
  lost: "Connection lost — reconnecting…",
  ended: "Finished",
};
const LINK_NOTES = {
  poor: "Your answer is still being recorded. Live feedback is paused and cues are shortened until the connection improves.",
  lost: "Reconnecting by itself. Your transcript so far is saved, and the interview continues at the current question.",
};

function setConnection(state, label) {
  els.connectionLabel.textContent = label || CONNECTION_LABELS[state] || state;
  if (els.connection.dataset.state === state) return;
  els.connection.dataset.state = state;
  rehearse.link.state = state;
  rehearse.metrics.connectionStates.push({ state, at: Date.now() });
  const note = LINK_NOTES[state] || "";
  els.linkNote.textContent = note;
  els.linkNote.dataset.state = state;
  els.linkNote.hidden = !note;
  if (state === "good" || state === "poor" || state === "lost") scheduleDiagnostics("state_change");
}

function connectionState() {
  return els.connection.dataset.state;
}

function setControlsEnabled(on) {
  els.next.disabled = !on;
  els.repeat.disabled = !on;
  els.end.disabled = !on;
}

function isConnected() {
  return !!rehearse.channel && rehearse.channel.readyState === "open" && !finished;
}

function updateProgress(index, total) {
  // index >= total means "past the last question" (interview over): keep the last progress shown.
  if (!Number.isInteger(index) || !Number.isInteger(total) || total <= 0 || index < 0 || index >= total) return;
  const shown = index + 1;
  els.progress.textContent = `Question ${shown} of ${total}`;
  els.progressBar.max = total;
  els.progressBar.value = shown;
  els.progressBar.dataset.index = String(index);
}

function showQuestion(text, index, total) {
  els.question.textContent = text || "";
  if (Number.isInteger(index)) {
    els.questionLabel.textContent = `Question ${index + 1}`;
    updateProgress(index, total);
  }
}

// --- transcript ------------------------------------------------------------

function phraseKey(questionId, phraseId) {
  return `${questionId == null ? "" : questionId}|${phraseId}`;
}

function headingFor(questionId) {
  const q = questionId == null ? null : questions.get(questionId);
  if (q && Number.isInteger(q.index)) return `Question ${q.index + 1}`;
  return "Answer";
}

function questionIndexOf(questionId) {
  const q = questionId == null ? null : questions.get(String(questionId));
  return q && Number.isInteger(q.index) ? q.index : null;
}

function groupFor(questionId) {
  const id = questionId == null ? "" : String(questionId);
  let group = groups.get(id);
  if (!group) {
    group = document.createElement("section");
    group.className = "q-group";
    if (id) group.dataset.questionId = id;
    const heading = document.createElement("h3");
    heading.className = "q-heading";
    const text = document.createElement("p");
    text.className = "q-text-full"; // the question, shown in the report's transcript
    group.append(heading, text);
    // Keep groups in question order (feedback can create a group for an earlier question late).
    const index = questionIndexOf(id);
    let before = null;
    if (index !== null) {
      for (const other of els.transcript.children) {
        const otherIndex = questionIndexOf(other.dataset.questionId);
        if (otherIndex !== null && otherIndex > index) {
          before = other;
          break;
        }
      }
    }
    els.transcript.insertBefore(group, before);
    groups.set(id, group);
    renderGroupHeading(group, id);
  }
  return group;
}

// The group heading: "Question N", plus the answer's score badge until its summary arrives.
function renderGroupHeading(group, id) {
  const heading = group.querySelector(".q-heading");
  if (!heading) return;
  const title = document.createElement("span");
  title.className = "q-title";
  title.textContent = headingFor(id || null);
  const parts = [title];
  const score = id ? scoresByQuestion.get(id) : undefined;
  if (score !== undefined && !summaryKeys.has(id)) parts.push(scoreBadge(score, "Score for this answer"));
  heading.replaceChildren(...parts);
  const q = id ? questions.get(id) : null;
  if (q && q.text) heading.title = q.text;
  const text = group.querySelector(":scope > .q-text-full");
  if (text) text.textContent = q && q.text ? q.text : "";
}

function refreshGroupHeading(questionId) {
  const id = questionId == null ? "" : String(questionId);
  const group = groups.get(id);
  if (group) renderGroupHeading(group, id);
}

function appendToGroup(group, el) {
  // Keep the "Answer recorded" note and the summary last in their group.
  const tail = group.querySelector(":scope > .answer-end, :scope > .summary");
  if (tail && el !== tail) group.insertBefore(el, tail);
  else group.append(el);
}

function isNearBottom() {
  const t = els.transcript;
  return t.scrollHeight - t.scrollTop - t.clientHeight < 48;
}

function scrollToBottom() {
  els.transcript.scrollTop = els.transcript.scrollHeight;
}

function createLine(key, phraseId, questionId, cls) {
  const el = document.createElement("p");
  el.className = cls;
  el.dataset.phraseId = String(phraseId);
  if (questionId != null) el.dataset.questionId = String(questionId);
  appendToGroup(groupFor(questionId), el);
  lines.set(key, el);
  lineKeys.set(el, key);
  return el;
}

function nowMs() {
  return performance.timeOrigin + performance.now();
}

function renderPartial(msg) {
  const questionId = msg.question_id != null ? msg.question_id : currentQuestionId;
  const key = phraseKey(questionId, msg.phrase_id);
  if (finalizedKeys.has(key)) return; // a late partial must never replace the accurate final text

  const words = Array.isArray(msg.words) ? msg.words : [];
  const text =
    typeof msg.text === "string"
      ? msg.text
      : words.map((word) => (word && typeof word.w === "string" ? word.w : "")).join(" ").trim();

  const stick = isNearBottom();
  let el = lines.get(key);
  if (!el) {
    if (!text) return;
    el = createLine(key, msg.phrase_id, questionId, "line partial");
    // Screen readers hear the final, a second later: partials would be read out word by word.
    el.setAttribute("aria-hidden", "true");
  }
  el.textContent = text;
  if (stick) scrollToBottom();

  const shown = wordsShown.get(key) || 0;
  if (words.length > shown) {
    const fresh = words.slice(shown);
    wordsShown.set(key, words.length);
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

// Renders a final segment (from the data channel or from GET /api/sessions/{id}).
// Returns true if it was rendered, false if it was a duplicate.
function renderFinal(seg, record) {
  const seq = Number(seg.seq);
  if (!Number.isInteger(seq) || seq < 1 || seenSeqs.has(seq)) return false;
  const segmentId = seg.segment_id != null ? String(seg.segment_id) : null;
  if (segmentId !== null && seenSegments.has(segmentId)) return false;

  const questionId = seg.question_id != null ? seg.question_id : currentQuestionId;
  const key = phraseKey(questionId, seg.phrase_id);
  const stick = isNearBottom();

  let el = lines.get(key);
  if (!el && seg.phrase_id != null) {
    // A partial filed under another key (e.g. it arrived without question_id): adopt it.
    const selector = `.line.partial[data-phrase-id="${CSS.escape(String(seg.phrase_id))}"]`;
    const orphan = els.transcript.querySelector(selector);
    if (orphan) {
      el = orphan;
      const oldKey = lineKeys.get(orphan);
      if (oldKey !== undefined) {
        finalizedKeys.add(oldKey);
        lines.delete(oldKey);
      }
      lines.set(key, el);
      lineKeys.set(el, key);
    }
  }
  if (!el) el = createLine(key, seg.phrase_id, questionId, "line final");

  el.className = "line final";
  el.removeAttribute("aria-hidden");
  el.textContent = typeof seg.text === "string" ? seg.text : "";
  el.dataset.seq = String(seq);
  if (seg.segment_id != null) el.dataset.segmentId = String(seg.segment_id);
  finalizedKeys.add(key);
  seenSeqs.add(seq);
  if (segmentId !== null) seenSegments.add(segmentId);
  while (seenSeqs.has(contiguousSeq + 1)) contiguousSeq++;
  if (session) {
    session.last_seq = contiguousSeq;
    if (record) saveSession();
  }
  if (stick) scrollToBottom();

  if (record) {
    const entry = { seq, phrase_id: seg.phrase_id, text: el.textContent, heard_ms: seg.heard_ms };
    requestAnimationFrame(() => {
      entry.rendered_ms = nowMs();
      rehearse.metrics.finals.push(entry);
    });
  }
  return true;
}

function renderAnswerEnd(msg) {
  const questionId = msg.question_id != null ? msg.question_id : currentQuestionId;
  const id = questionId == null ? "" : String(questionId);
  if (answerEnded.has(id)) return;
  answerEnded.add(id);
  if (id === currentQuestionId) answerTimer.stop();
  const stick = isNearBottom();
  const note = document.createElement("p");
  note.className = "answer-end";
  note.textContent = "Answer recorded";
  appendToGroup(groupFor(questionId), note);
  if (stick) scrollToBottom();
}

// ---------------------------------------------------------------------------
// WebRTC

function waitForIceGathering(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

function send(message) {
  const channel = rehearse.channel;
  if (!channel || channel.readyState !== "open") return false;
  try {
    channel.send(JSON.stringify({ v: PROTOCOL_VERSION, ...message }));
    return true;
  } catch {
    return false;
  }
}

function teardownPeer() {
  stopWatchdog();
  clearTimeout(channelOpenTimer);
  channelOpenTimer = null;
  const { pc, channel } = rehearse;
  if (channel) {
    channel.onopen = null;
    channel.onmessage = null;
    channel.onclose = null;
    channel.onerror = null;
  }
  if (pc) {
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    if (pc.signalingState !== "closed") pc.close();
  }
}

// automatic: the page reconnects by itself (a lost link, a reload); otherwise it is the first connection or a
// click on Reconnect. A failed attempt that may succeed later (network, 5xx, relay restarting) is retried.
async function connect({ automatic = false } = {}) {
  if (!session || finished) return;
  const attempt = ++connectAttempt;
  const isCurrent = () => attempt === connectAttempt && !finished;

  clearTimeout(link.retryTimer);
  link.retryTimer = null;
  teardownPeer();
  link.automatic = automatic === true;
  setControlsEnabled(false);
  if (link.everOpened) {
    linkLost();
  } else {
    setConnection("connecting");
    els.reconnect.hidden = true;
    els.status.textContent = "Connecting…";
  }

  if (!localStream || !localStream.getAudioTracks().some((t) => t.readyState === "live")) {
    try {
      stopStream(localStream);
      localStream = await getMicrophone();
    } catch (err) {
      if (!isCurrent()) return;
      connectionLost(errorMessage(err, "The microphone could not be opened."));
      return;
    }
    if (!isCurrent()) return;
  }

  const pc = new RTCPeerConnection({
    iceServers: (session && session.ice_servers) || [],
    iceTransportPolicy: (session && session.ice_transport_policy) || "all",
  });
  rehearse.pc = pc;
  const track = localStream.getAudioTracks()[0];
  pc.addTransceiver(track, { direction: "sendrecv" });

  pc.ontrack = (event) => {
    const stream = event.streams && event.streams[0] ? event.streams[0] : new MediaStream([event.track]);
    if (els.audio.srcObject !== stream) els.audio.srcObject = stream;
    playInterviewer();
  };
  pc.onconnectionstatechange = () => {
    if (!isCurrent()) return;
    // "disconnected" may come back by itself (a short blackout): the watchdog decides. "failed" will not.
    if (pc.connectionState === "failed") replaceConnection();
  };

  const channel = pc.createDataChannel("rehearse", { ordered: true });
  rehearse.channel = channel;
  channel.onopen = () => {
    if (!isCurrent()) return;
    onChannelOpen();
  };
  channel.onmessage = (event) => {
    if (attempt !== connectAttempt) return;
    onMessage(event.data);
  };
  channel.onclose = () => {
    if (!isCurrent()) return;
    replaceConnection();
  };
  channel.onerror = () => {
    // A close follows; handled by onclose.
  };

  try {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await waitForIceGathering(pc, ICE_GATHER_TIMEOUT_MS);
    if (!isCurrent()) return;
    const answer = await api(session.offer_url, {
      method: "POST",
      token: session.token,
      body: { sdp: pc.localDescription.sdp, type: "offer" },
    });
    if (!isCurrent()) return;
    if (typeof answer.sdp !== "string") {
      throw new ApiError(200, "bad_response", "The relay sent an unexpected answer.");
    }
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  } catch (err) {
    if (!isCurrent()) return;
    handleConnectError(err);
    return;
  }

  if (!isCurrent()) return;
  channelOpenTimer = setTimeout(() => {
    if (isCurrent() && channel.readyState !== "open") {
      teardownPeer();
      linkLost();
      scheduleReconnect(retryDelay(++link.failures));
    }
  }, CHANNEL_OPEN_TIMEOUT_MS);
}

function playInterviewer() {
  const playing = els.audio.play();
  if (playing && typeof playing.catch === "function") {
    // Autoplay may be refused after a reload (no click yet): play on the first click or key press.
    playing.catch(() => {
      const retry = () => {
        document.removeEventListener("pointerdown", retry, true);
        document.removeEventListener("keydown", retry, true);
        const again = els.audio.play();
        if (again && typeof again.catch === "function") again.catch(() => {});
      };
      document.addEventListener("pointerdown", retry, true);
      document.addEventListener("keydown", retry, true);
    });
  }
}

// Worth trying again: the network, the server, or a relay restarting (503 relay_busy, 409 session_busy).
function isRetryable(err) {
  if (!(err instanceof ApiError)) return true; // a WebRTC error: a fresh peer connection may do
  return err.status === 0 || err.status >= 500 || err.status === 408 || err.status === 429 || err.code === "session_busy";
}

function retryDelay(failures) {
  if (failures >= SLOW_RETRY_AFTER) return SLOW_RETRY_MS;
  return RETRY_MS + Math.random() * RETRY_JITTER_MS;
}

function handleConnectError(err) {
  teardownPeer();
  const code = err && err.code;
  if (code === "session_ended") {
    showError(errorMessage(err, "This interview has already ended."));
    onEnded();
    return;
  }
  if (code === "invalid_token" || code === "unknown_session") {
    finished = true;
    clearTimeout(link.retryTimer);
    pubsub.stop();
    hideCue(false);
    clearSession();
    setConnection("lost", "Disconnected");
    els.status.textContent = "Disconnected";
    setControlsEnabled(false);
    els.controls.hidden = true;
    els.ended.hidden = false;
    els.ended.querySelector("h2").textContent = "Interview unavailable";
    els.ended.querySelector("p").textContent = "This interview can no longer be joined.";
    showError(errorMessage(err, "This interview can no longer be joined."));
    stopStream(localStream);
    localStream = null;
    return;
  }
  if (isRetryable(err)) {
    linkLost();
    scheduleReconnect(retryDelay(++link.failures));
    return;
  }
  if (err instanceof ApiError) {
    connectionLost(`${sentence(err.message)} Select Reconnect to try again.`);
  } else {
    connectionLost(`Could not connect to the interviewer (${errorMessage(err, "WebRTC error")}).`);
  }
}

// The link is down and the page is bringing it back by itself; Reconnect stays as a manual fallback.
function linkLost() {
  if (finished) return;
  setControlsEnabled(false);
  if (link.everOpened) {
    setConnection("lost");
    els.status.textContent = "Paused";
  } else {
    setConnection("connecting");
    els.status.textContent = "Connecting…";
  }
  els.rtt.textContent = "";
  els.reconnect.hidden = false;
  pubsub.suspend();
}

// The page stops trying by itself: only a click on Reconnect continues.
function connectionLost(message) {
  if (finished) return;
  clearTimeout(link.retryTimer);
  link.retryTimer = null;
  teardownPeer();
  setControlsEnabled(false);
  setConnection("lost", "Connection lost");
  els.status.textContent = "Connection lost";
  els.rtt.textContent = "";
  els.reconnect.hidden = false;
  showError(message || "The connection to the interviewer was lost. Select Reconnect to continue where you left off.");
}

function scheduleReconnect(delayMs) {
  if (finished || !session) return;
  clearTimeout(link.retryTimer);
  link.retryTimer = setTimeout(() => {
    link.retryTimer = null;
    if (!finished && session) runAsync(connect)({ automatic: true });
  }, delayMs);
}

// The connection is gone (its channel closed, ICE failed, or silent too long): make a new one now.
function replaceConnection() {
  if (finished || !session) return;
  if (link.openedAt !== null) {
    link.flaps = Date.now() - link.openedAt < FLAP_WINDOW_MS ? link.flaps + 1 : 0;
    link.openedAt = null;
  }
  teardownPeer();
  if (link.flaps >= FLAP_LIMIT) {
    link.flaps = 0;
    connectionLost("The connection keeps dropping (is this interview open in another tab?). Select Reconnect to continue here.");
    return;
  }
  linkLost();
  scheduleReconnect(0);
}

function onChannelOpen() {
  clearTimeout(channelOpenTimer);
  channelOpenTimer = null;
  clearError();
  const resumed = link.automatic && (link.everOpened || link.resumeFromStorage);
  if (resumed) rehearse.metrics.resumes++;
  if (link.everOpened) dropStalePartials();
  link.everOpened = true;
  link.resumeFromStorage = false;
  link.openedAt = Date.now();
  link.failures = 0;
  els.reconnect.hidden = true;
  els.status.textContent = "Connected";
  send({ type: "hello", after_seq: contiguousSeq });
  startWatchdog();
  setControlsEnabled(true);
  applyLinkState("good");
  if (resumed) scheduleDiagnostics("resume");
}

// Partial lines of an earlier connection: their finals are replayed after hello, or were never made.
function dropStalePartials() {
  for (const el of els.transcript.querySelectorAll(".line.partial")) {
    const key = lineKeys.get(el);
    if (key !== undefined) {
      lines.delete(key);
      wordsShown.delete(key);
    }
    el.remove();
  }
}

// ---------------------------------------------------------------------------
// Link watchdog: pings both ways, getStats() every second, good / poor / lost (rules: rehearse/link_quality.py)

function median(values) {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function pushBounded(list, value, max) {
  list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
}

// Pings in flight and their outcomes (PingBook in rehearse/link_quality.py). Times are performance.now() ms.
class PingBook {
  constructor() {
    this.inFlight = new Map(); // wire stamp -> send time
    this.outcomes = []; // true: answered in time
    this.rtts = [];
    this.everAnswered = false;
    this.lastSentAt = null;
  }

  due(now) {
    return this.lastSentAt === null || now - this.lastSentAt >= LINK_THRESHOLDS.pingIntervalMs;
  }

  sent(stamp, now) {
    this.expire(now);
    this.inFlight.set(stamp, now);
    this.lastSentAt = now;
  }

  answered(stamp, now) {
    this.expire(now);
    if (!this.inFlight.has(stamp)) return null;
    const rtt = Math.max(0, now - this.inFlight.get(stamp));
    this.inFlight.delete(stamp);
    this.everAnswered = true;
    pushBounded(this.outcomes, true, LINK_THRESHOLDS.pingWindow);
    this.noteRtt(rtt);
    return rtt;
  }

  // The page also counts the ICE consent checks' round trips (candidate-pair currentRoundTripTime).
  noteRtt(ms) {
    pushBounded(this.rtts, ms, LINK_THRESHOLDS.rttSamples);
  }

  // Forget what a silence did to the pings: those it swallowed, and round trips measured across it.
  forgive() {
    this.inFlight.clear();
    this.outcomes = this.outcomes.filter((ok) => ok);
    this.rtts = [];
  }

  expire(now) {
    for (const [stamp, at] of this.inFlight) {
      if (now - at > LINK_THRESHOLDS.pingTimeoutMs) {
        this.inFlight.delete(stamp);
        pushBounded(this.outcomes, false, LINK_THRESHOLDS.pingWindow);
      }
    }
  }

  rttMs() {
    return median(this.rtts);
  }

  // null until the other side has answered once (PingBook.loss in rehearse/link_quality.py says why).
  loss() {
    if (!this.everAnswered || this.outcomes.length === 0) return null;
    return this.outcomes.filter((ok) => !ok).length / this.outcomes.length;
  }
}

function poorReasons(f) {
  const t = LINK_THRESHOLDS;
  const over = (value, limit) => typeof value === "number" && value > limit;
  const reasons = [];
  if (over(f.rtt_ms, t.poorRttMs)) reasons.push("rtt");
  if (over(f.ping_loss, t.poorPingLoss)) reasons.push("ping_loss");
  if (over(f.packet_loss, t.poorPacketLoss)) reasons.push("packet_loss");
  if (over(f.jitter_ms, t.poorJitterMs)) reasons.push("jitter");
  if (typeof f.available_kbps === "number" && f.available_kbps < t.poorAvailableKbps) reasons.push("bandwidth");
  return reasons;
}

// The state machine with its hysteresis (LinkQuality in rehearse/link_quality.py).
class LinkQuality {
  constructor() {
    this.state = "good";
    this.reasons = [];
    this.run = 0;
    this.settle = 0;
  }

  get settling() {
    return this.settle > 0;
  }

  update(figures, silentMs) {
    if (silentMs >= LINK_THRESHOLDS.lostAfterMs) {
      this.state = "lost";
      this.reasons = ["silent"];
      this.run = 0;
      this.settle = 0;
      return this.state;
    }
    if (this.state === "lost") {
      this.state = "good";
      this.run = 0;
      this.settle = LINK_THRESHOLDS.settleReadings;
    }
    if (this.settle > 0) {
      this.settle--;
      this.reasons = [];
      return this.state;
    }
    this.reasons = poorReasons(figures);
    const poor = this.reasons.length > 0;
    if (poor === (this.state === "poor")) {
      this.run = 0;
    } else {
      this.run++;
      const needed = poor ? LINK_THRESHOLDS.enterPoorReadings : LINK_THRESHOLDS.leavePoorReadings;
      if (this.run >= needed) {
        this.state = poor ? "poor" : "good";
        this.run = 0;
      }
    }
    return this.state;
  }
}

const link = {
  quality: null, // LinkQuality of the open connection, null when none is watched
  pings: new PingBook(),
  heardAt: 0, // performance.now() of the last media packet or message from the relay
  pollTimer: null,
  polling: false,
  inbound: null, // the previous poll's inbound audio counters
  pairResponses: null,
  remoteRttCount: null,
  stats: { packetLoss: null, jitterMs: null, availableKbps: null },
  figures: {},
  snapshot: null, // candidate pair and traffic of the last poll, for diagnostics
  everOpened: false, // a channel of this interview has opened in this page
  resumeFromStorage: false, // the next open resumes an interview from before a reload
  automatic: false, // the current attempt was started by the page itself
  openedAt: null,
  flaps: 0,
  failures: 0, // failed attempts in a row
  retryTimer: null,
  probing: false,
  probeDown: false, // a health probe found the relay gone during this silence
  probeUpAt: null, // ... and a later one found it back
};

function resetLink() {
  stopWatchdog();
  clearTimeout(link.retryTimer);
  link.retryTimer = null;
  link.everOpened = false;
  link.resumeFromStorage = false;
  link.automatic = false;
  link.openedAt = null;
  link.flaps = 0;
  link.failures = 0;
  link.figures = {};
  link.snapshot = null;
  rehearse.link.figures = {};
  clearTimeout(diagnostics.timer);
  diagnostics.timer = null;
  diagnostics.lastAt = 0;
  diagnostics.endedSent = false;
}

function startWatchdog() {
  stopWatchdog();
  link.quality = new LinkQuality();
  link.pings = new PingBook();
  link.heardAt = performance.now();
  link.inbound = null;
  link.pairResponses = null;
  link.stats = { packetLoss: null, jitterMs: null, availableKbps: null };
  link.probeDown = false;
  link.probeUpAt = null;
  link.pollTimer = setInterval(pollLink, LINK_POLL_MS);
}

function stopWatchdog() {
  clearInterval(link.pollTimer);
  link.pollTimer = null;
  link.quality = null;
}

function heardFromRelay() {
  link.heardAt = performance.now();
}

async function pollLink() {
  const pc = rehearse.pc;
  const attempt = connectAttempt;
  if (!pc || finished || !link.quality || link.polling) return;
  link.polling = true;
  let report = null;
  try {
    report = await pc.getStats();
  } catch {
    report = null;
  } finally {
    link.polling = false;
  }
  if (attempt !== connectAttempt || finished || !link.quality) return;
  const now = performance.now();
  if (report) readStats(report, now);
  if (isConnected() && link.pings.due(now)) {
    const stamp = Date.now();
    if (send({ type: "ping", t: stamp })) link.pings.sent(stamp, now);
  }
  const silentMs = now - link.heardAt;
  const back = link.quality.state === "lost" || link.quality.settling;
  if (back && silentMs < LINK_THRESHOLDS.lostAfterMs) link.pings.forgive();
  link.pings.expire(now);
  const figures = {
    rtt_ms: round(link.pings.rttMs(), 1),
    ping_loss: round(link.pings.loss(), 3),
    packet_loss: round(link.stats.packetLoss, 4),
    jitter_ms: round(link.stats.jitterMs, 1),
    available_kbps: round(link.stats.availableKbps, 1),
  };
  link.figures = figures;
  rehearse.link.figures = figures;
  applyLinkState(link.quality.update(figures, silentMs));
  watchForReplacement(now, silentMs);
}

function round(value, digits) {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// Counters of the audio from the relay (its voice track sends a frame every 20 ms), RTCP figures, the ICE pair.
function readStats(report, now) {
  const byId = new Map();
  report.forEach((r) => byId.set(r.id, r));
  let pair = null;
  report.forEach((r) => {
    if (r.type === "transport" && r.selectedCandidatePairId && byId.has(r.selectedCandidatePairId)) pair = byId.get(r.selectedCandidatePairId);
  });
  if (!pair) {
    report.forEach((r) => {
      if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") pair = r;
    });
  }
  const inbound = { packets: 0, lost: 0, bytes: 0 };
  const outbound = { packets: 0, bytes: 0 };
  let jitter = null;
  let remoteLoss = null;
  let lastPacketAgo = null; // ms before this report that the last audio packet arrived
  report.forEach((r) => {
    const audio = r.kind === "audio" || r.mediaType === "audio";
    if (r.type === "inbound-rtp" && audio) {
      inbound.packets += r.packetsReceived || 0;
      inbound.lost += r.packetsLost || 0;
      inbound.bytes += r.bytesReceived || 0;
      if (typeof r.jitter === "number") jitter = Math.max(jitter ?? 0, r.jitter);
      if (typeof r.lastPacketReceivedTimestamp === "number" && typeof r.timestamp === "number") {
        const ago = Math.max(0, r.timestamp - r.lastPacketReceivedTimestamp);
        lastPacketAgo = lastPacketAgo === null ? ago : Math.min(lastPacketAgo, ago);
      }
    } else if (r.type === "outbound-rtp" && audio) {
      outbound.packets += r.packetsSent || 0;
      outbound.bytes += r.bytesSent || 0;
    } else if (r.type === "remote-inbound-rtp" && audio) {
      if (typeof r.fractionLost === "number") remoteLoss = Math.max(remoteLoss ?? 0, r.fractionLost);
      if (typeof r.jitter === "number") jitter = Math.max(jitter ?? 0, r.jitter);
      if (typeof r.roundTripTime === "number" && r.roundTripTimeMeasurements !== link.remoteRttCount) {
        link.remoteRttCount = r.roundTripTimeMeasurements;
        link.pings.noteRtt(r.roundTripTime * 1000);
      }
    }
  });

  const prev = link.inbound;
  let loss = null;
  const arrived = prev ? inbound.packets > prev.packets : inbound.packets > 0;
  if (arrived) {
    // When the last packet came, not when we looked: a link that died just after a poll is lost 4 s later, not 5.
    link.heardAt = Math.max(link.heardAt, lastPacketAgo === null ? now : now - lastPacketAgo);
  }
  if (prev) {
    const received = inbound.packets - prev.packets;
    const lost = Math.max(0, inbound.lost - prev.lost);
    if (received + lost > 0) loss = lost / (received + lost);
  }
  link.inbound = inbound;
  if (remoteLoss !== null) loss = Math.max(loss ?? 0, remoteLoss);

  let availableKbps = null;
  let candidatePair = null;
  if (pair) {
    if (typeof pair.currentRoundTripTime === "number" && pair.responsesReceived !== link.pairResponses) {
      link.pings.noteRtt(pair.currentRoundTripTime * 1000);
    }
    link.pairResponses = pair.responsesReceived;
    if (typeof pair.availableOutgoingBitrate === "number") availableKbps = pair.availableOutgoingBitrate / 1000;
    const local = byId.get(pair.localCandidateId);
    const remote = byId.get(pair.remoteCandidateId);
    candidatePair = {
      local_type: (local && local.candidateType) || null,
      remote_type: (remote && remote.candidateType) || null,
      protocol: (local && local.protocol) || null,
      state: pair.state || null,
    };
  }
  link.stats = { packetLoss: loss, jitterMs: jitter === null ? null : jitter * 1000, availableKbps };
  link.snapshot = {
    candidate_pair: candidatePair,
    traffic: {
      packets_sent: outbound.packets,
      packets_received: inbound.packets,
      packets_lost: inbound.lost,
      bytes_sent: outbound.bytes,
      bytes_received: inbound.bytes,
    },
  };
}

// The watchdog's verdict, shown and acted on: a poor link degrades, a lost one waits for the link or replaces it.
function applyLinkState(state) {
  if (finished) return;
  const before = connectionState();
  if (before === state) return;
  setConnection(state);
  if (state === "lost") {
    setControlsEnabled(false);
    els.status.textContent = "Paused";
    els.rtt.textContent = "";
    els.reconnect.hidden = false;
    pubsub.suspend();
    return;
  }
  if (before === "lost") {
    els.reconnect.hidden = true;
    els.status.textContent = lastStatus ? STATUS_LABELS[lastStatus] || lastStatus : "Connected";
    setControlsEnabled(isConnected() && lastStatus !== "ended");
  }
  send({ type: "link", state, ...link.figures });
  if (state === "poor") {
    pubsub.suspend(); // feedback waits; it is caught up over HTTP when the link is good again
    shortenCue();
  } else {
    pubsub.resume();
  }
}

// While lost: a silence longer than a blackout, or a relay that is gone (its health check refused) or came back
// (a restart) while this connection still hears nothing, means this connection will not recover.
function watchForReplacement(now, silentMs) {
  if (silentMs < LINK_THRESHOLDS.lostAfterMs) {
    link.probeDown = false;
    link.probeUpAt = null;
    return;
  }
  if (silentMs >= REPLACE_AFTER_SILENT_MS) {
    replaceConnection();
    return;
  }
  if (link.probeUpAt !== null && now - link.probeUpAt >= PROBE_GRACE_MS) {
    replaceConnection();
    return;
  }
  probeRelay();
}

function relayHealthUrl() {
  const offer = new URL(session.offer_url, window.location.href);
  return { url: `${offer.origin}/healthz`, sameOrigin: offer.origin === window.location.origin };
}

async function probeRelay() {
  if (link.probing || !session) return;
  link.probing = true;
  const attempt = connectAttempt;
  const { url, sameOrigin } = relayHealthUrl();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), PROBE_TIMEOUT_MS);
  const started = performance.now();
  let verdict = "unknown"; // a timeout says nothing: the network may be down, or the relay paused
  try {
    const res = await fetch(url, { cache: "no-store", mode: sameOrigin ? "same-origin" : "no-cors", signal: abort.signal });
    verdict = res.type === "opaque" || res.ok ? "up" : res.status === 503 ? "gone" : "up";
  } catch {
    if (!abort.signal.aborted && performance.now() - started < PROBE_TIMEOUT_MS) verdict = "gone"; // refused
  } finally {
    clearTimeout(timer);
    link.probing = false;
  }
  if (attempt !== connectAttempt || finished || !link.quality) return;
  if (verdict === "gone") {
    replaceConnection(); // the relay is down or draining: offer (and retry) until one answers
  } else if (verdict === "up" && link.probeDown && link.probeUpAt === null) {
    link.probeUpAt = performance.now();
  } else if (verdict === "unknown") {
    link.probeDown = true;
  }
}

function onEnded() {
  if (session && link.everOpened && !diagnostics.endedSent) {
    diagnostics.endedSent = true; // the summary of the whole session, while the connection's figures are at hand
    clearTimeout(diagnostics.timer);
    diagnostics.timer = null;
    sendDiagnostics("ended");
  }
  finished = true;
  connectAttempt++;
  clearTimeout(link.retryTimer);
  link.retryTimer = null;
  teardownPeer();
  clearSession();
  stopStream(localStream);
  localStream = null;
  setControlsEnabled(false);
  setConnection("ended");
  els.status.textContent = "Interview complete";
  els.rtt.textContent = "";
  els.controls.hidden = true;
  els.reconnect.hidden = true;
  els.ended.querySelector("h2").textContent = "Interview complete";
  els.ended.hidden = false;
  document.body.dataset.interviewState = "ended";
  setView("report");
  dropStalePartials(); // every answer's finals came before "ended": a partial left now is speech after the end
  answerTimer.stop();
  closeEndDialog();
  hideCue(false);
  if (reportShown) {
    setEndedMessage("Thanks for practising. Your report is below, followed by your transcript.");
  } else {
    setEndedMessage("Preparing your report…", true);
    clearTimeout(reportSlowTimer);
    reportSlowTimer = setTimeout(() => {
      if (!reportShown && finished && session) {
        setEndedMessage("Your report is taking longer than usual. It will appear here as soon as it is ready.", true);
      }
    }, REPORT_SLOW_MS);
    if (!pubsub.active) pubsub.start();
    else pubsub.resume(); // it was suspended while the link was poor
  }
}

function setEndedMessage(text, waiting = false) {
  const p = els.ended.querySelector("p");
  p.textContent = text;
  p.classList.toggle("waiting", waiting);
}

// ---------------------------------------------------------------------------
// Data channel messages

const STATUS_LABELS = {
  asking: "Interviewer is asking",
  listening: "Listening",
  ended: "Interview complete",
};

function onMessage(data) {
  heardFromRelay();
  rehearse.metrics.messages++;
  const msg = parseObject(data);
  if (!msg) return;

  switch (msg.type) {
    case "state":
      handleState(msg);
      break;
    case "question":
      handleQuestion(msg);
      break;
    case "transcript":
      if (msg.final === true) renderFinal(msg, true);
      else renderPartial(msg);
      break;
    case "answer_end":
      renderAnswerEnd(msg);
      break;
    case "cue":
      showCue(msg);
      break;
    case "ended":
      onEnded();
      break;
    case "pong":
      if (typeof msg.t === "number" && link.pings.answered(msg.t, performance.now()) !== null) {
        const rtt = Math.round(link.pings.rttMs());
        els.rtt.textContent = `${rtt} ms`;
        els.rtt.title = `Round-trip time to the relay: ${rtt} ms`;
      }
      break;
    case "ping":
      if (typeof msg.t === "number") send({ type: "pong", t: msg.t }); // the relay measures its side of the link
      break;
    case "error":
      showError(msg.message || `The interviewer reported an error${msg.code ? ` (${msg.code})` : ""}.`);
      break;
    default:
      break; // unknown types are ignored
  }
}

function handleState(msg) {
  if (typeof msg.status === "string") {
    lastStatus = msg.status;
    els.status.textContent = STATUS_LABELS[msg.status] || msg.status;
    document.body.dataset.interviewState = msg.status;
  }
  updateProgress(msg.question_index, msg.total);
  if (msg.status === "asking") answerTimer.pause(); // the interviewer speaks: not the candidate's time
  else if (msg.status === "listening") answerTimer.start();
  else if (msg.status === "ended") {
    answerTimer.stop();
    setControlsEnabled(false);
  }
}

function handleQuestion(msg) {
  if (typeof msg.question_id === "string") {
    if (msg.question_id !== currentQuestionId || (cueQuestionId !== null && cueQuestionId !== msg.question_id)) {
      hideCue(true); // a cue belongs to one answer
    }
    if (msg.question_id !== currentQuestionId) answerTimer.reset(); // each question has its own answer time
    currentQuestionId = msg.question_id;
    const known = questions.get(msg.question_id);
    questions.set(msg.question_id, {
      id: msg.question_id,
      index: Number.isInteger(msg.index) ? msg.index : known ? known.index : null,
      text: typeof msg.text === "string" ? msg.text : known ? known.text : "",
    });
    refreshGroupHeading(msg.question_id);
  }
  const total = Number.isInteger(msg.total) ? msg.total : questions.size;
  showQuestion(typeof msg.text === "string" ? msg.text : "", msg.index, total);
}

// ---------------------------------------------------------------------------
// Instant cues (data channel "cue"): one at a time, above the question

let cueTimer = null;
let cueFadeTimer = null;
let cueQuestionId = null; // question the visible cue belongs to, or null when none is shown

function clearCueTimers() {
  clearTimeout(cueTimer);
  clearTimeout(cueFadeTimer);
  cueTimer = null;
  cueFadeTimer = null;
}

function showCue(msg) {
  const text = typeof msg.text === "string" ? msg.text.trim() : "";
  if (!text) return;
  const questionId = msg.question_id != null ? String(msg.question_id) : currentQuestionId;
  // A cue for an answer that is already closed (and not the current one) is stale.
  if (questionId != null && questionId !== currentQuestionId && answerEnded.has(questionId)) return;

  clearCueTimers();
  const kind = typeof msg.kind === "string" ? msg.kind : "";
  const pill = document.createElement("span");
  pill.className = "cue-pill";
  pill.textContent = cueText(kind, text);
  pill.dataset.full = text;
  els.cue.classList.remove("fading");
  els.cue.dataset.kind = kind;
  els.cue.replaceChildren(pill); // a newer cue replaces the older one
  cueQuestionId = questionId == null ? "" : questionId;
  cueTimer = setTimeout(() => hideCue(true), CUE_VISIBLE_MS);

  requestAnimationFrame(() => {
    rehearse.metrics.cues.push({ kind, text, rendered_ms: nowMs() });
  });
}

// A poor or lost link shows a short label per cue kind.
function cueText(kind, text) {
  const state = connectionState();
  return (state === "poor" || state === "lost") && SHORT_CUES[kind] ? SHORT_CUES[kind] : text;
}

function shortenCue() {
  const pill = els.cue.querySelector(".cue-pill");
  if (pill) pill.textContent = cueText(els.cue.dataset.kind || "", pill.dataset.full || pill.textContent);
}

function hideCue(fade) {
  if (cueQuestionId === null && !els.cue.firstChild) return;
  clearCueTimers();
  cueQuestionId = null;
  if (!fade || !els.cue.firstChild) {
    els.cue.classList.remove("fading");
    els.cue.replaceChildren();
    delete els.cue.dataset.kind;
    return;
  }
  els.cue.classList.add("fading");
  cueFadeTimer = setTimeout(() => {
    cueFadeTimer = null;
    els.cue.classList.remove("fading");
    els.cue.replaceChildren();
    delete els.cue.dataset.kind;
  }, CUE_FADE_MS);
}

// ---------------------------------------------------------------------------
// Pub/sub: scores, summaries and the report as they are written (pubsub.js)

const pubsub = new FeedbackSocket({
  owner: () => (session ? { ...session, negotiate_url: session.negotiate_url || defaultNegotiateUrl(session.session_id) } : null),
  wanted: () => !reportShown && !els.interview.hidden,
  onJoined: () => catchUpFeedback(), // events published while we were not in the group were missed
  onEvent: (event) => {
    rehearse.metrics.pubsubEvents++;
    onFeedbackEvent(event);
  },
});

async function catchUpFeedback() {
  const owner = session;
  if (!owner) return;
  let data;
  try {
    data = await api(`/api/sessions/${encodeURIComponent(owner.session_id)}`, { token: owner.token });
  } catch {
    return; // the events still arrive over pub/sub
  }
  if (session !== owner) return;
  applyFeedback(data.feedback);
}

function onFeedbackEvent(event) {
  if (session && typeof event.session_id === "string" && event.session_id !== session.session_id) return;
  switch (event.type) {
    case "answer.scored":
      onAnswerScored(event.question_id, event.score);
      break;
    case "question.summary":
      onSummary(event.summary);
      break;
    case "report.ready":
      onReport(event.report);
      break;
    default:
      break; // session.live, answer.completed, session.ended, unknown: nothing to show
  }
}

// The "feedback" of GET /api/sessions/{id}: the same documents as the events.
function applyFeedback(feedback) {
  if (!feedback || typeof feedback !== "object") return;
  if (Array.isArray(feedback.scores)) {
    for (const doc of feedback.scores) {
      if (doc && typeof doc === "object") onAnswerScored(doc.question_id, doc);
    }
  }
  if (Array.isArray(feedback.summaries)) {
    const list = feedback.summaries.filter((doc) => doc && typeof doc === "object");
    list.sort((a, b) => Number(a.question_index) - Number(b.question_index));
    for (const doc of list) onSummary(doc);
  }
  if (feedback.report && typeof feedback.report === "object") onReport(feedback.report);
}

// ---------------------------------------------------------------------------
// Per-question feedback in the transcript

function scoreBadge(score, label) {
  const badge = document.createElement("span");
  badge.className = "score-badge";
  badge.title = `${label}: ${score} out of 100`;
  const before = document.createElement("span");
  before.className = "visually-hidden";
  before.textContent = `${label}: `;
  const after = document.createElement("span");
  after.className = "visually-hidden";
  after.textContent = " out of 100";
  badge.append(before, String(score), after);
  return badge;
}

// Learn a question's index/text from feedback when the page does not know it yet.
function noteQuestion(questionId, index, text) {
  const known = questions.get(questionId);
  questions.set(questionId, {
    id: questionId,
    index: known && Number.isInteger(known.index) ? known.index : Number.isInteger(index) ? index : null,
    text: known && known.text ? known.text : typeof text === "string" ? text : "",
  });
}

function onAnswerScored(questionId, score) {
  if (typeof questionId !== "string" || !questionId || !score || typeof score !== "object") return;
  const overall = toScore(score.overall);
  if (overall === null) return;
  if (scoresByQuestion.get(questionId) === overall) return; // a duplicate
  noteQuestion(questionId, score.question_index, undefined);
  scoresByQuestion.set(questionId, overall);
  const stick = isNearBottom();
  refreshGroupHeading(questionId);
  if (!groups.has(questionId)) groupFor(questionId);
  const block = groups.get(questionId).querySelector(":scope > .summary");
  if (block && !block.querySelector(".score-badge")) {
    // The summary came first and had no score of its own.
    block.querySelector(".summary-head").append(scoreBadge(overall, "Score for this answer"));
  }
  if (stick) scrollToBottom();
}

function onSummary(summary) {
  if (!summary || typeof summary !== "object" || typeof summary.question_id !== "string" || !summary.question_id) return;
  const questionId = summary.question_id;
  const key = JSON.stringify(summary);
  if (summaryKeys.get(questionId) === key) return; // a duplicate
  noteQuestion(questionId, summary.question_index, summary.question_text);
  summaryKeys.set(questionId, key);

  const stick = isNearBottom();
  const group = groupFor(questionId);
  const block = document.createElement("div");
  block.className = "summary";
  block.dataset.questionId = questionId;

  const head = document.createElement("div");
  head.className = "summary-head";
  const title = document.createElement("h4");
  title.className = "summary-title";
  title.textContent = "Summary";
  head.append(title);
  const overall = toScore(summary.overall) ?? scoresByQuestion.get(questionId) ?? null;
  if (overall !== null) head.append(scoreBadge(overall, "Score for this answer"));

  const list = document.createElement("ul");
  list.className = "summary-bullets";
  const bullets = Array.isArray(summary.bullets)
    ? summary.bullets.filter((b) => typeof b === "string" && b.trim())
    : [];
  for (const bullet of bullets) {
    const li = document.createElement("li");
    li.textContent = bullet.trim();
    list.append(li);
  }
  if (bullets.length === 0) {
    const li = document.createElement("li");
    li.textContent = "No summary points for this answer.";
    list.append(li);
  }
  block.append(head, list);

  const old = group.querySelector(":scope > .summary");
  if (old) old.replaceWith(block);
  else group.append(block);
  refreshGroupHeading(questionId); // the heading's badge gives way to the summary's
  if (stick) scrollToBottom();
}

// ---------------------------------------------------------------------------
// Final report (rendered by report.js) and the replay of recorded answers in its transcript

function resetReport() {
  clearTimeout(reportSlowTimer);
  reportSlowTimer = null;
  scoresByQuestion = new Map();
  summaryKeys = new Map();
  reportKey = null;
  reportShown = false;
  replayLoaded = false;
  clearReport();
}

function onReport(data) {
  if (!data || typeof data !== "object") return;
  const key = typeof data.id === "string" && data.id ? data.id : JSON.stringify(data);
  if (key === reportKey) return; // a duplicate
  reportKey = key;
  for (const q of Array.isArray(data.questions) ? data.questions : []) {
    if (q && typeof q.question_id === "string") noteQuestion(q.question_id, q.question_index, q.question_text);
  }
  const firstTime = !reportShown;
  reportShown = true;
  renderReport(data, { questionOf: (id) => questions.get(id) || null });
  if (session) setExport(session.session_id, session.token);

  pubsub.stop(); // the report is in: no more updates needed
  clearTimeout(reportSlowTimer);
  reportSlowTimer = null;
  if (finished) setEndedMessage("Thanks for practising. Your report is below, followed by your transcript.");
  if (firstTime) {
    revealReport();
    runAsync(loadReplay)();
  }
}

function revealReport() {
  const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  els.report.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block: "start" });
  // Focus follows only when it was lost (the interview controls it was on are hidden now).
  const active = document.activeElement;
  if (!active || active === document.body) els.report.focus({ preventScroll: true });
}

// The transcript becomes the report's: each recorded line plays its moment (GET /api/sessions/{id} says where).
async function loadReplay() {
  const owner = session;
  if (!owner || replayLoaded) return;
  replayLoaded = true;
  let data;
  try {
    data = await api(`/api/sessions/${encodeURIComponent(owner.session_id)}`, { token: owner.token });
  } catch {
    replayLoaded = false; // the report still stands; the lines simply stay text
    return;
  }
  if (session !== owner) return;
  for (const seg of Array.isArray(data.transcript) ? data.transcript : []) {
    if (seg && typeof seg === "object") renderFinal(seg, false); // a final the page missed
  }
  // The lines are rewritten as buttons: not news for a screen reader, so the live region stops announcing.
  els.transcript.setAttribute("aria-live", "off");
  els.transcriptTitle.textContent = owner.record_audio ? "Transcript and recordings" : "Transcript";
  replay.attach(data, owner.token);
}

// ---------------------------------------------------------------------------
// Connection diagnostics: a summary of the WebRTC figures, uploaded when the link's state changes (at most every
// 10 s), when the interview ends and when the page is left (docs/protocol.md, POST .../diagnostics).

const diagnostics = { timer: null, lastAt: 0, reason: null, endedSent: false };

function scheduleDiagnostics(reason) {
  if (!session || finished) return;
  if (diagnostics.reason !== "resume") diagnostics.reason = reason;
  if (diagnostics.timer !== null) return;
  const wait = Math.max(DIAGNOSTICS_FIRST_MS, diagnostics.lastAt + DIAGNOSTICS_MIN_GAP_MS - Date.now());
  diagnostics.timer = setTimeout(() => {
    diagnostics.timer = null;
    const why = diagnostics.reason || "state_change";
    diagnostics.reason = null;
    if (session && !finished) sendDiagnostics(why);
  }, wait);
}

function diagnosticsSummary(reason) {
  const pc = rehearse.pc;
  const snapshot = link.snapshot || {};
  return {
    v: PROTOCOL_VERSION,
    reason,
    state: connectionState(),
    at: Date.now(),
    link: { ...link.figures },
    candidate_pair: snapshot.candidate_pair || null,
    traffic: snapshot.traffic || {},
    ice_connection_state: pc ? pc.iceConnectionState : null,
    connection_state: pc ? pc.connectionState : null,
    connection_changes: rehearse.metrics.connectionStates.slice(-100),
    resumes: rehearse.metrics.resumes,
    user_agent: navigator.userAgent.slice(0, 512),
  };
}

// keepalive lets the upload outlive the page (pagehide); sendBeacon cannot carry the Authorization header.
function sendDiagnostics(reason, keepalive = false) {
  const owner = session;
  if (!owner) return;
  diagnostics.lastAt = Date.now();
  rehearse.metrics.diagnosticsUploads++;
  fetch(`/api/sessions/${encodeURIComponent(owner.session_id)}/diagnostics`, {
    method: "POST",
    keepalive,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${owner.token}` },
    body: JSON.stringify(diagnosticsSummary(reason)),
  }).catch(() => {
    // Diagnostics are best effort: the next upload carries the connection history too.
  });
}

// ---------------------------------------------------------------------------
// Controls

function nextQuestion() {
  if (isConnected()) send({ type: "next" });
}

function repeatQuestion() {
  if (isConnected()) send({ type: "repeat" });
}

// Ending skips the questions left, so it asks first (the button and the E key alike).
function confirmEnd() {
  if (els.end.disabled || els.endDialog.open) return;
  els.endDialog.returnValue = "";
  if (typeof els.endDialog.showModal === "function") els.endDialog.showModal();
  else if (window.confirm("End the interview now?")) endInterview();
}

function onEndDialogClose() {
  if (els.endDialog.returnValue === "end") endInterview();
  else if (!els.end.disabled) els.end.focus();
}

function closeEndDialog() {
  if (els.endDialog.open) els.endDialog.close("cancel");
}

function endInterview() {
  if (isConnected()) send({ type: "end" });
}

function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  return target.matches("input, textarea, select");
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
  if (els.interview.hidden || els.endDialog.open || isTypingTarget(event.target)) return;
  const key = event.key.toLowerCase();
  if (key === "n" && !els.next.disabled) {
    event.preventDefault();
    nextQuestion();
  } else if (key === "r" && !els.repeat.disabled) {
    event.preventDefault();
    repeatQuestion();
  } else if (key === "e" && !els.end.disabled) {
    event.preventDefault();
    confirmEnd();
  }
}

async function reconnect() {
  clearError();
  link.flaps = 0;
  link.failures = 0;
  await connect();
}

function newInterview() {
  finished = true;
  connectAttempt++;
  resetLink();
  pubsub.stop();
  hideCue(false);
  clearTimeout(reportSlowTimer);
  teardownPeer();
  stopStream(localStream);
  localStream = null;
  clearSession();
  session = null;
  clearError();
  replay.reset();
  els.audio.srcObject = null;
  els.recordAudio.checked = false; // consent is asked for each interview
  showSetupView();
  window.scrollTo(0, 0);
  const source = [...els.sources].find((input) => input.checked);
  (source || els.role).focus();
}

// ---------------------------------------------------------------------------
// Wiring

function runAsync(fn) {
  return (event) => {
    Promise.resolve(fn(event)).catch((err) => {
      showError(`Something went wrong: ${errorMessage(err, "unknown error")}`);
      setBusy(false);
    });
  };
}

// The History view asks to open a finished interview: show it here, as the full report with its transcript and the
// replay of recorded answers. While an interview is live the History view shows a compact report itself.
document.addEventListener("rehearse:open-report", (event) => {
  const detail = event.detail || {};
  if (busy || (session && !finished)) return;
  if (typeof detail.session_id !== "string" || typeof detail.token !== "string") return;
  event.preventDefault();
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ session_id: detail.session_id, token: detail.token }));
  runAsync(() => resumeInterview())();
});

els.setupForm.addEventListener("submit", runAsync(startInterview));
els.resume.addEventListener("click", runAsync(resumeInterview));
els.role.addEventListener("change", onRoleChange);
for (const input of els.sources) input.addEventListener("change", onSourceChange);
els.job.addEventListener("input", updateJobCount);
els.micCheck.addEventListener("click", runAsync(checkMicrophone));
els.micTest.addEventListener("click", runAsync(() => micCheck.recordTest()));
els.next.addEventListener("click", nextQuestion);
els.repeat.addEventListener("click", repeatQuestion);
els.end.addEventListener("click", confirmEnd);
els.endDialog.addEventListener("close", onEndDialogClose);
els.reconnect.addEventListener("click", runAsync(reconnect));
els.newInterview.addEventListener("click", newInterview);
document.addEventListener("keydown", onKeyDown);
window.addEventListener("pagehide", () => {
  if (session && !finished && !diagnostics.endedSent) sendDiagnostics("pagehide", true);
  // Free the relay connection so a reload can resume without "session_busy".
  if (rehearse.pc && rehearse.pc.signalingState !== "closed") rehearse.pc.close();
  pubsub.suspend();
});
window.addEventListener("pageshow", (event) => {
  // Restored from the back/forward cache: the peer connection was closed on pagehide; make a new one.
  if (event.persisted && session && !finished && !els.interview.hidden) {
    teardownPeer();
    linkLost();
    scheduleReconnect(0);
  }
  if (event.persisted) pubsub.resume();
});

els.resume.hidden = loadSession() === null;
onSourceChange(); // the browser may have restored the form of an earlier visit
updateJobCount();
loadRoles();
if (!els.resume.hidden) runAsync(resumeInterview)({ automatic: true }); // a reload mid-interview carries on by itself
