// The session's feedback over pub/sub (the Web PubSub JSON subprotocol, docs/protocol.md "negotiate"): scores,
// summaries and the report as they are written. It reconnects with backoff while it is wanted, and says when it has
// (re)joined the group, since events published while it was away are missed and must be caught up over HTTP.

import { api } from "./api.js";
import { parseObject } from "./dom.js";

const SUBPROTOCOL = "json.webpubsub.azure.v1";
const MAX_BACKOFF_S = 15;

function webSocketUrl(url) {
  const u = new URL(url, window.location.href);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  return u.href;
}

export class FeedbackSocket {
  // owner(): the session ({token, negotiate_url}) or null; wanted(): whether updates are still useful (no report yet,
  // the interview view shown); onJoined(): in the group again; onEvent(event): one event's data.
  constructor({ owner, wanted, onJoined, onEvent }) {
    Object.assign(this, { owner, wanted, onJoined, onEvent });
    this.active = false; // wanted for this session: until the report is shown
    this.attempt = 0; // increases per connection attempt; stale callbacks compare against it
    this.ws = null;
    this.timer = null;
    this.backoffS = 1;
  }

  isWanted() {
    return this.active && !!this.owner() && this.wanted();
  }

  start() {
    this.stop();
    if (!this.owner() || !this.wanted()) return;
    this.active = true;
    this.backoffS = 1;
    this.open();
  }

  stop() {
    this.active = false;
    this.suspend();
  }

  // Close the socket but stay active (a poor link, or the page hidden into the back/forward cache).
  suspend() {
    this.attempt++;
    clearTimeout(this.timer);
    this.timer = null;
    this.closeSocket();
  }

  resume() {
    if (this.isWanted() && !this.ws && this.timer === null) this.open();
  }

  closeSocket() {
    const ws = this.ws;
    this.ws = null;
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

  scheduleRetry() {
    if (!this.isWanted()) return;
    clearTimeout(this.timer);
    const delay = this.backoffS * 1000;
    this.backoffS = Math.min(MAX_BACKOFF_S, this.backoffS * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }

  async open() {
    if (!this.isWanted()) return;
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt && this.isWanted();
    this.closeSocket();
    const owner = this.owner();

    let access;
    try {
      access = await api(owner.negotiate_url, { token: owner.token });
    } catch (err) {
      if (!current()) return;
      if (err && (err.status === 401 || err.status === 403 || err.status === 404)) {
        this.active = false; // this token can't get updates; nothing to retry
        return;
      }
      this.scheduleRetry();
      return;
    }
    if (!current()) return;
    if (typeof access.url !== "string" || typeof access.group !== "string") {
      this.scheduleRetry();
      return;
    }

    let ws;
    try {
      ws = new WebSocket(webSocketUrl(access.url), SUBPROTOCOL);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    const group = access.group;
    ws.onopen = () => {
      if (!current()) return;
      ws.send(JSON.stringify({ type: "joinGroup", group, ackId: 1 }));
    };
    ws.onmessage = (event) => {
      if (!current()) return;
      this.onFrame(ws, event.data);
    };
    ws.onclose = () => {
      if (attempt !== this.attempt) return;
      this.ws = null;
      this.scheduleRetry();
    };
    ws.onerror = () => {
      // A close follows; handled by onclose.
    };
  }

  onFrame(ws, raw) {
    const frame = parseObject(raw);
    if (!frame) return;

    if (frame.type === "ack" && frame.ackId === 1) {
      const joined = frame.success === true || (frame.error && frame.error.name === "Duplicate");
      if (!joined) {
        ws.close(); // retried with backoff by onclose
        return;
      }
      this.backoffS = 1;
      this.onJoined();
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
      if (data && typeof data === "object") this.onEvent(data);
    }
  }
}
