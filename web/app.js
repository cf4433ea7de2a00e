// Rehearse: browser client for live AI mock interviews.
// Contract with the server: docs/protocol.md (HTTP API + WebRTC data channel "rehearse", version 1).

const PROTOCOL_VERSION = 1;
const STORAGE_KEY = "rehearse.session";
const ICE_GATHER_TIMEOUT_MS = 3000;
const CHANNEL_OPEN_TIMEOUT_MS = 15000;
const PING_INTERVAL_MS = 5000;
const MAX_QUESTIONS = 10;
const CUE_VISIBLE_MS = 6000;
const CUE_FADE_MS = 600;
const PUBSUB_SUBPROTOCOL = "json.webpubsub.azure.v1";
const PUBSUB_MAX_BACKOFF_S = 15;
const REPORT_SLOW_MS = 90000;
const DIMENSIONS = ["content", "structure", "clarity", "confidence"];
const DIMENSION_LABELS = { content: "Content", structure: "Structure", clarity: "Clarity", confidence: "Confidence" };
const CONFIDENCE_HELP =
  "How much evidence there was for this score: longer answers and signals that agree give higher confidence";
const SVG_NS = "http://www.w3.org/2000/svg";

// Latency instrumentation: benchmarks and tests read this object; keep its shape.
const rehearse = {
  pc: null,
  channel: null,
  sessionId: null,
  metrics: { partialWords: [], finals: [], messages: 0, cues: [], pubsubEvents: 0 },
};
window.rehearse = rehearse;

// ---------------------------------------------------------------------------
// Elements

const $ = (id) => document.getElementById(id);
const els = {
  error: $("error"),
  setup: $("setup"),
  setupForm: $("setup-form"),
  role: $("role"),
  count: $("question-count"),
  countHint: $("question-count-hint"),
  start: $("start"),
  resume: $("resume"),
  interview: $("interview"),
  connection: $("connection"),
  connectionLabel: $("connection-label"),
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
  reportOverall: $("report-overall"),
  reportDimensions: $("report-dimensions"),
  reportQuestions: $("report-questions"),
  reportChart: $("report-chart"),
  reportChartBox: $("report-chart-box"),
  reportChartDesc: $("report-chart-desc"),
  reportRecommendations: $("report-recommendations"),
  reportExample: $("report-example"),
  reportMeta: $("report-meta"),
};

// ---------------------------------------------------------------------------
// State

let roles = [];
let session = null; // {session_id, token, last_seq, offer_url, negotiate_url}
let localStream = null;
let connectAttempt = 0; // increases per connection attempt; stale callbacks compare against it
let channelOpenTimer = null;
let pingTimer = null;
let finished = false;
let busy = false;

let questions = new Map(); // question_id -> {id, index, text}
let currentQuestionId = null;
let highestSeq = 0; // highest final seq rendered
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
let report = null; // the report rendered, for redrawing the chart on resize
let reportSlowTimer = null;
let chartWidth = 0; // width the report chart was last drawn at

// ---------------------------------------------------------------------------
// Small helpers

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

class MicError extends Error {
  constructor(message) {
    super(message);
    this.name = "MicError";
  }
}

function showError(message) {
  els.error.textContent = message;
  els.error.hidden = false;
}

function clearError() {
  els.error.textContent = "";
  els.error.hidden = true;
}

function errorMessage(err, fallback) {
  if (err && typeof err.message === "string" && err.message) return err.message;
  return fallback;
}

// Capitalises a server message and ends it with a full stop, so text can follow it.
function sentence(text) {
  const t = String(text).trim();
  if (!t) return t;
  const cap = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(cap) ? cap : `${cap}.`;
}

async function api(url, { method = "GET", token = null, body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network_error", "Could not reach the server. Check your connection and try again.");
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data && typeof data === "object" ? data.error : null;
    const code = (err && err.code) || `http_${res.status}`;
    const message = (err && err.message) || `The server answered with an error (HTTP ${res.status}).`;
    throw new ApiError(res.status, code, message);
  }
  if (!data || typeof data !== "object") {
    throw new ApiError(res.status, "bad_response", "The server sent an unexpected response.");
  }
  return data;
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
  updateCountLimit();
  setBusy(busy);
}

function selectedRole() {
  return roles.find((r) => r.id === els.role.value) || null;
}

function maxQuestionsForRole() {
  const role = selectedRole();
  const bank = role && Number.isInteger(role.question_count) && role.question_count > 0 ? role.question_count : MAX_QUESTIONS;
  return Math.min(MAX_QUESTIONS, bank);
}

function updateCountLimit() {
  const max = maxQuestionsForRole();
  els.count.max = String(max);
  const value = Number.parseInt(els.count.value, 10);
  if (Number.isInteger(value) && value > max) els.count.value = String(max);
  els.countHint.textContent = max === 1 ? "This role has 1 question." : `Between 1 and ${max}.`;
}

