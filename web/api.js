// The HTTP API (docs/protocol.md) and what the page remembers between visits.

import { CANDIDATE_KEY } from "./constants.js";

export const CANDIDATE_HEADER = "X-Rehearse-Candidate";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

export async function api(url, { method = "GET", token = null, body, headers: extra = {} } = {}) {
  // W3C trace context, a new trace per request: the relay's and the functions' spans join it (docs/tracing.md).
  const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
  const headers = { Accept: "application/json", traceparent: `00-${hex(16)}-${hex(8)}-01`, ...extra };
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

// The candidate whose history this browser adds to; null when unknown or expired.
export function loadCandidate() {
  try {
    const data = JSON.parse(localStorage.getItem(CANDIDATE_KEY) || "null");
    if (!data || typeof data.token !== "string" || !data.token) return null;
    const expires = Date.parse(data.expires_at);
    if (Number.isFinite(expires) && expires <= Date.now()) return null;
    return data;
  } catch {
    return null;
  }
}

export function saveCandidate(candidate) {
  if (!candidate || typeof candidate.token !== "string") return;
  const { id, token, expires_at } = candidate;
  try {
    localStorage.setItem(CANDIDATE_KEY, JSON.stringify({ id, token, expires_at }));
  } catch {
    // storage unavailable: this interview still works, it just starts no history
  }
}

export function forgetCandidate() {
  try {
    localStorage.removeItem(CANDIDATE_KEY);
  } catch {
    // ignore
  }
}

// POST /api/sessions as the remembered candidate; a token the server no longer accepts starts a new history.
export async function createSession(body) {
  const candidate = loadCandidate();
  const post = (headers) => api("/api/sessions", { method: "POST", body, headers });
  let created;
  try {
    created = await post(candidate ? { [CANDIDATE_HEADER]: candidate.token } : {});
  } catch (err) {
    if (!(candidate && err instanceof ApiError && err.code === "invalid_token")) throw err;
    forgetCandidate();
    created = await post({});
  }
  if (typeof created.session_id !== "string" || typeof created.token !== "string") {
    throw new ApiError(201, "bad_response", "The server sent an unexpected response.");
  }
  saveCandidate(created.candidate);
  return created;
}
