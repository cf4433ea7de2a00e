// Rehearse: browser client for live AI mock interviews.
// Contract with the server: docs/protocol.md (HTTP API + WebRTC data channel "rehearse", version 1).

const PROTOCOL_VERSION = 1;
const STORAGE_KEY = "rehearse.session";
const ICE_GATHER_TIMEOUT_MS = 3000;
const CHANNEL_OPEN_TIMEOUT_MS = 15000;
const PING_INTERVAL_MS = 5000;
const MAX_QUESTIONS = 10;

// Latency instrumentation: benchmarks and tests read this object; keep its shape.
const rehearse = {
  pc: null,
  channel: null,
  sessionId: null,
  metrics: { partialWords: [], finals: [], messages: 0 },
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
};

// ---------------------------------------------------------------------------
// State

let roles = [];
let session = null; // {session_id, token, last_seq, offer_url}
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
  }, created.questions);
  saveSession();
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
  }, data.questions);

  const segments = Array.isArray(data.transcript) ? data.transcript.slice() : [];
  segments.sort((a, b) => Number(a && a.seq) - Number(b && b.seq));
  for (const seg of segments) {
    if (seg && typeof seg === "object") renderFinal(seg, false);
  }
  session.last_seq = highestSeq;

  if (ended) {
    onEnded();
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

function groupFor(questionId) {
  const id = questionId == null ? "" : String(questionId);
  let group = groups.get(id);
  if (!group) {
    group = document.createElement("section");
    group.className = "q-group";
    if (id) group.dataset.questionId = id;
    const heading = document.createElement("h3");
    heading.className = "q-heading";
    heading.textContent = headingFor(questionId);
    const q = questions.get(id);
    if (q && q.text) heading.title = q.text;
    group.append(heading);
    els.transcript.append(group);
    groups.set(id, group);
  }
  return group;
}

function refreshGroupHeading(questionId) {
  const group = groups.get(String(questionId));
  if (!group) return;
  const heading = group.querySelector(".q-heading");
  if (!heading) return;
  heading.textContent = headingFor(questionId);
  const q = questions.get(questionId);
  if (q && q.text) heading.title = q.text;
}

function appendToGroup(group, el) {
  // Keep the "Answer recorded" note last in its group.
  const note = group.querySelector(":scope > .answer-end");
  if (note && el !== note) group.insertBefore(el, note);
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
  groupFor(questionId).append(note);
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

  const pc = new RTCPeerConnection({ iceServers: [] });
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
  els.ended.querySelector("p").textContent = "Thanks for practising. Your transcript is below.";
  els.ended.hidden = false;
  document.body.dataset.interviewState = "ended";
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
});
window.addEventListener("pageshow", (event) => {
  // Restored from the back/forward cache: the peer connection was closed on pagehide.
  if (event.persisted && session && !finished && !els.interview.hidden) {
    teardownPeer();
    connectionLost();
  }
});

els.resume.hidden = loadSession() === null;
loadRoles();
