// The REST API as the page uses it. The access token lives in this module only: never in
// localStorage or a cookie, so it ends with the tab. Every 401 goes through one place
// (`onSessionEnded`), which is where a refresh-token exchange will slot in once it exists.

let token = null;
let sessionEnded = () => {};

export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(problem.detail || `request failed (${status})`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }
}

export function setToken(value) {
  token = value;
}

export function currentToken() {
  return token;
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
  if (token) headers.set("Authorization", `Bearer ${token}`);
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
    if (response.status === 401 && token) {
      token = null;
      sessionEnded("Your session has ended: please log in again.");
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
  login: (username, password) =>
    request("POST", "/api/v1/auth/token", { form: { username, password } }),
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