async function getMicrophone() {
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    throw new MicError(
      "This browser can't use a microphone on this page. Open Rehearse in an up-to-date browser " +
        "(over HTTPS or on localhost), allow microphone access, and try again."
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
    });
  } catch (err) {
    const name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      throw new MicError(
        "Microphone access was blocked. To allow it, click the microphone or lock icon in your browser's " +
          "address bar, set Microphone to \"Allow\" for this site (or check your system's privacy settings), then try again."
      );
    }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
      throw new MicError("No microphone was found. Connect a microphone, allow this site to use it, and try again.");
    }
    if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") {
      throw new MicError(
        "Your microphone could not be started. Close other apps or tabs that may be using it, then try again."
      );
    }
    throw new MicError(`The microphone could not be opened (${errorMessage(err, "unknown error")}). Allow microphone access and try again.`);
  }
}

async function startInterview(event) {
  event.preventDefault();
  if (busy) return;
  clearError();

  const role = els.role.value;
  if (!role) {
    showError("Choose a role for your interview.");
    els.role.focus();
    return;
  }
  const max = maxQuestionsForRole();
  const count = Number(els.count.value);
  if (!Number.isInteger(count) || count < 1 || count > max) {
    showError(`Choose between 1 and ${max} questions.`);
    els.count.focus();
    return;
  }

  setBusy(true, "Requesting microphone…");
  let stream;
  try {
    stream = await getMicrophone();
  } catch (err) {
    showError(errorMessage(err, "The microphone could not be opened."));
    setBusy(false);
    return;
  }

  setBusy(true, "Starting…");
  let created;
  try {
    created = await api("/api/sessions", { method: "POST", body: { role, question_count: count } });
    if (typeof created.session_id !== "string" || typeof created.token !== "string") {
      throw new ApiError(201, "bad_response", "The server sent an unexpected response.");
    }
  } catch (err) {
    stopStream(stream);
    showError(errorMessage(err, "The interview could not be created."));
    setBusy(false);
    return;
  }

  enterInterview(stream, {
    session_id: created.session_id,
    token: created.token,
    offer_url: (created.relay && created.relay.offer_url) || defaultOfferUrl(created.session_id),
    ice_servers: (created.relay && Array.isArray(created.relay.ice_servers) && created.relay.ice_servers) || [],
    negotiate_url:
      (created.pubsub && typeof created.pubsub.negotiate_url === "string" && created.pubsub.negotiate_url) ||
      defaultNegotiateUrl(created.session_id),
  }, created.questions);
  saveSession();
  startPubsub();
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

async function resumeInterview() {
  if (busy) return;
  clearError();
  const saved = loadSession();
  if (!saved) {
    els.resume.hidden = true;
    showError("There is no interview to resume. Start a new one.");
    return;
  }

  setBusy(true);
  let data;
  try {
    data = await api(`/api/sessions/${encodeURIComponent(saved.session_id)}`, { token: saved.token });
  } catch (err) {
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
      showError(errorMessage(err, "The microphone could not be opened."));
      setBusy(false);
      return;
    }
  }

  enterInterview(stream, {
    session_id: saved.session_id,
    token: saved.token,
    offer_url: saved.offer_url || defaultOfferUrl(saved.session_id),
    ice_servers: Array.isArray(saved.ice_servers) ? saved.ice_servers : [],
    negotiate_url: saved.negotiate_url || defaultNegotiateUrl(saved.session_id),
  }, data.questions);

  const segments = Array.isArray(data.transcript) ? data.transcript.slice() : [];
  segments.sort((a, b) => Number(a && a.seq) - Number(b && b.seq));
  for (const seg of segments) {
    if (seg && typeof seg === "object") renderFinal(seg, false);
  }
  session.last_seq = highestSeq;

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
  startPubsub();
  await connect();
}

// ---------------------------------------------------------------------------
// Interview view

function showInterviewView() {
  els.setup.hidden = true;
  els.resume.hidden = true;
  els.interview.hidden = false;
}

function showSetupView() {
  els.interview.hidden = true;
  els.setup.hidden = false;
  els.resume.hidden = loadSession() === null;
  setBusy(false);
}

