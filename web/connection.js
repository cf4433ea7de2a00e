// The page's connection to the relay (docs/protocol.md): a WebRTC peer connection carrying the microphone, the
// interviewer's voice and the data channel "rehearse", made again by itself after a loss. Its states are named in
// STATES, the transitions between them are next(), and #apply() is the only place the state changes; the link
// watchdog (link.js) gives the verdict on an open link.

import { ApiError } from "./api.js";
import { errorMessage, parseObject, sentence } from "./dom.js";
import { Watchdog } from "./link.js";
import { rehearse } from "./metrics.js";
import { getMicrophone, stopStream } from "./mic.js";
import { channelOpen, closePeer, negotiate, openPeer, send } from "./peer.js";

const CHANNEL_OPEN_TIMEOUT_MS = 10000; // an answered offer whose channel is not open by then: try a fresh connection
const RETRY_MS = 1000; // a failed offer is tried again after 1-1.5 s ...
const RETRY_JITTER_MS = 500;
const SLOW_RETRY_MS = 5000; // ... and every 5 s after this many failures in a row
const SLOW_RETRY_AFTER = 40;
const FLAP_LIMIT = 3; // connections in a row closed within FLAP_WINDOW_MS of opening: stop reconnecting by itself
const FLAP_WINDOW_MS = 10000;

// Each state, with what #connection shows for it: [its data-state (tests and metrics read it), its label].
export const STATES = Object.freeze({
  idle: ["idle", "Not connected"], // no connection made for this interview yet
  connecting: ["connecting", "Connecting…"], // making the interview's first connection
  retrying: ["connecting", "Connecting…"], // ... which failed: another attempt follows by itself
  good: ["good", "Connection good"], // open: the watchdog's verdict
  poor: ["poor", "Poor connection"],
  lost: ["lost", "Connection lost — reconnecting…"], // was open: waiting for the link, or making a new connection
  stopped: ["lost", "Connection lost"], // not trying by itself any more: Reconnect continues
  refused: ["lost", "Disconnected"], // the server no longer accepts this interview
  ended: ["ended", "Finished"], // the interview is over
});
const FINISHED = new Set(["refused", "ended"]);
const VERDICTS = new Set(["good", "poor", "lost"]);

// The transitions: the state an event leads to. everOpened: a channel of this interview has opened in this page.
function next(state, event, everOpened) {
  switch (event) {
    case "reset": // a new interview
      return "idle";
    case "attempt": // an offer is being made
      return everOpened ? "lost" : "connecting";
    case "failed": // the offer failed or the connection closed: another attempt follows by itself
      return everOpened ? "lost" : "retrying";
    case "open": // the data channel opened
      return "good";
    case "good":
    case "poor":
    case "lost": // the watchdog's verdict on the open link
      return event;
    case "give_up": // no more attempts by itself
      return "stopped";
    case "refused": // the token or the session is no longer valid
      return "refused";
    case "end": // the interview ended
      return "ended";
    default:
      return state;
  }
}

const STALE = Symbol("a newer attempt replaced this one");

// Worth trying again: the network, the server, or a relay restarting (503 relay_busy, 409 session_busy).
function isRetryable(err) {
  if (!(err instanceof ApiError)) return true; // a WebRTC error: a fresh peer connection may do
  return err.status === 0 || err.status >= 500 || err.status === 408 || err.status === 429 || err.code === "session_busy";
}

export function retryDelay(failures) {
  if (failures >= SLOW_RETRY_AFTER) return SLOW_RETRY_MS;
  return RETRY_MS + Math.random() * RETRY_JITTER_MS;
}

export class Connection {
  #state = "idle";

