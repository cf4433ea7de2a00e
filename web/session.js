// The interview this page takes part in: where its relay and feedback are, and its id and token kept in
// sessionStorage, so that a reload resumes it ({session_id, token, last_seq, offer_url, negotiate_url, ...}).

const STORAGE_KEY = "rehearse.session";

export function loadSession() {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const data = JSON.parse(raw);
    if (!data || typeof data.session_id !== "string" || typeof data.token !== "string") return null;
    data.last_seq = Number.isInteger(data.last_seq) ? data.last_seq : 0;
    return data;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  if (!session) return;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // Storage may be unavailable (private mode, quota); resuming just won't be offered.
  }
}

export function clearSession() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // ignore
  }
}

// An interview to open next (History opens a finished one's report this way).
export function rememberSession({ session_id, token }) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ session_id, token }));
}

function offerUrl(sessionId) {
  return `/api/sessions/${encodeURIComponent(sessionId)}/offer`;
}

function defaultNegotiateUrl(sessionId) {
  return `/api/sessions/${encodeURIComponent(sessionId)}/negotiate`;
}

export function negotiateUrl(session) {
  return session.negotiate_url || defaultNegotiateUrl(session.session_id);
}

// The session of a POST /api/sessions answer.
export function createdSession(created) {
  const relay = created.relay || null;
  return {
    session_id: created.session_id,
    token: created.token,
    record_audio: created.record_audio === true,
    offer_url: (relay && relay.offer_url) || offerUrl(created.session_id),
    ice_servers: (relay && Array.isArray(relay.ice_servers) && relay.ice_servers) || [],
    ice_transport_policy: (relay && relay.ice_transport_policy) === "relay" ? "relay" : "all",
    negotiate_url: (created.pubsub && typeof created.pubsub.negotiate_url === "string" && created.pubsub.negotiate_url) ||
      defaultNegotiateUrl(created.session_id),
  };
}

// The session of a saved one, with what GET /api/sessions/{id} (data) says of it now.
export function savedSession(saved, data) {
  return {
    session_id: saved.session_id,
    token: saved.token,
    record_audio: data.record_audio === true,
    offer_url: saved.offer_url || offerUrl(saved.session_id),
    ice_servers: Array.isArray(saved.ice_servers) ? saved.ice_servers : [],
    ice_transport_policy: saved.ice_transport_policy === "relay" ? "relay" : "all",
    negotiate_url: negotiateUrl(saved),
  };
}
