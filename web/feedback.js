// Feedback as the functions write it: each answer's score and bullet summary under its transcript, then the report
// (report.js) and, in its transcript, the replay of recorded answers. It arrives over pub/sub (pubsub.js) and in the
// "feedback" of GET /api/sessions/{id}; every document may arrive more than once and is shown once.

import { api } from "./api.js";
import { make, prefersReducedMotion, scoreBadge, toScore } from "./dom.js";
import { rehearse } from "./metrics.js";
import { FeedbackSocket } from "./pubsub.js";
import { renderReport, resetReport, setExport } from "./report.js";
import { followUpItem, followUpNotes } from "./report_table.js";
import { negotiateUrl } from "./session.js";

const REPORT_SLOW_MS = 90000;
const REPORT_BELOW = "Thanks for practising. Your report is below, followed by your transcript.";

export class Feedback {
  // session(): the interview's session or null; live(): the interview view is shown; finished(): the interview is
  // over; tell(text, waiting): the message of the panel shown at the end; onError(err): loading the replay failed.
  constructor({ questions, transcript, replay, reportEl, session, live, finished, tell, onError }) {
    Object.assign(this, { questions, transcript, replay, reportEl, session, live, finished, tell, onError });
    this.scores = new Map(); // question_id -> overall score (0-100) from answer.scored
    this.summaries = new Map(); // question_id -> JSON of the summary shown (skips exact duplicates)
    this.reportKey = null; // id of the report shown
    this.reportShown = false;
    this.slowTimer = null;
    this.replayLoaded = false; // the recordings of this interview were fetched for the report's transcript
    this.socket = new FeedbackSocket({
      owner: () => {
        const owner = session();
        return owner ? { ...owner, negotiate_url: negotiateUrl(owner) } : null;
      },
      wanted: () => !this.reportShown && live(),
      onJoined: () => this.catchUp(), // events published while we were not in the group were missed
      onEvent: (event) => {
        rehearse.metrics.pubsubEvents++;
        this.onEvent(event);
      },
    });
  }

  // A new interview: nothing of the last one's feedback stays.
  reset() {
    this.stop();
    this.scores = new Map();
    this.summaries = new Map();
    this.reportKey = null;
    this.reportShown = false;
    this.replayLoaded = false;
    resetReport();
  }

  start() {
    this.socket.start();
  }

  stop() {
    this.socket.stop();
    clearTimeout(this.slowTimer);
    this.slowTimer = null;
  }

  // While the link is poor or lost (or the page is hidden), pub/sub waits; what it missed is caught up after.
  suspend() {
    this.socket.suspend();
  }

  resume() {
    this.socket.resume();
  }

  // The interview ended: the report follows, or is here already.
  afterInterview() {
    if (this.reportShown) {
      this.tell(REPORT_BELOW);
      return;
    }
    this.tell("Preparing your report…", true);
    clearTimeout(this.slowTimer);
    this.slowTimer = setTimeout(() => {
      if (!this.reportShown && this.finished() && this.session()) {
        this.tell("Your report is taking longer than usual. It will appear here as soon as it is ready.", true);
      }
    }, REPORT_SLOW_MS);
    if (!this.socket.active) this.socket.start();
    else this.socket.resume(); // it was suspended while the link was poor
  }

  // The score badge beside a question's heading: until its summary (which shows the score itself) arrives.
  headingScore(questionId) {
    return this.summaries.has(questionId) ? undefined : this.scores.get(questionId);
  }

  async catchUp() {
    const owner = this.session();
    if (!owner) return;
    let data;
    try {
      data = await api(`/api/sessions/${encodeURIComponent(owner.session_id)}`, { token: owner.token });
    } catch {
      return; // the events still arrive over pub/sub
    }
    if (this.session() !== owner) return;
    this.apply(data.feedback);
  }

  onEvent(event) {
    const owner = this.session();
    if (owner && typeof event.session_id === "string" && event.session_id !== owner.session_id) return;
    switch (event.type) {
      case "answer.scored":
        this.scored(event.question_id, event.score);
        break;
      case "question.summary":
        this.summary(event.summary);
        break;
      case "report.ready":
        this.report(event.report);
        break;
      default:
        break; // session.live, answer.completed, session.ended, unknown: nothing to show
    }
  }

  // The "feedback" of GET /api/sessions/{id}: the same documents as the events.
  apply(feedback) {
    if (!feedback || typeof feedback !== "object") return;
    if (Array.isArray(feedback.scores)) {
      for (const doc of feedback.scores) {
        if (doc && typeof doc === "object") this.scored(doc.question_id, doc);
      }
    }
    if (Array.isArray(feedback.summaries)) {
      const list = feedback.summaries.filter((doc) => doc && typeof doc === "object");
      list.sort((a, b) => Number(a.question_index) - Number(b.question_index));
      for (const doc of list) this.summary(doc);
    }
    if (feedback.report && typeof feedback.report === "object") this.report(feedback.report);
  }

