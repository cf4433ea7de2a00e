// The setup view: where the questions come from (a role's bank or a pasted job description) and how many, how many
// follow-up questions the interviewer may ask per question, consent to recording, the microphone check, and the start of an interview (the microphone, then POST /api/sessions).

import { api, createSession } from "./api.js";
import { $, clearError, errorMessage, setView, showError } from "./dom.js";
import { MicCheck, MicError, getMicrophone, micHelp, stopStream } from "./mic.js";
import { showRetention } from "./privacy.js";
import { fetchSignIn, renderSignIn, signedInOrSent } from "./signin.js";

const MAX_QUESTIONS = 10;
const JOB_DESCRIPTION_MAX = 20000;
const MAX_FOLLOW_UPS = 3; // POST /api/sessions accepts 0..3

export class Setup {
  constructor() {
    this.els = {
      setup: $("setup"),
      form: $("setup-form"),
      sources: document.querySelectorAll('input[name="source"]'),
      roleField: $("role-field"),
      role: $("role"),
      roleHint: $("role-hint"),
      jobField: $("job-field"),
      job: $("job-description"),
      jobCount: $("job-count"),
      count: $("question-count"),
      countHint: $("question-count-hint"),
      followUps: $("follow-ups"),
      recordAudio: $("record-audio"),
      micCheck: $("mic-check"),
      micTest: $("mic-test"),
      micStatus: $("mic-status"),
      micHelp: $("mic-help"),
      start: $("start"),
      resume: $("resume"),
    };
    this.micCheck = new MicCheck({
      meter: $("mic-level"),
      status: this.els.micStatus,
      testButton: this.els.micTest,
      playback: $("mic-playback"),
      playbackRow: $("mic-playback-row"),
    });
    this.roles = [];
    this.signInRequired = false; // GET /api/roles says so; then the page asks Easy Auth who is signed in
    this.busy = false;
  }

  // onStart(event): the form is submitted; onResume(): Resume is clicked; run(handler): a listener that runs an
  // async handler and reports what it throws.
  listen({ onStart, onResume, run }) {
    const { els } = this;
    els.form.addEventListener("submit", run(onStart));
    els.resume.addEventListener("click", run(onResume));
    els.role.addEventListener("change", () => this.onRoleChange());
    for (const input of els.sources) input.addEventListener("change", () => this.onSourceChange());
    els.job.addEventListener("input", () => this.updateJobCount());
    els.micCheck.addEventListener("click", run(() => this.checkMicrophone()));
    els.micTest.addEventListener("click", run(() => this.micCheck.recordTest()));
  }

  setBusy(on, label) {
    const { els } = this;
    this.busy = on;
    els.start.disabled = on || this.roles.length === 0;
    els.resume.disabled = on;
    els.start.textContent = on && label ? label : "Start interview";
    els.setup.setAttribute("aria-busy", on ? "true" : "false");
  }

  get resumable() {
    return !this.els.resume.hidden;
  }

  set resumable(on) {
    this.els.resume.hidden = !on;
  }

  show(resumable) {
    this.els.setup.hidden = false;
    this.resumable = resumable;
    setView("setup");
    this.setBusy(false);
  }

  hide() {
    this.stopMicCheck();
    this.els.setup.hidden = true;
    this.resumable = false;
  }

  // After an interview: consent is asked for each one.
  restart() {
    this.els.recordAudio.checked = false;
  }

  focus() {
    const source = [...this.els.sources].find((input) => input.checked);
    (source || this.els.role).focus();
  }

  async loadRoles() {
    const { els } = this;
    try {
      const data = await api("/api/roles");
      this.roles = Array.isArray(data.roles) ? data.roles.filter((r) => r && typeof r.id === "string") : [];
      showRetention(data.privacy);
      this.signInRequired = Boolean(data.sign_in && data.sign_in.required);
      if (this.signInRequired) fetchSignIn().then((state) => renderSignIn($("signed-in"), state));
    } catch (err) {
      this.roles = [];
      els.role.replaceChildren(new Option("Roles unavailable", ""));
      showError(`Could not load interview roles: ${errorMessage(err, "unknown error")}`);
      this.setBusy(this.busy);
      return;
    }
    if (this.roles.length === 0) {
      els.role.replaceChildren(new Option("No roles available", ""));
      showError("No interview roles are available right now. Please try again later.");
      this.setBusy(this.busy);
      return;
    }
    els.role.replaceChildren(...this.roles.map((r) => new Option(r.title || r.id, r.id)));
    els.role.disabled = false;
    this.onRoleChange();
    this.setBusy(this.busy);
  }

