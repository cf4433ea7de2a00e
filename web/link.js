// The link watchdog: pings both ways, getStats() every second, and a verdict per reading: good, poor or lost.
// The rules and their reasons are in rehearse/link_quality.py, which the relay runs; LINK_THRESHOLDS are the same
// numbers and PingBook and LinkQuality the same rules (tests/test_link_quality.py runs this module in Node against
// them), so both ends call a link poor or lost alike. This module imports nothing and touches no DOM.

export const LINK_THRESHOLDS = Object.freeze({
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
const POLL_MS = 1000; // getStats() and one reading a second
const REPLACE_AFTER_SILENT_MS = 15000; // shorter blackouts recover on the same peer connection
const PROBE_TIMEOUT_MS = 1500; // a health probe that fails faster than this was refused: the relay is gone
const PROBE_GRACE_MS = 2000; // the relay answers HTTP again, our connection still hears nothing: it restarted

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

function round(value, digits) {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// Pings in flight and their outcomes (PingBook in rehearse/link_quality.py). Times are performance.now() ms.
export class PingBook {
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

export function poorReasons(f) {
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

// The verdict with its hysteresis (LinkQuality in rehearse/link_quality.py).
export class LinkQuality {
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

// Watches one open peer connection at a time (start/stop), for the page's whole interview (reset).
export class Watchdog {
  // send(message) -> bool: a data channel message; canPing(): the channel is open; onReading(state): each reading's
  // verdict; onDead(): this connection will not recover; healthUrl(): {url, sameOrigin} of the relay's /healthz or
  // null.
  constructor({ send, canPing, onReading, onDead, healthUrl }) {
    Object.assign(this, { send, canPing, onReading, onDead, healthUrl });
    this.quality = null; // LinkQuality of the watched connection, null when none is watched
    this.pings = new PingBook();
    this.pc = null;
    this.generation = 0; // increases on start and stop; a poll or probe of an earlier one is ignored
    this.heardAt = 0; // performance.now() of the last media packet or message from the relay
    this.pollTimer = null;
    this.polling = false;
    this.inbound = null; // the previous poll's inbound audio counters
    this.pairResponses = null;
    this.remoteRttCount = null;
    this.stats = { packetLoss: null, jitterMs: null, availableKbps: null };
    this.figures = {}; // the last reading's figures, kept after the connection for diagnostics
    this.snapshot = null; // candidate pair and traffic of the last poll, for diagnostics
    this.probing = false;
    this.probeDown = false; // a health probe found the relay gone during this silence
    this.probeUpAt = null; // ... and a later one found it back
  }

  // A new interview: forget the last one's figures.
  reset() {
    this.stop();
    this.figures = {};
    this.snapshot = null;
  }

  start(pc) {
    this.stop();
    this.generation++;
    this.pc = pc;
    this.quality = new LinkQuality();
    this.pings = new PingBook();
    this.heardAt = performance.now();
    this.inbound = null;
    this.pairResponses = null;
    this.stats = { packetLoss: null, jitterMs: null, availableKbps: null };
    this.probeDown = false;
    this.probeUpAt = null;
    this.pollTimer = setInterval(() => this.poll(), POLL_MS);
  }

  stop() {
    this.generation++;
    clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.quality = null;
  }

  // A message from the relay (media packets are seen in the stats).
  heard() {
    this.heardAt = performance.now();
  }

  // The relay answered our ping: the round trip to show (ms), or null for an unknown or late pong.
  pong(stamp) {
    if (typeof stamp !== "number" || this.pings.answered(stamp, performance.now()) === null) return null;
    return Math.round(this.pings.rttMs());
  }

  async poll() {
    const pc = this.pc;
    const generation = this.generation;
    if (!pc || !this.quality || this.polling) return;
    this.polling = true;
    let report = null;
    try {
      report = await pc.getStats();
    } catch {
      report = null;
    } finally {
      this.polling = false;
    }
    if (generation !== this.generation || !this.quality) return;
    const now = performance.now();
    if (report) this.readStats(report, now);
    if (this.canPing() && this.pings.due(now)) {
      const stamp = Date.now();
      if (this.send({ type: "ping", t: stamp })) this.pings.sent(stamp, now);
    }
    const silentMs = now - this.heardAt;
    const back = this.quality.state === "lost" || this.quality.settling;
    if (back && silentMs < LINK_THRESHOLDS.lostAfterMs) this.pings.forgive();
    this.pings.expire(now);
    this.figures = {
      rtt_ms: round(this.pings.rttMs(), 1),
      ping_loss: round(this.pings.loss(), 3),
      packet_loss: round(this.stats.packetLoss, 4),
      jitter_ms: round(this.stats.jitterMs, 1),
      available_kbps: round(this.stats.availableKbps, 1),
    };
    this.onReading(this.quality.update(this.figures, silentMs));
    this.watchForReplacement(now, silentMs);
  }

  // Counters of the audio from the relay (its voice track sends a frame every 20 ms), RTCP figures, the ICE pair.
  readStats(report, now) {
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
        if (typeof r.roundTripTime === "number" && r.roundTripTimeMeasurements !== this.remoteRttCount) {
          this.remoteRttCount = r.roundTripTimeMeasurements;
          this.pings.noteRtt(r.roundTripTime * 1000);
        }
      }
    });

    const prev = this.inbound;
    let loss = null;
    const arrived = prev ? inbound.packets > prev.packets : inbound.packets > 0;
    if (arrived) {
      // When the last packet came, not when we looked: a link that died just after a poll is lost 4 s later, not 5.
      this.heardAt = Math.max(this.heardAt, lastPacketAgo === null ? now : now - lastPacketAgo);
    }
    if (prev) {
      const received = inbound.packets - prev.packets;
      const lost = Math.max(0, inbound.lost - prev.lost);
      if (received + lost > 0) loss = lost / (received + lost);
    }
    this.inbound = inbound;
    if (remoteLoss !== null) loss = Math.max(loss ?? 0, remoteLoss);

    let availableKbps = null;
    let candidatePair = null;
    if (pair) {
      if (typeof pair.currentRoundTripTime === "number" && pair.responsesReceived !== this.pairResponses) {
        this.pings.noteRtt(pair.currentRoundTripTime * 1000);
      }
      this.pairResponses = pair.responsesReceived;
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
    this.stats = { packetLoss: loss, jitterMs: jitter === null ? null : jitter * 1000, availableKbps };
    this.snapshot = {
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

  // While lost: a silence longer than a blackout, or a relay that is gone (its health check refused) or came back
  // (a restart) while this connection still hears nothing, means this connection will not recover.
  watchForReplacement(now, silentMs) {
    if (silentMs < LINK_THRESHOLDS.lostAfterMs) {
      this.probeDown = false;
      this.probeUpAt = null;
      return;
    }
    if (silentMs >= REPLACE_AFTER_SILENT_MS) {
      this.onDead();
      return;
    }
    if (this.probeUpAt !== null && now - this.probeUpAt >= PROBE_GRACE_MS) {
      this.onDead();
      return;
    }
    this.probeRelay();
  }

  async probeRelay() {
    const health = this.probing ? null : this.healthUrl();
    if (!health) return;
    this.probing = true;
    const generation = this.generation;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), PROBE_TIMEOUT_MS);
    const started = performance.now();
    let verdict = "unknown"; // a timeout says nothing: the network may be down, or the relay paused
    try {
      const res = await fetch(health.url, { cache: "no-store", mode: health.sameOrigin ? "same-origin" : "no-cors", signal: abort.signal });
      verdict = res.type === "opaque" || res.ok ? "up" : res.status === 503 ? "gone" : "up";
    } catch {
      if (!abort.signal.aborted && performance.now() - started < PROBE_TIMEOUT_MS) verdict = "gone"; // refused
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
    if (generation !== this.generation || !this.quality) return;
    if (verdict === "gone") {
      this.onDead(); // the relay is down or draining: offer (and retry) until one answers
    } else if (verdict === "up" && this.probeDown && this.probeUpAt === null) {
      this.probeUpAt = performance.now();
    } else if (verdict === "unknown") {
      this.probeDown = true;
    }
  }
}
