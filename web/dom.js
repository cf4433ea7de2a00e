// Small DOM and formatting helpers shared by the page's modules.

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

// body[data-view]: "setup", "interview" (live) or "report" (after the interview: the report and its transcript).
const VIEW_TITLES = { setup: "Rehearse: live AI mock interviews", interview: "Interview in progress · Rehearse", report: "Your interview report · Rehearse" };

export function setView(view) {
  document.body.dataset.view = view;
  document.title = VIEW_TITLES[view];
}

// The page's error banner (#error).
export function showError(message) {
  const banner = $("error");
  banner.textContent = message;
  banner.hidden = false;
}

export function clearError() {
  const banner = $("error");
  banner.textContent = "";
  banner.hidden = true;
}

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function svg(name, attrs = {}, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function num(value) {
  const n = Number(value);
  return value === null || value === undefined || value === "" || !Number.isFinite(n) ? null : n;
}

export function fmt(value, digits = 0) {
  const n = num(value);
  if (n === null) return "–";
  return digits === 0 ? String(Math.round(n)) : n.toFixed(digits);
}

// A score as a whole number from 0 to 100, or null.
export function toScore(value) {
  const n = num(value);
  return n === null ? null : Math.max(0, Math.min(100, Math.round(n)));
}

// A score out of 100 as a badge whose label a screen reader hears: "Score for this answer: 72 out of 100".
export function scoreBadge(score, label) {
  const badge = make("span", "score-badge");
  badge.title = `${label}: ${score} out of 100`;
  badge.append(make("span", "visually-hidden", `${label}: `), String(score), make("span", "visually-hidden", " out of 100"));
  return badge;
}

export function shorten(text, max = 80) {
  const t = String(text || "").replace(/\s+/g, " ").trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, "")}…`;
}

// Capitalises a server message and ends it with a full stop, so text can follow it.
export function sentence(text) {
  const t = String(text).trim();
  if (!t) return t;
  const cap = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(cap) ? cap : `${cap}.`;
}

export function errorMessage(err, fallback) {
  if (err && typeof err.message === "string" && err.message) return err.message;
  return fallback;
}

// Seconds as mm:ss (m:ss past an hour would be rare in an interview; minutes simply grow).
export function clock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

// How a duration reads aloud: "1 minute 5 seconds".
export function spokenDuration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const m = Math.floor(s / 60);
  const parts = [];
  if (m) parts.push(`${m} ${m === 1 ? "minute" : "minutes"}`);
  if (s % 60 || !m) parts.push(`${s % 60} ${s % 60 === 1 ? "second" : "seconds"}`);
  return parts.join(" ");
}

export function prefersReducedMotion() {
  return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
}

// A JSON text that must hold an object (a message from the relay or the pub/sub service); anything else is null.
export function parseObject(raw) {
  if (typeof raw !== "string") return null;
  try {
    const value = JSON.parse(raw);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}