function resetInterview() {
  stopPubsub();
  hideCue(false);
  resetReport();
  finished = false;
  questions = new Map();
  currentQuestionId = null;
  highestSeq = 0;
  lines = new Map();
  finalizedKeys = new Set();
  wordsShown = new Map();
  groups = new Map();
  answerEnded = new Set();
  els.transcript.replaceChildren();
  els.question.textContent = "Connecting to your interviewer…";
  els.questionLabel.textContent = "Current question";
  els.progress.textContent = "";
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

const CONNECTION_LABELS = {
  idle: "Not connected",
  connecting: "Connecting…",
  connected: "Connected",
  disconnected: "Disconnected",
  ended: "Finished",
};

function setConnection(state) {
  els.connection.dataset.state = state;
  els.connectionLabel.textContent = CONNECTION_LABELS[state] || state;
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
    group.append(heading);
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
  if (!Number.isFinite(seq) || seq <= highestSeq) return false;

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
  el.textContent = typeof seg.text === "string" ? seg.text : "";
  el.dataset.seq = String(seq);
  if (seg.segment_id != null) el.dataset.segmentId = String(seg.segment_id);
  finalizedKeys.add(key);
  highestSeq = seq;
  if (session) {
    session.last_seq = seq;
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

function stopPing() {
  if (pingTimer !== null) {
    clearInterval(pingTimer);
    pingTimer = null;
  }
}

function startPing() {
  stopPing();
  pingTimer = setInterval(() => {
    if (isConnected()) send({ type: "ping", t: Date.now() });
  }, PING_INTERVAL_MS);
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
  stopPing();
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

async function connect() {
  if (!session) return;
  const attempt = ++connectAttempt;
  const isCurrent = () => attempt === connectAttempt && !finished;

  teardownPeer();
  setConnection("connecting");
  setControlsEnabled(false);
  els.reconnect.hidden = true;
  els.status.textContent = "Connecting…";

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

  const pc = new RTCPeerConnection({ iceServers: (session && session.ice_servers) || [] });
  rehearse.pc = pc;
  const track = localStream.getAudioTracks()[0];
  pc.addTransceiver(track, { direction: "sendrecv" });

  pc.ontrack = (event) => {
    const stream = event.streams && event.streams[0] ? event.streams[0] : new MediaStream([event.track]);
    if (els.audio.srcObject !== stream) els.audio.srcObject = stream;
    const playing = els.audio.play();
    if (playing && typeof playing.catch === "function") playing.catch(() => {});
  };
  pc.onconnectionstatechange = () => {
    if (!isCurrent()) return;
    if (pc.connectionState === "failed") connectionLost();
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
    connectionLost();
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
      connectionLost("Could not connect to the interviewer in time. Select Reconnect to try again.");
    }
  }, CHANNEL_OPEN_TIMEOUT_MS);
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
    stopPubsub();
    hideCue(false);
    clearSession();
    setConnection("disconnected");
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
  if (err instanceof ApiError) {
    connectionLost(`${sentence(err.message)}${err.status === 409 ? " Wait a moment, then select Reconnect." : ""}`);
  } else {
    connectionLost(`Could not connect to the interviewer (${errorMessage(err, "WebRTC error")}).`);
  }
}

function connectionLost(message) {
  if (finished) return;
  stopPing();
  clearTimeout(channelOpenTimer);
  channelOpenTimer = null;
  setControlsEnabled(false);
  setConnection("disconnected");
  els.status.textContent = "Connection lost";
  els.rtt.textContent = "";
  els.reconnect.hidden = false;
  showError(message || "The connection to the interviewer was lost. Select Reconnect to continue where you left off.");
}

function onChannelOpen() {
  clearTimeout(channelOpenTimer);
  channelOpenTimer = null;
  clearError();
  setConnection("connected");
  setControlsEnabled(true);
  els.reconnect.hidden = true;
  els.status.textContent = "Connected";
  send({ type: "hello", after_seq: highestSeq });
  startPing();
}

function onEnded() {
  finished = true;
  connectAttempt++;
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
    if (!pubsub.active) startPubsub();
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
  rehearse.metrics.messages++;
  if (typeof data !== "string") return;
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return;
  }
  if (!msg || typeof msg !== "object") return;

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
      if (typeof msg.t === "number") {
        const rtt = Math.max(0, Math.round(Date.now() - msg.t));
        els.rtt.textContent = `${rtt} ms`;
        els.rtt.title = `Round-trip time to the relay: ${rtt} ms`;
      }
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
    els.status.textContent = STATUS_LABELS[msg.status] || msg.status;
    document.body.dataset.interviewState = msg.status;
  }
  updateProgress(msg.question_index, msg.total);
  if (msg.status === "ended") setControlsEnabled(false);
}