  scored(questionId, score) {
    if (typeof questionId !== "string" || !questionId || !score || typeof score !== "object") return;
    const overall = toScore(score.overall);
    if (overall === null) return;
    if (this.scores.get(questionId) === overall) return; // a duplicate
    this.questions.learn(questionId, score.question_index, undefined);
    this.scores.set(questionId, overall);
    this.transcript.editGroup(questionId, (group) => {
      const block = group.querySelector(":scope > .summary");
      if (block && !block.querySelector(".score-badge")) {
        // The summary came first and had no score of its own.
        block.querySelector(".summary-head").append(scoreBadge(overall, "Score for this answer"));
      }
    });
  }

  summary(summary) {
    if (!summary || typeof summary !== "object" || typeof summary.question_id !== "string" || !summary.question_id) return;
    const questionId = summary.question_id;
    const key = JSON.stringify(summary);
    if (this.summaries.get(questionId) === key) return; // a duplicate
    this.questions.learn(questionId, summary.question_index, summary.question_text);
    this.summaries.set(questionId, key);

    const block = make("div", "summary");
    block.dataset.questionId = questionId;
    const head = make("div", "summary-head");
    head.append(make("h4", "summary-title", "Summary"));
    const overall = toScore(summary.overall) ?? this.scores.get(questionId) ?? null;
    if (overall !== null) head.append(scoreBadge(overall, "Score for this answer"));
    const list = make("ul", "summary-bullets");
    const bullets = Array.isArray(summary.bullets) ? summary.bullets.filter((b) => typeof b === "string" && b.trim()) : [];
    for (const bullet of bullets) list.append(make("li", null, bullet.trim()));
    if (bullets.length === 0) list.append(make("li", null, "No summary points for this answer."));
    block.append(head, list);
    const followUps = followUpList(summary.follow_ups);
    if (followUps) block.append(make("h5", "summary-subtitle", followUps.childElementCount === 1 ? "Follow-up question" : "Follow-up questions"), followUps);

    this.transcript.editGroup(questionId, (group) => {
      const old = group.querySelector(":scope > .summary");
      if (old) old.replaceWith(block);
      else group.append(block);
    }); // the heading's badge gives way to the summary's
  }

  report(data) {
    if (!data || typeof data !== "object") return;
    const key = typeof data.id === "string" && data.id ? data.id : JSON.stringify(data);
    if (key === this.reportKey) return; // a duplicate
    this.reportKey = key;
    for (const q of Array.isArray(data.questions) ? data.questions : []) {
      if (q && typeof q.question_id === "string") this.questions.learn(q.question_id, q.question_index, q.question_text);
    }
    const firstTime = !this.reportShown;
    this.reportShown = true;
    renderReport(data, { questionOf: (id) => this.questions.get(id) });
    const owner = this.session();
    if (owner) setExport(owner.session_id, owner.token);

    this.stop(); // the report is in: no more updates needed
    if (this.finished()) this.tell(REPORT_BELOW);
    if (firstTime) {
      this.reveal();
      this.loadReplay().catch(this.onError);
    }
  }

  reveal() {
    this.reportEl.scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth", block: "start" });
    // Focus follows only when it was lost (the interview controls it was on are hidden now).
    const active = document.activeElement;
    if (!active || active === document.body) this.reportEl.focus({ preventScroll: true });
  }

  // The transcript becomes the report's: each recorded line plays its moment (GET /api/sessions/{id} says where).
  async loadReplay() {
    const owner = this.session();
    if (!owner || this.replayLoaded) return;
    this.replayLoaded = true;
    let data;
    try {
      data = await api(`/api/sessions/${encodeURIComponent(owner.session_id)}`, { token: owner.token });
    } catch {
      this.replayLoaded = false; // the report still stands; the lines simply stay text
      return;
    }
    if (this.session() !== owner) return;
    for (const seg of Array.isArray(data.transcript) ? data.transcript : []) {
      if (seg && typeof seg === "object") this.transcript.final(seg, false); // a final the page missed
    }
    for (const item of Array.isArray(data.follow_ups) ? data.follow_ups : []) this.transcript.followUp(item); // one it missed
    this.transcript.becomeReport(owner.record_audio);
    this.replay.attach(data, owner.token);
  }
}

// A summary's follow_ups ({n, text, targets, revealed}) as a list: what was asked, then what its answer added; null
// when there were none.
function followUpList(notes) {
  const items = followUpNotes(notes);
  if (items.length === 0) return null;
  const list = make("ul", "summary-follow-ups");
  list.append(...items.map((note) => followUpItem(note)));
  return list;
}
