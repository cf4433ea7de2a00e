// Who the page shows as signed in, and when it sends the candidate to sign in (web/signin.js, Easy Auth's /.auth/me).
// Run: node --test tests/web/ (tests/web/test_node.py runs it in pytest).

import assert from "node:assert/strict";
import { test } from "node:test";

import { install } from "./fake_dom.mjs";

install();
const { LOGIN_URL, renderSignIn, signInState, signedInOrSent } = await import("../../web/signin.js");

const ada = [{ provider_name: "aad", user_id: "ada@contoso.com", user_claims: [{ typ: "name", val: "Ada Lovelace" }] }];
const reply = (status, body) => async () => ({ status, json: async () => (body === undefined ? Promise.reject(new Error("no json")) : body) });

test("a signed-in principal is shown by name, else by user id", () => {
  assert.deepEqual(signInState(200, ada), { easyAuth: true, user: "Ada Lovelace" });
  assert.deepEqual(signInState(200, [{ user_id: "ada@contoso.com", user_claims: [] }]), { easyAuth: true, user: "ada@contoso.com" });
});

test("Easy Auth with no one signed in is a 401 or an empty list", () => {
  assert.deepEqual(signInState(401, null), { easyAuth: true, user: null });
  assert.deepEqual(signInState(200, []), { easyAuth: true, user: null });
});

test("without Easy Auth (a 404 from the embedded server) nothing is shown", () => {
  assert.deepEqual(signInState(404, null), { easyAuth: false, user: null });
  const el = document.createElement("span");
  renderSignIn(el, signInState(404, null));
  assert.equal(el.hidden, true);
  assert.equal(el.textContent, "");
});

test("the header names who is signed in and links to sign out", () => {
  const el = document.createElement("span");
  el.hidden = true;
  renderSignIn(el, signInState(200, ada));
  assert.equal(el.hidden, false);
  assert.match(el.textContent, /Signed in as Ada Lovelace/);
  const link = el.querySelector("a");
  assert.equal(link.textContent, "Sign out");
  assert.match(link.href, /^\/\.auth\/logout/);
});

test("a candidate not signed in is sent to sign in before a session is created", async () => {
  const went = [];
  assert.equal(await signedInOrSent(reply(401, undefined), (url) => went.push(url)), false);
  assert.deepEqual(went, [LOGIN_URL]);
  assert.equal(LOGIN_URL, "/.auth/login/aad?post_login_redirect_uri=/");
});

test("a signed-in candidate, or a server without Easy Auth, goes on", async () => {
  const went = [];
  assert.equal(await signedInOrSent(reply(200, ada), (url) => went.push(url)), true);
  assert.equal(await signedInOrSent(reply(404, undefined), (url) => went.push(url)), true);
  assert.equal(await signedInOrSent(async () => Promise.reject(new TypeError("offline")), (url) => went.push(url)), true);
  assert.deepEqual(went, []);
});
