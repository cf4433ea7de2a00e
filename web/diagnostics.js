// Connection diagnostics: a summary of the WebRTC figures, uploaded when the link's state changes (at most every
// 10 s), when the interview ends and when the page is left (docs/protocol.md, POST .../diagnostics).

import { PROTOCOL_VERSION } from "./constants.js";
import { rehearse } from "./metrics.js";

const FIRST_MS = 1500; // the first stats poll is in by then
const MIN_GAP_MS = 10000; // uploads for state changes at most this often

export class Diagnostics {
  // session(): the interview's session or null; connection: the Connection whose figures are summarised.
  constructor({ session, connection }) {
    Object.assign(this, { session, connection });
    this.timer = null;
    this.lastAt = 0;
    this.reason = null;
    this.endedSent = false;
  }

  reset() {
    clearTimeout(this.timer);
    this.timer = null;
    this.lastAt = 0;
    this.endedSent = false;
  }

  // reason: "state_change" or "resume" (which a state change does not overwrite).
  schedule(reason) {
    if (!this.session() || this.connection.finished) return;
    if (this.reason !== "resume") this.reason = reason;
    if (this.timer !== null) return;
    const wait = Math.max(FIRST_MS, this.lastAt + MIN_GAP_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      const why = this.reason || "state_change";
      this.reason = null;
      if (this.session() && !this.connection.finished) this.send(why);
    }, wait);
  }

  // The summary of the whole session, while the connection's figures are at hand (before it is closed).
  ended() {
    if (!this.session() || !this.connection.everOpened || this.endedSent) return;
    this.endedSent = true;
    clearTimeout(this.timer);
    this.timer = null;
    this.send("ended");
  }

  pagehide() {
    if (this.session() && !this.connection.finished && !this.endedSent) this.send("pagehide", true);
  }

  summary(reason) {
    const pc = rehearse.pc;
    const snapshot = this.connection.snapshot || {};
    return {
      v: PROTOCOL_VERSION,
      reason,
      state: this.connection.shown,
      at: Date.now(),
      link: { ...this.connection.figures },
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
  send(reason, keepalive = false) {
    const owner = this.session();
    if (!owner) return;
    this.lastAt = Date.now();
    rehearse.metrics.diagnosticsUploads++;
    fetch(`/api/sessions/${encodeURIComponent(owner.session_id)}/diagnostics`, {
      method: "POST",
      keepalive,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${owner.token}` },
      body: JSON.stringify(this.summary(reason)),
    }).catch(() => {
      // Diagnostics are best effort: the next upload carries the connection history too.
    });
  }
}
