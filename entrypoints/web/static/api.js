// The REST API as the page uses it, and the page's session.
//
// The access token lives in this module's memory only: never in localStorage, sessionStorage
// or a cookie a script can read, so it ends with the tab. The refresh token is an HttpOnly
// cookie the service sets for /api/v1/auth alone: this code never sees it, it only asks the
// service to use it (log in, refresh, log out) and the browser sends it along.
//
// A 401 is answered by one refresh through the cookie and one retry; the access token is also
// refreshed shortly before it runs out. Refresh tokens rotate, and one sent twice ends the
// session (reuse detection), so refreshes never overlap: one at a time in this tab (a shared
// promise) and across this origin's tabs (a Web Lock), each sending the cookie the last left.

const AUTH = "/api/v1/auth";
const EARLY_S = 60; // refresh this long before the access token runs out
let token = null;
let renewal = null; // the timer of the next refresh
let refreshing = null; // the refresh in flight
let epoch = 0; // counts forgetting: a refresh that ends after a log out or log in is dropped
let sessionEnded = () => {};

export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(problem.detail || `request failed (${status})`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }
}

export function currentToken() {
  return token;
}

function hold(answer) {
  token = answer.access_token;
  clearTimeout(renewal);
  const seconds = Math.max(answer.expires_in - EARLY_S, answer.expires_in / 2);
  renewal = setTimeout(async () => {
    if (!(await refreshSession())) endSession("Your session has ended: please log in again.");
  }, seconds * 1000);
}

/** Forget the access token (the cookie stays until the service ends the session). */
export function forget() {
  epoch += 1;
  token = null;
  clearTimeout(renewal);
  renewal = null;
}

function endSession(message) {
  if (token === null) return;
  forget();
  sessionEnded(message);
}

async function exchange() {
  const started = epoch;
  try {
    const response = await fetch(`${AUTH}/refresh`, {
      method: "POST",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!response.ok) return false;
    const answer = await response.json();
    if (epoch !== started) return false;
    hold(answer);
    return true;
  } catch {
    return false;
  }
}

/** A new access token through the cookie: true when the session goes on. */
export function refreshSession() {
  if (!refreshing) {
    const locks = navigator.locks;
    const run = locks ? locks.request("inventory-session-refresh", exchange) : exchange();
    refreshing = run.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export function onSessionEnded(callback) {
  sessionEnded = callback;
}

/** A fresh Idempotency-Key: a retried submission then records one movement, not two. */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { status: response.status, detail: response.statusText || "request failed" };
  }
}

export async function request(method, path, options = {}) {
  const headers = new Headers(options.headers || {});
  headers.set("Accept", "application/json");
  const sent = token;
  if (sent) headers.set("Authorization", `Bearer ${sent}`);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = new URLSearchParams(options.form);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch {
    throw new ApiError(0, { detail: "the service cannot be reached; check the connection" }, headers);
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (response.status === 401 && sent) {
      // Refreshed meanwhile (for another request), or now: either way, one retry.
      const renewed = !options.retried && ((token && token !== sent) || (await refreshSession()));
      if (renewed) return request(method, path, { ...options, retried: true });
      endSession("Your session has ended: please log in again.");
    }
    throw new ApiError(response.status, problem, response.headers);
  }
  if (options.raw) return response;
  if (response.status === 204) return null;
  const data = await response.json();
  if (options.withEtag) return { data, etag: response.headers.get("ETag") };
  return data;
}

export const api = {
  me: () => request("GET", "/api/v1/users/me"),
  items: (params) => request("GET", `/api/v1/items?${new URLSearchParams(params)}`),
  item: (id) => request("GET", `/api/v1/items/${id}`),
  movements: (id, params) =>
    request("GET", `/api/v1/items/${id}/movements?${new URLSearchParams(params)}`),
  move: (id, movement, key) =>
    request("POST", `/api/v1/items/${id}/movements`, {
      json: movement,
      headers: { "Idempotency-Key": key },
    }),
  update: (id, version, changes) =>
    request("PATCH", `/api/v1/items/${id}`, {
      json: changes,
      headers: { "If-Match": `"${version}"` },
    }),
  image: (id) => request("GET", `/api/v1/items/${id}/image`, { raw: true }),
  upload: (id, file) => {
    const body = new FormData();
    body.append("file", file);
    return request("PUT", `/api/v1/items/${id}/image`, { body });
  },
  users: (params) => request("GET", `/api/v1/users?${new URLSearchParams(params)}`),
  createUser: (user) => request("POST", "/api/v1/users", { json: user }),
  updateUser: (id, changes) => request("PATCH", `/api/v1/users/${id}`, { json: changes }),
};

/** Log in: the access token into memory, the refresh token into the service's cookie. */
export async function logIn(username, password) {
  forget();
  hold(await request("POST", `${AUTH}/session`, { form: { username, password } }));
}

/** Log out: the service ends the session and clears the cookie; this tab forgets the token. */
export async function logOut() {
  forget();
  try {
    await fetch(`${AUTH}/logout`, { method: "POST", cache: "no-store" });
  } catch {
    // Unreachable: the cookie's session ends at the latest when it expires.
  }
}
