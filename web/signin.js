// Who is signed in, where App Service Authentication (Easy Auth) guards the API on the page's own origin: GET
// /.auth/me names the user, /.auth/login/aad signs in, /.auth/logout signs out. The page asks only when GET /api/roles
// says sign-in is required (`sign_in.required`); a 404 there (no Easy Auth in front) shows nothing and asks no one.

export const LOGIN_URL = "/.auth/login/aad?post_login_redirect_uri=/";
export const LOGOUT_URL = "/.auth/logout?post_logout_redirect_uri=/";

// The claims that name a person, best first (Entra ID tokens).
const NAME_CLAIMS = ["name", "preferred_username", "email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"];

// What /.auth/me said: {easyAuth: false} when there is no Easy Auth; else {easyAuth: true, user} with user the
// signed-in person's name, or null when no one is signed in (401, or an empty list).
export function signInState(status, body) {
  if (status === 401 || status === 403) return { easyAuth: true, user: null };
  if (status !== 200 || !Array.isArray(body)) return { easyAuth: false, user: null };
  const principal = body[0];
  if (!principal || typeof principal !== "object") return { easyAuth: true, user: null };
  const claims = Array.isArray(principal.user_claims) ? principal.user_claims : [];
  for (const typ of NAME_CLAIMS) {
    const claim = claims.find((c) => c && c.typ === typ && typeof c.val === "string" && c.val.trim());
    if (claim) return { easyAuth: true, user: claim.val.trim() };
  }
  const id = typeof principal.user_id === "string" && principal.user_id.trim();
  return { easyAuth: true, user: id || "signed in" };
}

export async function fetchSignIn(fetchImpl = globalThis.fetch) {
  try {
    const res = await fetchImpl("/.auth/me", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    return signInState(res.status, body);
  } catch {
    return { easyAuth: false, user: null }; // unreachable: let POST /api/sessions say what is wrong
  }
}

// Shows "Signed in as <name> · Sign out" in el, or hides it where there is no one to show.
export function renderSignIn(el, state) {
  if (!el) return;
  if (!state.easyAuth || !state.user) {
    el.replaceChildren();
    el.hidden = true;
    return;
  }
  const who = document.createElement("span");
  who.className = "signed-in-name";
  who.textContent = `Signed in as ${state.user}`;
  const out = document.createElement("a");
  out.href = LOGOUT_URL;
  out.textContent = "Sign out";
  el.replaceChildren(who, out);
  el.hidden = false;
}

// Before creating a session: true to go on; false after sending a candidate who is not signed in to sign in
// (the sign-in page brings them back to /).
export async function signedInOrSent(fetchImpl = globalThis.fetch, go = (url) => window.location.assign(url)) {
  const state = await fetchSignIn(fetchImpl);
  if (state.easyAuth && !state.user) {
    go(LOGIN_URL);
    return false;
  }
  return true;
}