  // "role": questions from a role's bank; "job": questions chosen for a pasted job description.
  questionSource() {
    const checked = [...this.els.sources].find((input) => input.checked);
    return checked ? checked.value : "role";
  }

  onSourceChange() {
    const job = this.questionSource() === "job";
    this.els.roleField.hidden = job;
    this.els.jobField.hidden = !job;
    this.updateCountLimit();
  }

  selectedRole() {
    return this.roles.find((r) => r.id === this.els.role.value) || null;
  }

  onRoleChange() {
    const role = this.selectedRole();
    this.els.roleHint.textContent = role && role.description ? role.description : "Questions from this role's bank, in order.";
    this.updateCountLimit();
  }

  maxQuestions() {
    if (this.questionSource() === "job") return MAX_QUESTIONS; // chosen from the whole bank
    const role = this.selectedRole();
    const bank = role && Number.isInteger(role.question_count) && role.question_count > 0 ? role.question_count : MAX_QUESTIONS;
    return Math.min(MAX_QUESTIONS, bank);
  }

  updateCountLimit() {
    const { count, countHint } = this.els;
    const max = this.maxQuestions();
    count.max = String(max);
    const value = Number.parseInt(count.value, 10);
    if (Number.isInteger(value) && value > max) count.value = String(max);
    countHint.textContent = max === 1 ? "This role has 1 question." : `Between 1 and ${max}.`;
  }

  updateJobCount() {
    const { job, jobCount } = this.els;
    const length = job.value.trim().length;
    jobCount.textContent = `${length.toLocaleString("en")} of ${JOB_DESCRIPTION_MAX.toLocaleString("en")} characters`;
    jobCount.dataset.over = length > JOB_DESCRIPTION_MAX ? "true" : "false";
  }

  // What POST /api/sessions gets, or null after telling the candidate what to fix.
  request() {
    const { els } = this;
    const max = this.maxQuestions();
    const count = Number(els.count.value);
    const body = { question_count: count, record_audio: els.recordAudio.checked };
    if (this.questionSource() === "job") {
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
    // Follow-ups: the site's default (REHEARSE_MAX_FOLLOW_UPS) unless the candidate chose.
    const followUps = els.followUps && els.followUps.value !== "" ? Number(els.followUps.value) : null;
    if (Number.isInteger(followUps) && followUps >= 0 && followUps <= MAX_FOLLOW_UPS) body.max_follow_ups = followUps;
    return body;
  }

  // Start: the microphone, then the interview. Returns {stream, created} (the POST /api/sessions answer), or null
  // after saying what went wrong.
  async begin() {
    clearError();
    this.clearMicProblem();
    const request = this.request();
    if (!request) return null;
    if (this.signInRequired && !(await signedInOrSent())) return null; // Easy Auth, no one signed in: off to sign in, back to /

    this.stopMicCheck(); // the interview opens the microphone itself
    this.setBusy(true, "Requesting microphone…");
    let stream;
    try {
      stream = await getMicrophone();
    } catch (err) {
      this.showMicProblem(err);
      this.setBusy(false);
      return null;
    }

    this.setBusy(true, request.job_description ? "Choosing questions…" : "Starting…");
    try {
      return { stream, created: await createSession(request) };
    } catch (err) {
      stopStream(stream);
      showError(errorMessage(err, "The interview could not be created."));
      this.setBusy(false);
      return null;
    }
  }

  // Shows what to do about a microphone that could not be opened, next to the microphone check.
  showMicProblem(err) {
    const help = this.els.micHelp;
    help.replaceChildren(micHelp(err));
    help.dataset.kind = err instanceof MicError ? err.kind : "other";
    help.hidden = false;
    help.scrollIntoView({ block: "nearest" });
  }

  clearMicProblem() {
    const help = this.els.micHelp;
    help.hidden = true;
    help.replaceChildren();
    delete help.dataset.kind;
  }

  async checkMicrophone() {
    const { els } = this;
    this.clearMicProblem();
    if (this.micCheck.active) {
      this.micCheck.stop();
      els.micCheck.textContent = "Check microphone";
      els.micStatus.textContent = "Microphone check stopped.";
      return;
    }
    els.micCheck.disabled = true;
    try {
      await this.micCheck.start();
      els.micCheck.textContent = "Stop check";
    } catch (err) {
      els.micStatus.textContent = "";
      this.showMicProblem(err);
    } finally {
      els.micCheck.disabled = false;
    }
  }

  stopMicCheck() {
    if (this.micCheck.active) this.micCheck.stop();
    this.els.micCheck.textContent = "Check microphone";
  }
}
