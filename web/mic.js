// The microphone: opening it (with guidance when the browser refuses), and the setup's check: a live level meter
// (Web Audio AnalyserNode) and a short test recording to play back (MediaRecorder).

import { make } from "./dom.js";

// Echo cancellation keeps the interviewer's own voice, played by the speakers, from sounding like the candidate speaking over it.
const CONSTRAINTS = { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 } };
const METER_FLOOR_DB = -60; // quieter than this shows as an empty meter
const METER_ARIA_MS = 250; // aria-valuenow changes at most this often: screen readers need no 60 Hz updates
export const TEST_RECORDING_MS = 3000;

// kind: "denied" | "missing" | "busy" | "unsupported" | "other"; the message is one line for the error banner.
export class MicError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = "MicError";
    this.kind = kind;
  }
}

export async function getMicrophone() {
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    throw new MicError(
      "unsupported",
      "This browser can't use a microphone on this page. Open Rehearse in an up-to-date browser (over HTTPS or on localhost) and try again."
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
  } catch (err) {
    throw toMicError(err);
  }
}

// Releases a microphone stream (null is fine).
export function stopStream(stream) {
  if (!stream) return;
  for (const track of stream.getTracks()) track.stop();
}

function toMicError(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return new MicError(
      "denied",
      "Microphone access is blocked. Allow this site to use the microphone (the icon in the address bar), then try again."
    );
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return new MicError("missing", "No microphone was found. Connect one, check it is switched on, and try again.");
  }
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") {
    return new MicError("busy", "Your microphone could not be started. Close other apps or tabs that may be using it, then try again.");
  }
  const detail = err && err.message ? ` (${err.message})` : "";
  return new MicError("other", `The microphone could not be opened${detail}. Allow microphone access and try again.`);
}

// What to do about a MicError, as a small block of headed guidance.
export function micHelp(err) {
  const kind = err instanceof MicError ? err.kind : "other";
  const box = document.createDocumentFragment();
  const title = (text) => box.append(make("h4", null, text));
  const para = (text) => box.append(make("p", null, text));
  const list = (tag, items) => {
    const el = make(tag);
    for (const item of items) el.append(make("li", null, item));
    box.append(el);
  };
  if (kind === "denied") {
    title("Microphone access is blocked");
    para("Rehearse needs your microphone to hear your answers. To allow it again:");
    list("ol", [
      "Chrome or Edge: select the icon at the left end of the address bar (a lock or sliders), open Site settings, and set Microphone to Allow.",
      "Firefox: select the crossed-out microphone in the address bar and clear the block, or go to Settings, Privacy & Security, Permissions, Microphone.",
      "Safari: choose Safari, Settings for this website, and set Microphone to Allow.",
      "Reload this page and select Check microphone again.",
    ]);
    para(
      "Still blocked? Your system may stop the browser from using the microphone: on Windows see Settings, Privacy, Microphone; " +
        "on macOS see System Settings, Privacy & Security, Microphone."
    );
  } else if (kind === "missing") {
    title("No microphone found");
    list("ul", [
      "Plug in a headset or microphone, or switch on your computer's built-in one.",
      "Check that it is not muted and is chosen as the input in your system's sound settings.",
      "Then select Check microphone again.",
    ]);
  } else if (kind === "busy") {
    title("The microphone is in use");
    para("Another app or tab may be using it. Close video calls or recorders, then select Check microphone again.");
  } else if (kind === "unsupported") {
    title("This browser can't use a microphone here");
    para("Open Rehearse in an up-to-date Chrome, Edge, Firefox or Safari, over HTTPS or on localhost.");
  } else {
    title("The microphone could not be opened");
    para(err && err.message ? err.message : "Allow microphone access and try again.");
  }
  return box;
}

// The setup's microphone check. Elements: the meter (role="meter"), a status line, the test button, and the
// playback <audio> with its row.
export class MicCheck {
  constructor({ meter, status, testButton, playback, playbackRow }) {
    Object.assign(this, { meter, status, testButton, playback, playbackRow });
    this.fill = meter.querySelector(".meter-fill");
    this.stream = null;
    this.context = null;
    this.analyser = null;
    this.samples = null;
    this.frame = 0;
    this.ariaAt = 0;
    this.recorder = null;
    this.playbackUrl = null;
    this.peak = 0; // highest level seen since the check started (tests and the "we hear you" note read it)
  }