function handleQuestion(msg) {
  if (typeof msg.question_id === "string") {
    if (msg.question_id !== currentQuestionId || (cueQuestionId !== null && cueQuestionId !== msg.question_id)) {
      hideCue(true); // a cue belongs to one answer
    }
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
  pill.textContent = text;
  els.cue.classList.remove("fading");
  els.cue.dataset.kind = kind;
  els.cue.replaceChildren(pill); // a newer cue replaces the older one
  cueQuestionId = questionId == null ? "" : questionId;
  cueTimer = setTimeout(() => hideCue(true), CUE_VISIBLE_MS);

  requestAnimationFrame(() => {
    rehearse.metrics.cues.push({ kind, text, rendered_ms: nowMs() });
  });
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
// Pub/sub (Web PubSub JSON subprotocol): scores, summaries and the report

const pubsub = {
  active: false, // wanted for this session: until the report is shown
  attempt: 0, // increases per connection attempt; stale callbacks compare against it
  ws: null,
  timer: null,
  backoffS: 1,
};

function pubsubWanted() {
  return pubsub.active && !!session && !reportShown && !els.interview.hidden;
}

function startPubsub() {
  stopPubsub();
  if (!session || reportShown) return;
  pubsub.active = true;
  pubsub.backoffS = 1;
  openPubsub();
}

function closeSocket() {
  const ws = pubsub.ws;
  pubsub.ws = null;
  if (!ws) return;
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
  if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
    try {
      ws.close(1000, "done");
    } catch {
      // ignore
    }
  }
}

function stopPubsub() {
  pubsub.active = false;
  suspendPubsub();
}

// Close the socket but stay active (page hidden into the back/forward cache).
function suspendPubsub() {
  pubsub.attempt++;
  clearTimeout(pubsub.timer);
  pubsub.timer = null;
  closeSocket();
}

function resumePubsub() {
  if (pubsubWanted() && !pubsub.ws && pubsub.timer === null) openPubsub();
}

function schedulePubsubRetry() {
  if (!pubsubWanted()) return;
  clearTimeout(pubsub.timer);
  const delay = pubsub.backoffS * 1000;
  pubsub.backoffS = Math.min(PUBSUB_MAX_BACKOFF_S, pubsub.backoffS * 2);
  pubsub.timer = setTimeout(() => {
    pubsub.timer = null;
    openPubsub();
  }, delay);
}

function webSocketUrl(url) {
  const u = new URL(url, window.location.href);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  return u.href;
}

async function openPubsub() {
  if (!pubsubWanted()) return;
  const attempt = ++pubsub.attempt;
  const current = () => attempt === pubsub.attempt && pubsubWanted();
  closeSocket();
  const owner = session;
  const negotiateUrl = owner.negotiate_url || defaultNegotiateUrl(owner.session_id);

  let access;
  try {
    access = await api(negotiateUrl, { token: owner.token });
  } catch (err) {
    if (!current()) return;
    if (err && (err.status === 401 || err.status === 403 || err.status === 404)) {
      pubsub.active = false; // this token can't get updates; nothing to retry
      return;
    }
    schedulePubsubRetry();
    return;
  }
  if (!current()) return;
  if (typeof access.url !== "string" || typeof access.group !== "string") {
    schedulePubsubRetry();
    return;
  }

  let ws;
  try {
    ws = new WebSocket(webSocketUrl(access.url), PUBSUB_SUBPROTOCOL);
  } catch {
    schedulePubsubRetry();
    return;
  }
  pubsub.ws = ws;
  const group = access.group;
  ws.onopen = () => {
    if (!current()) return;
    ws.send(JSON.stringify({ type: "joinGroup", group, ackId: 1 }));
  };
  ws.onmessage = (event) => {
    if (!current()) return;
    onPubsubFrame(ws, event.data);
  };
  ws.onclose = () => {
    if (attempt !== pubsub.attempt) return;
    pubsub.ws = null;
    schedulePubsubRetry();
  };
  ws.onerror = () => {
    // A close follows; handled by onclose.
  };
}

function onPubsubFrame(ws, raw) {
  if (typeof raw !== "string") return;
  let frame;
  try {
    frame = JSON.parse(raw);
  } catch {
    return;
  }
  if (!frame || typeof frame !== "object") return;

  if (frame.type === "ack" && frame.ackId === 1) {
    const joined = frame.success === true || (frame.error && frame.error.name === "Duplicate");
    if (!joined) {
      ws.close(); // retried with backoff by onclose
      return;
    }
    pubsub.backoffS = 1;
    catchUpFeedback(); // events published while we were not in the group were missed
    return;
  }
  if (frame.type === "message" && frame.from === "group") {
    let data = frame.data;
    if (typeof data === "string") {
      try {
        data = JSON.parse(data);
      } catch {
        return;
      }
    }
    if (!data || typeof data !== "object") return;
    rehearse.metrics.pubsubEvents++;
    onFeedbackEvent(data);
  }
}

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

function toScore(value) {
  const n = Number(value);
  if (value === null || value === undefined || value === "" || !Number.isFinite(n)) return null;
  return Math.max(0, Math.min(100, Math.round(n)));
}

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
// Final report

function svg(name, attrs = {}, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function num(value) {
  const n = Number(value);
  return value === null || value === undefined || !Number.isFinite(n) ? null : n;
}

function fmt(value, digits = 0) {
  const n = num(value);
  if (n === null) return "–";
  return digits === 0 ? String(Math.round(n)) : n.toFixed(digits);
}

function shorten(text, max = 80) {
  const t = String(text || "").replace(/\s+/g, " ").trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, "")}…`;
}

function confidenceLevel(dim) {
  if (dim && ["low", "medium", "high"].includes(dim.level)) return dim.level;
  const c = num(dim && dim.confidence);
  if (c === null) return null;
  return c < 0.4 ? "low" : c < 0.7 ? "medium" : "high";
}

function resetReport() {
  clearTimeout(reportSlowTimer);
  reportSlowTimer = null;
  scoresByQuestion = new Map();
  summaryKeys = new Map();
  reportKey = null;
  reportShown = false;
  report = null;
  els.report.hidden = true;
  els.reportOverall.textContent = "";
  els.reportDimensions.replaceChildren();
  els.reportQuestions.tBodies[0].replaceChildren();
  els.reportChart.replaceChildren();
  els.reportChart.setAttribute("data-points", "0");
  els.reportChartDesc.textContent = "";
  els.reportRecommendations.replaceChildren();
  els.reportExample.replaceChildren();
  els.reportExample.hidden = true;
  els.reportMeta.textContent = "";
}

function onReport(data) {
  if (!data || typeof data !== "object") return;
  const key = typeof data.id === "string" && data.id ? data.id : JSON.stringify(data);
  if (key === reportKey) return; // a duplicate
  reportKey = key;
  report = data;
  for (const q of Array.isArray(data.questions) ? data.questions : []) {
    if (q && typeof q.question_id === "string") noteQuestion(q.question_id, q.question_index, q.question_text);
  }

  renderOverall(data);
  renderQuestionTable(data);
  renderRecommendations(data);
  renderExample(data);
  renderReportMeta(data);
  const firstTime = !reportShown;
  els.report.hidden = false;
  reportShown = true;
  drawChart(); // needs the report visible to measure its width

  stopPubsub(); // the report is in: no more updates needed
  clearTimeout(reportSlowTimer);
  reportSlowTimer = null;
  if (finished) setEndedMessage("Thanks for practising. Your report is below, followed by your transcript.");
  if (firstTime) revealReport();
}

function revealReport() {
  const reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  els.report.scrollIntoView({ behavior: reduce ? "auto" : "smooth", block: "start" });
  // Focus follows only when it was lost (the interview controls it was on are hidden now).
  const active = document.activeElement;
  if (!active || active === document.body) els.report.focus({ preventScroll: true });
}

function renderOverall(data) {
  const scores = data.scores && typeof data.scores === "object" ? data.scores : {};
  let overall = toScore(data.overall);
  if (overall === null) {
    const values = DIMENSIONS.map((d) => toScore(scores[d] && scores[d].score)).filter((v) => v !== null);
    overall = values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : null;
  }
  els.reportOverall.textContent = overall === null ? "–" : String(overall);

  const items = DIMENSIONS.map((name) => renderDimension(name, scores[name]));
  els.reportDimensions.replaceChildren(...items);
}

function renderDimension(name, dim) {
  const label = DIMENSION_LABELS[name];
  const score = toScore(dim && dim.score);
  const box = make("div", "dimension");
  box.dataset.dimension = name;

  const head = make("div", "dimension-head");
  const nameEl = make("span", "dimension-name", label);
  const scoreEl = make("span", "dimension-score", score === null ? "–" : String(score));
  head.append(nameEl, scoreEl, make("span", "visually-hidden", " out of 100"));

  const bar = make("div", "bar");
  bar.setAttribute("aria-hidden", "true"); // the number beside it says the same
  const fill = make("div", "bar-fill");
  fill.style.width = `${score === null ? 0 : score}%`;
  bar.append(fill);

  box.append(head, bar);

  const level = confidenceLevel(dim);
  if (level) {
    const chipRow = make("div", "chip-row");
    const chip = make("button", "confidence-chip", `Confidence: ${level}`);
    chip.type = "button";
    chip.dataset.level = level;
    chip.title = CONFIDENCE_HELP;
    chip.setAttribute("aria-expanded", "false");
    const tip = make("span", "chip-tip", CONFIDENCE_HELP);
    tip.id = `confidence-tip-${name}`;
    tip.setAttribute("role", "tooltip");
    chip.setAttribute("aria-describedby", tip.id);
    // Click / tap toggles the explanation (touch screens have no hover); Escape hides it.
    chip.addEventListener("click", () => {
      chip.setAttribute("aria-expanded", chip.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
    chip.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        chip.setAttribute("aria-expanded", "false");
        chip.classList.add("tip-dismissed");
      }
    });
    chip.addEventListener("blur", () => {
      chip.setAttribute("aria-expanded", "false");
      chip.classList.remove("tip-dismissed");
    });
    chipRow.append(chip, tip);
    box.append(chipRow);
  }

  const evidence = Array.isArray(dim && dim.evidence) ? dim.evidence.filter((e) => typeof e === "string" && e.trim()) : [];
  const details = make("details", "evidence");
  const summary = make("summary", null, evidence.length ? `Evidence (${evidence.length})` : "Evidence");
  details.append(summary);
  if (evidence.length) {
    const list = make("ul");
    for (const line of evidence) list.append(make("li", null, line.trim()));
    details.append(list);
  } else {
    details.append(make("p", "muted", "No evidence was recorded for this score."));
  }
  box.append(details);
  return box;
}

function renderQuestionTable(data) {
  const rows = (Array.isArray(data.questions) ? data.questions : []).filter((q) => q && typeof q === "object");
  rows.sort((a, b) => Number(a.question_index) - Number(b.question_index));
  const body = els.reportQuestions.tBodies[0];
  const trs = rows.map((q, i) => {
    const tr = document.createElement("tr");
    if (typeof q.question_id === "string") tr.dataset.questionId = q.question_id;
    const weakest = q.question_id && q.question_id === data.weakest_question_id;
    if (weakest) tr.classList.add("weakest");
    const number = Number.isInteger(q.question_index) ? q.question_index + 1 : i + 1;
    const th = make("th", "num", String(number));
    th.scope = "row";
    const text = typeof q.question_text === "string" ? q.question_text : "";
    const td = make("td", "q-text");
    const short = make("span", null, shorten(text, 70) || `Question ${number}`);
    if (text) td.title = text;
    td.append(short);
    if (weakest) td.append(" ", make("span", "tag", "Weakest"));
    const scores = q.scores && typeof q.scores === "object" ? q.scores : {};
    const cells = [
      fmt(toScore(q.overall)),
      ...DIMENSIONS.map((d) => fmt(toScore(scores[d] && scores[d].score))),
      fmt(q.pace_wpm),
      fmt(q.fillers_per_min, 1),
    ].map((value, k) => make("td", k === 0 ? "num overall-cell" : "num", value));
    tr.append(th, td, ...cells);
    return tr;
  });
  if (trs.length === 0) {
    const tr = document.createElement("tr");
    const td = make("td", "muted", "No answered questions to score.");
    td.colSpan = 9;
    tr.append(td);
    trs.push(tr);
  }
  body.replaceChildren(...trs);
}

function timelinePoints(data) {
  const points = (Array.isArray(data && data.timeline) ? data.timeline : [])
    .filter((p) => p && typeof p === "object" && num(p.pace_wpm) !== null)
    .map((p) => ({
      question: Number.isInteger(p.question_index) ? p.question_index : 0,
      minute: num(p.minute) ?? 0,
      pace: Math.max(0, num(p.pace_wpm)),
      fillers: Math.max(0, num(p.fillers_per_min) ?? 0),
    }));
  points.sort((a, b) => a.question - b.question || a.minute - b.minute);
  return points;
}

// A round axis maximum at or above the data (its half is round too: ticks are 0, half and max).
function niceMax(value, floor) {
  const v = Math.max(value, floor);
  const nice = [2, 4, 6, 8, 10, 12, 16, 20, 30, 40, 60, 80, 100, 120, 160, 200, 240, 300, 400, 600, 800, 1000];
  return nice.find((n) => n >= v) || Math.ceil(v / 1000) * 1000;
}

function drawChart() {
  const chart = els.reportChart;
  const points = report ? timelinePoints(report) : [];
  chart.setAttribute("data-points", String(points.length));
  const questionsShown = [...new Set(points.map((p) => p.question))];
  chart.setAttribute("data-questions", String(questionsShown.length));

  chartWidth = Math.round(els.reportChartBox.clientWidth);
  const width = Math.max(280, chartWidth || 640);
  const narrow = width < 480;
  const m = { left: 46, right: 14, top: 10, bottom: 44 };
  const panelH = narrow ? 100 : 120;
  const gap = 34;
  const height = m.top + panelH + gap + panelH + m.bottom;
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  chart.setAttribute("width", String(width));
  chart.setAttribute("height", String(height));
  chart.dataset.width = String(width);

  const nodes = [];
  const plotW = width - m.left - m.right;
  const panels = [
    { key: "pace", label: "Pace (wpm)", top: m.top, max: niceMax(Math.max(0, ...points.map((p) => p.pace)), 160) },
    { key: "fillers", label: "Fillers / min", top: m.top + panelH + gap, max: niceMax(Math.max(0, ...points.map((p) => p.fillers)), 4) },
  ];

  if (points.length === 0) {
    nodes.push(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, "Not enough speech to chart pace and fillers."));
    chart.replaceChildren(...nodes);
    els.reportChartDesc.textContent = "There was not enough timed speech to chart pace and fillers.";
    return;
  }

  const step = plotW / points.length;
  const xAt = (i) => m.left + step * (i + 0.5);

  for (const panel of panels) {
    const yAt = (v) => panel.top + panelH - (Math.min(v, panel.max) / panel.max) * panelH;
    panel.yAt = yAt;
    // grid and y ticks: 0, half, max
    for (const t of [0, panel.max / 2, panel.max]) {
      const y = yAt(t);
      nodes.push(svg("line", { x1: m.left, x2: width - m.right, y1: y, y2: y, class: t === 0 ? "chart-axis" : "chart-grid" }));
      nodes.push(svg("text", { x: m.left - 6, y: y + 4, "text-anchor": "end", class: "chart-tick" }, String(Number(t.toFixed(1)))));
    }
    // panel label, rotated along the y axis
    const cy = panel.top + panelH / 2;
    nodes.push(svg("text", { x: 12, y: cy, transform: `rotate(-90 12 ${cy})`, "text-anchor": "middle", class: "chart-axis-label" }, panel.label));
  }

  // question boundaries and labels
  let start = 0;
  for (let i = 1; i <= points.length; i++) {
    if (i === points.length || points[i].question !== points[start].question) {
      const mid = (xAt(start) + xAt(i - 1)) / 2;
      nodes.push(svg("text", { x: mid, y: height - m.bottom + 18, "text-anchor": "middle", class: "chart-tick" }, `Q${points[start].question + 1}`));
      if (i < points.length) {
        const x = m.left + step * i;
        nodes.push(svg("line", { x1: x, x2: x, y1: m.top, y2: height - m.bottom, class: "chart-divider" }));
      }
      start = i;
    }
  }
  nodes.push(svg("text", { x: m.left + plotW / 2, y: height - 8, "text-anchor": "middle", class: "chart-axis-label" }, narrow ? "Question (a point per minute)" : "Question (one point per minute of each answer)"));

  // series: a line per question (answers are not continuous), then the points with their values
  for (const panel of panels) {
    const value = (p) => (panel.key === "pace" ? p.pace : p.fillers);
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        nodes.push(svg("polyline", { points: run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "), class: `chart-line series-${panel.key}` }));
      }
      run = [];
    };
    points.forEach((p, i) => {
      if (i > 0 && p.question !== points[i - 1].question) flush();
      run.push([xAt(i), panel.yAt(value(p))]);
    });
    flush();
    points.forEach((p, i) => {
      const x = xAt(i);
      const y = panel.yAt(value(p));
      const g = svg("g", { class: `chart-point series-${panel.key}`, "data-index": i });
      g.append(
        svg("title", {}, `Question ${p.question + 1}, minute ${fmt(p.minute, 1)}: pace ${fmt(p.pace)} wpm, ${fmt(p.fillers, 1)} fillers per minute`)
      );
      g.append(svg("circle", { cx: x, cy: y, r: 10, class: "chart-hit" }));
      if (panel.key === "pace") g.append(svg("circle", { cx: x, cy: y, r: 4.5, class: "chart-marker" }));
      else g.append(svg("rect", { x: x - 4, y: y - 4, width: 8, height: 8, class: "chart-marker" }));
      nodes.push(g);
    });
  }
  chart.replaceChildren(...nodes);

  const paces = points.map((p) => p.pace);
  const fillers = points.map((p) => p.fillers);
  const avg = paces.reduce((a, b) => a + b, 0) / paces.length;
  const qs = questionsShown.length;
  els.reportChartDesc.textContent =
    `${points.length} ${points.length === 1 ? "point" : "points"} across ${qs} ${qs === 1 ? "question" : "questions"}. ` +
    `Pace ranged from ${fmt(Math.min(...paces))} to ${fmt(Math.max(...paces))} words per minute (average ${fmt(avg)}); ` +
    `fillers from ${fmt(Math.min(...fillers), 1)} to ${fmt(Math.max(...fillers), 1)} per minute. Hover a point for its values.`;
}

function renderRecommendations(data) {
  const recs = (Array.isArray(data.recommendations) ? data.recommendations : []).filter((r) => typeof r === "string" && r.trim());
  const items = recs.map((r) => make("li", null, r.trim()));
  if (items.length === 0) items.push(make("li", "muted", "No specific recommendations this time: keep practising."));
  els.reportRecommendations.replaceChildren(...items);
}

function renderExample(data) {
  const box = els.reportExample;
  const nodes = [];
  const weakestId = typeof data.weakest_question_id === "string" ? data.weakest_question_id : null;
  const fromReport = weakestId && Array.isArray(data.questions) ? data.questions.find((q) => q && q.question_id === weakestId) : null;
  const known = weakestId ? questions.get(weakestId) : null;
  const weakText = (fromReport && fromReport.question_text) || (known && known.text) || "";
  const weakIndex = fromReport && Number.isInteger(fromReport.question_index) ? fromReport.question_index : known ? known.index : null;
  const ex = data.example_phrasing && typeof data.example_phrasing === "object" ? data.example_phrasing : null;
  const hasExample = ex && typeof ex.original === "string" && typeof ex.improved === "string" && ex.original.trim() && ex.improved.trim();

  nodes.push(make("h3", "report-heading", hasExample ? "Example phrasing" : "Your weakest answer"));
  if (weakestId) {
    const p = make("p", "weakest-note");
    const name = Number.isInteger(weakIndex) ? `Question ${weakIndex + 1}` : "One question";
    p.append(hasExample ? "From your weakest answer, " : "Your weakest answer was ", make("strong", null, name));
    if (weakText) p.append(": ", make("q", null, shorten(weakText, 120)));
    else p.append(".");
    nodes.push(p);
  }
  if (hasExample) {
    const wrap = make("div", "rewrite");
    const before = make("p", "rewrite-original");
    before.append(make("span", "rewrite-label", "Instead of:"), " ", make("q", null, ex.original.trim()));
    const after = make("p", "rewrite-improved");
    after.append(make("span", "rewrite-label", "Try:"), " ", make("q", null, ex.improved.trim()));
    wrap.append(before, after);
    nodes.push(wrap);
  }
  box.replaceChildren(...nodes);
  box.hidden = !weakestId && !hasExample;
}

function renderReportMeta(data) {
  const parts = [];
  const rubric = data.rubric && typeof data.rubric === "object" ? data.rubric : null;
  if (rubric && rubric.id) {
    parts.push(`Scored with the “${rubric.id}” rubric${rubric.version ? `, version ${rubric.version}` : ""}.`);
  }
  const evaluator = typeof data.evaluator === "string" ? data.evaluator : "";
  if (evaluator === "llm") parts.push("Feedback written by an LLM (AI language model).");
  else if (evaluator === "deterministic") parts.push("Feedback from the deterministic evaluator (rule-based, no AI model).");
  else if (evaluator) parts.push(`Feedback from the ${evaluator} evaluator.`);
  els.reportMeta.textContent = parts.join(" ");
  els.reportMeta.dataset.evaluator = evaluator;
  if (rubric) {
    els.reportMeta.dataset.rubricId = String(rubric.id || "");
    els.reportMeta.dataset.rubricVersion = String(rubric.version || "");
  }
}

if (typeof ResizeObserver === "function") {
  new ResizeObserver((entries) => {
    const w = Math.round(entries[0].contentRect.width);
    if (!reportShown || w === 0 || w === chartWidth) return;
    chartWidth = w;
    drawChart();
  }).observe(els.reportChartBox);
}

// ---------------------------------------------------------------------------
// Controls

function nextQuestion() {
  if (isConnected()) send({ type: "next" });
}

function repeatQuestion() {
  if (isConnected()) send({ type: "repeat" });
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
  if (els.interview.hidden || isTypingTarget(event.target)) return;
  const key = event.key.toLowerCase();
  if (key === "n" && !els.next.disabled) {
    event.preventDefault();
    nextQuestion();
  } else if (key === "r" && !els.repeat.disabled) {
    event.preventDefault();
    repeatQuestion();
  }
}

async function reconnect() {
  clearError();
  await connect();
}

function newInterview() {
  finished = true;
  connectAttempt++;
  stopPubsub();
  hideCue(false);
  clearTimeout(reportSlowTimer);
  teardownPeer();
  stopStream(localStream);
  localStream = null;
  clearSession();
  session = null;
  clearError();
  els.audio.srcObject = null;
  showSetupView();
  els.role.focus();
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

els.setupForm.addEventListener("submit", runAsync(startInterview));
els.resume.addEventListener("click", runAsync(resumeInterview));
els.role.addEventListener("change", updateCountLimit);
els.next.addEventListener("click", nextQuestion);
els.repeat.addEventListener("click", repeatQuestion);
els.end.addEventListener("click", endInterview);
els.reconnect.addEventListener("click", runAsync(reconnect));
els.newInterview.addEventListener("click", newInterview);
document.addEventListener("keydown", onKeyDown);
window.addEventListener("pagehide", () => {
  // Free the relay connection so a reload can resume without "session_busy".
  if (rehearse.pc && rehearse.pc.signalingState !== "closed") rehearse.pc.close();
  suspendPubsub();
});
window.addEventListener("pageshow", (event) => {
  // Restored from the back/forward cache: the peer connection was closed on pagehide.
  if (event.persisted && session && !finished && !els.interview.hidden) {
    teardownPeer();
    connectionLost();
  }
  if (event.persisted) resumePubsub();
});

els.resume.hidden = loadSession() === null;
loadRoles();