  // audio: the <audio> the interviewer speaks through; session(): the interview's session or null.
  // hooks: onChange(state, before, detail) after every transition (detail.message says why it stopped or was
  // refused); onOpen({resumed, reopened}) when a channel opens, before its verdict; onMessage(msg) for each message
  // of the current connection other than the watchdog's; onRtt(ms); onSessionEnded(err) when the offer finds the
  // interview ended; onError(err) when an attempt the page started by itself throws.
  constructor({ audio, session, hooks }) {
    Object.assign(this, { audio, session, hooks });
    this.stream = null; // the microphone
    this.attempt = 0; // increases per connection attempt; stale callbacks compare against it
    this.openTimer = null;
    this.retryTimer = null;
    this.everOpened = false; // a channel of this interview has opened in this page
    this.fromStorage = false; // the next open resumes an interview from before a reload
    this.automatic = false; // the current attempt was started by the page itself
    this.openedAt = null;
    this.flaps = 0;
    this.failures = 0; // failed attempts in a row
    this.watchdog = new Watchdog({
      send: (message) => this.send(message),
      canPing: () => this.isOpen,
      onReading: (verdict) => {
        rehearse.link.figures = this.watchdog.figures;
        this.#apply(verdict);
      },
      onDead: () => this.#replace(),
      healthUrl: () => this.#healthUrl(),
    });
  }

  get state() {
    return this.#state;
  }

  // #connection's data-state: idle, connecting, good, poor, lost or ended.
  get shown() {
    return STATES[this.#state][0];
  }

  get finished() {
    return FINISHED.has(this.#state);
  }

  get isOpen() {
    return channelOpen() && !this.finished;
  }

  get figures() {
    return this.watchdog.figures;
  }

  get snapshot() {
    return this.watchdog.snapshot;
  }

  // The one place the state changes.
  #apply(event, detail = {}) {
    if (this.finished && event !== "reset" && event !== "end") return;
    const before = this.#state;
    const state = next(before, event, this.everOpened);
    if (state === before && VERDICTS.has(event)) return; // a verdict that changes nothing
    this.#state = state;
    const shown = STATES[state][0];
    if (shown !== STATES[before][0]) {
      rehearse.link.state = shown;
      rehearse.metrics.connectionStates.push({ state: shown, at: Date.now() });
    }
    this.hooks.onChange(state, before, detail);
  }

  useMicrophone(stream) {
    stopStream(this.stream);
    this.stream = stream;
  }

  // A new interview: forget the last one's connection.
  reset() {
    this.#forget();
    this.#apply("reset");
  }

  // The interview is over.
  end() {
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.#teardown();
    stopStream(this.stream);
    this.stream = null;
    this.#apply("end");
  }

  // The page leaves the interview (it is over): close what is left of it.
  close() {
    this.attempt++;
    this.#forget();
    this.#teardown();
    stopStream(this.stream);
    this.stream = null;
    this.audio.srcObject = null;
  }

  send(message) {
    return send(message);
  }

  // automatic: the page resumes an interview from before a reload by itself.
  resume({ automatic = false } = {}) {
    this.fromStorage = automatic;
    return this.connect({ automatic });
  }

  // The candidate's Reconnect.
  reconnect() {
    this.flaps = 0;
    this.failures = 0;
    return this.connect();
  }

  // automatic: the page reconnects by itself (a lost link, a reload); otherwise it is the first connection or a
  // click on Reconnect. A failed attempt that may succeed later (network, 5xx, relay restarting) is retried.
  async connect({ automatic = false } = {}) {
    if (!this.session() || this.finished) return;
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt && !this.finished;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.#teardown();
    this.automatic = automatic === true;
    this.#apply("attempt");

    if (!(await this.#microphone(current))) return;
    const session = this.session();
    const { pc, channel } = openPeer(session, this.stream.getAudioTracks()[0], this.audio, {
      onFailed: () => current() && this.#replace(),
      onOpen: () => current() && this.#opened(pc),
      onMessage: (data) => attempt === this.attempt && this.#message(data),
      onClose: () => current() && this.#replace(),
    });
    const step = async (pending) => {
      const value = await pending;
      if (!current()) throw STALE;
      return value;
    };
    try {
      await negotiate(pc, session, step);
    } catch (err) {
      if (err !== STALE && current()) this.#failed(err);
      return;
    }
    this.openTimer = setTimeout(() => {
      if (current() && channel.readyState !== "open") {
        this.#teardown();
        this.#apply("failed");
        this.#retry(retryDelay(++this.failures));
      }
    }, CHANNEL_OPEN_TIMEOUT_MS);
  }

  // The page goes into the back/forward cache: free the relay connection so a reload can resume without
  // "session_busy".
  pagehide() {
    const pc = rehearse.pc;
    if (pc && pc.signalingState !== "closed") pc.close();
  }

  // Restored from the back/forward cache: the peer connection was closed on pagehide; make a new one.
  restore() {
    this.#teardown();
    this.#apply("failed");
    this.#retry(0);
  }

  // A live microphone for the peer connection; false when it could not be opened (the attempt stops) or the
  // attempt is stale.
  async #microphone(current) {
    if (this.stream && this.stream.getAudioTracks().some((t) => t.readyState === "live")) return true;
    try {
      stopStream(this.stream);
      this.stream = await getMicrophone();
    } catch (err) {
      if (current()) this.#giveUp(errorMessage(err, "The microphone could not be opened."));
      return false;
    }
    return current();
  }

  #opened(pc) {
    clearTimeout(this.openTimer);
    this.openTimer = null;
    const resumed = this.automatic && (this.everOpened || this.fromStorage);
    if (resumed) rehearse.metrics.resumes++;
    const reopened = this.everOpened;
    this.everOpened = true;
    this.fromStorage = false;
    this.openedAt = Date.now();
    this.failures = 0;
    this.hooks.onOpen({ resumed, reopened });
    this.watchdog.start(pc);
    this.#apply("open");
  }

  // The watchdog's messages are answered here; the rest go to the page.
  #message(data) {
    this.watchdog.heard();
    rehearse.metrics.messages++;
    const msg = parseObject(data);
    if (!msg) return;
    if (msg.type === "ping") {
      if (typeof msg.t === "number") this.send({ type: "pong", t: msg.t }); // the relay measures its side of the link
    } else if (msg.type === "pong") {
      const rtt = this.watchdog.pong(msg.t);
      if (rtt !== null) this.hooks.onRtt(rtt);
    } else {
      this.hooks.onMessage(msg);
    }
  }

