// Replay in the report: with the candidate's consent their answers were recorded, and each final line of the
// transcript plays that moment of its recording (GET /api/sessions/{id}: segment `recording` + `offset`; the
// recording's URL takes `?token=` because <audio src> cannot send headers). Without a recording there is no player.

import { clock, make } from "./dom.js";

export class Replay {
  constructor({ panel, note, audio, transcript }) {
    Object.assign(this, { panel, note, audio, transcript });
    this.urls = new Map(); // recording name -> URL with the token
    this.lines = []; // {el, recording, offset}, in transcript order
    this.playing = null; // the highlighted line
    this.pendingSeek = null;
    this.hint = make("span", null, "Plays your recorded answer from this line.");
    this.hint.id = "replay-line-hint";
    this.hint.hidden = true;
    panel.append(this.hint);
    audio.addEventListener("play", () => (transcript.dataset.audio = "playing"));
    audio.addEventListener("pause", () => (transcript.dataset.audio = "paused"));
    audio.addEventListener("timeupdate", () => this.follow());
    audio.addEventListener("seeked", () => this.follow());
    audio.addEventListener("ended", () => this.highlight(null));
    audio.addEventListener("loadedmetadata", () => this.applySeek());
  }

  reset() {
    this.audio.pause();
    this.audio.removeAttribute("src");
    delete this.audio.dataset.recording;
    this.audio.load();
    this.urls = new Map();
    this.lines = [];
    this.playing = null;
    this.pendingSeek = null;
    this.panel.hidden = true;
    this.panel.dataset.recordings = "0";
    delete this.transcript.dataset.audio;
  }

  // session: the body of GET /api/sessions/{id}; token: its session token.
  attach(session, token) {
    const recordings = Array.isArray(session.recordings) ? session.recordings : [];
    this.urls = new Map(
      recordings
        .filter((r) => r && typeof r.name === "string" && typeof r.url === "string")
        .map((r) => [r.name, `${r.url}${r.url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`])
    );
    this.lines = [];
    for (const seg of Array.isArray(session.transcript) ? session.transcript : []) {
      if (!seg || !this.urls.has(seg.recording) || typeof seg.offset !== "number") continue;
      const el = this.transcript.querySelector(`.line.final[data-seq="${Number(seg.seq)}"]`);
      if (!el) continue;
      this.makePlayable(el, seg.recording, seg.offset);
      this.lines.push({ el, recording: seg.recording, offset: seg.offset });
    }
    this.panel.dataset.recordings = String(this.urls.size);
    this.panel.hidden = false;
    this.audio.hidden = this.lines.length === 0;
    if (this.lines.length) {
      this.note.textContent = "Select a line of your transcript to hear that moment of your answer.";
    } else if (session.record_audio) {
      this.note.textContent = "No recording of your answers is available for this interview.";
    } else {
      this.note.textContent = "Your answers were not recorded (you did not choose to record them), so there is nothing to replay.";
    }
  }

  makePlayable(line, recording, offset) {
    if (line.querySelector(":scope > .line-play")) return;
    const button = make("button", "line-play", line.textContent);
    button.type = "button";
    button.title = `Play from ${clock(offset)}`;
    button.setAttribute("aria-describedby", this.hint.id);
    button.addEventListener("click", () => this.play(line));
    line.dataset.recording = recording;
    line.dataset.offset = String(offset);
    line.replaceChildren(button); // the line's text stays its textContent
  }

  play(line) {
    const item = this.lines.find((l) => l.el === line);
    if (!item) return;
    const url = this.urls.get(item.recording);
    if (this.audio.dataset.recording !== item.recording) {
      this.audio.src = url;
      this.audio.dataset.recording = item.recording;
    }
    this.pendingSeek = item.offset;
    this.applySeek();
    this.highlight(item);
    const started = this.audio.play();
    if (started && typeof started.catch === "function") started.catch(() => {}); // a pause() before it began
  }

  applySeek() {
    if (this.pendingSeek === null || this.audio.readyState < 1) return; // after loadedmetadata
    this.audio.currentTime = this.pendingSeek;
    this.pendingSeek = null;
  }

  // The line whose moment is playing: the last line of this recording that starts at or before the playhead.
  follow() {
    if (this.pendingSeek !== null) return; // a new recording is loading: its playhead is not where it will be
    const name = this.audio.dataset.recording;
    const t = this.audio.currentTime + 0.05;
    let found = null;
    for (const item of this.lines) {
      if (item.recording === name && item.offset <= t) found = item;
    }
    if (found) this.highlight(found);
  }

  highlight(item) {
    if (this.playing && this.playing !== item) {
      this.playing.el.classList.remove("playing");
      this.playing.el.querySelector(".line-play")?.removeAttribute("aria-current");
    }
    this.playing = item;
    if (!item) return;
    item.el.classList.add("playing");
    item.el.querySelector(".line-play")?.setAttribute("aria-current", "true");
  }
}