  get active() {
    return this.stream !== null;
  }

  async start() {
    if (this.active) return;
    const stream = await getMicrophone();
    this.stream = stream;
    const Context = window.AudioContext || window.webkitAudioContext;
    this.context = new Context();
    if (this.context.state === "suspended") await this.context.resume().catch(() => {});
    const source = this.context.createMediaStreamSource(stream);
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.analyser.smoothingTimeConstant = 0.3;
    source.connect(this.analyser); // not to the speakers: the candidate should not hear themselves echo
    this.samples = new Float32Array(this.analyser.fftSize);
    this.peak = 0;
    this.meter.dataset.active = "true";
    this.testButton.disabled = typeof window.MediaRecorder !== "function";
    this.status.textContent = "Listening. Say a few words: the bar should move as you speak.";
    const tick = () => {
      this.frame = requestAnimationFrame(tick);
      this.show(this.level());
    };
    tick();
  }

  // The input's level from 0 to 100: RMS in dBFS, from METER_FLOOR_DB (0) to full scale (100).
  level() {
    if (!this.analyser) return 0;
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const s of this.samples) sum += s * s;
    const rms = Math.sqrt(sum / this.samples.length);
    if (rms <= 0) return 0;
    const db = 20 * Math.log10(rms);
    return Math.max(0, Math.min(100, Math.round(((db - METER_FLOOR_DB) / -METER_FLOOR_DB) * 100)));
  }

  show(level) {
    this.fill.style.width = `${level}%`;
    this.meter.dataset.loud = level > 85 ? "true" : "false";
    if (level > this.peak) {
      if (this.peak < 20 && level >= 20) this.status.textContent = "We can hear you. You can also record a short test and play it back.";
      this.peak = level;
    }
    const now = performance.now();
    if (now - this.ariaAt < METER_ARIA_MS) return;
    this.ariaAt = now;
    this.meter.setAttribute("aria-valuenow", String(level));
    this.meter.setAttribute("aria-valuetext", level < 5 ? "Silent" : level < 35 ? `Quiet, ${level}` : level > 85 ? `Very loud, ${level}` : `Good, ${level}`);
  }

  // Records TEST_RECORDING_MS of the microphone and offers it for playback; resolves when the recording is ready.
  async recordTest() {
    if (!this.active || this.recorder) return;
    const recorder = new MediaRecorder(this.stream);
    this.recorder = recorder;
    const chunks = [];
    recorder.ondataavailable = (event) => {
      if (event.data && event.data.size) chunks.push(event.data);
    };
    const stopped = new Promise((resolve) => {
      recorder.onstop = resolve;
    });
    this.testButton.disabled = true;
    this.playback.pause();
    recorder.start();
    const started = performance.now();
    const countdown = setInterval(() => {
      const left = Math.max(1, Math.ceil((TEST_RECORDING_MS - (performance.now() - started)) / 1000));
      this.status.textContent = `Recording… ${left}`;
    }, 250);
    this.status.textContent = `Recording… ${Math.ceil(TEST_RECORDING_MS / 1000)}`;
    await new Promise((resolve) => setTimeout(resolve, TEST_RECORDING_MS));
    clearInterval(countdown);
    if (recorder.state !== "inactive") recorder.stop();
    await stopped;
    this.recorder = null;
    const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
    if (this.playbackUrl) URL.revokeObjectURL(this.playbackUrl);
    this.playbackUrl = URL.createObjectURL(blob);
    this.playback.src = this.playbackUrl;
    this.playback.dataset.bytes = String(blob.size);
    this.playbackRow.hidden = false;
    this.testButton.disabled = !this.active;
    this.status.textContent = blob.size
      ? "Test recorded. Play it below to hear how you sound."
      : "Nothing was recorded. Check that the right microphone is selected, then try again.";
  }

  stop() {
    cancelAnimationFrame(this.frame);
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.recorder = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
    this.analyser = null;
    this.testButton.disabled = true;
    this.meter.dataset.active = "false";
    this.fill.style.width = "0%";
    this.meter.setAttribute("aria-valuenow", "0");
    this.meter.setAttribute("aria-valuetext", "Microphone off");
  }
}