  #failed(err) {
    this.#teardown();
    const code = err && err.code;
    if (code === "session_ended") {
      this.hooks.onSessionEnded(err);
    } else if (code === "invalid_token" || code === "unknown_session") {
      clearTimeout(this.retryTimer);
      this.#apply("refused", { message: errorMessage(err, "This interview can no longer be joined.") });
      stopStream(this.stream);
      this.stream = null;
    } else if (isRetryable(err)) {
      this.#apply("failed");
      this.#retry(retryDelay(++this.failures));
    } else if (err instanceof ApiError) {
      this.#giveUp(`${sentence(err.message)} Select Reconnect to try again.`);
    } else {
      this.#giveUp(`Could not connect to the interviewer (${errorMessage(err, "WebRTC error")}).`);
    }
  }

  // The page stops trying by itself: only a click on Reconnect continues.
  #giveUp(message) {
    if (this.finished) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.#teardown();
    this.#apply("give_up", {
      message: message || "The connection to the interviewer was lost. Select Reconnect to continue where you left off.",
    });
  }

  #retry(delayMs) {
    if (this.finished || !this.session()) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.finished && this.session()) this.connect({ automatic: true }).catch((err) => this.hooks.onError(err));
    }, delayMs);
  }

  // The connection is gone (its channel closed, ICE failed, or silent too long): make a new one now.
  #replace() {
    if (this.finished || !this.session()) return;
    if (this.openedAt !== null) {
      this.flaps = Date.now() - this.openedAt < FLAP_WINDOW_MS ? this.flaps + 1 : 0;
      this.openedAt = null;
    }
    this.#teardown();
    if (this.flaps >= FLAP_LIMIT) {
      this.flaps = 0;
      this.#giveUp("The connection keeps dropping (is this interview open in another tab?). Select Reconnect to continue here.");
      return;
    }
    this.#apply("failed");
    this.#retry(0);
  }

  #healthUrl() {
    const session = this.session();
    if (!session) return null;
    const offer = new URL(session.offer_url, window.location.href);
    return { url: `${offer.origin}/healthz`, sameOrigin: offer.origin === window.location.origin };
  }

  #teardown() {
    this.watchdog.stop();
    clearTimeout(this.openTimer);
    this.openTimer = null;
    closePeer();
  }

  #forget() {
    this.watchdog.reset();
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.everOpened = false;
    this.fromStorage = false;
    this.automatic = false;
    this.openedAt = null;
    this.flaps = 0;
    this.failures = 0;
    rehearse.link.figures = {};
  }
}
